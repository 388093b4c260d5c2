"""Imported first by every bench script: run as `python bench/x.py`, the bench folder comes
first on sys.path and its scripts (extract.py, simulator.py) would shadow the packages."""

import sys
from pathlib import Path

_here = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
