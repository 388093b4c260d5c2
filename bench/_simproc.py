"""The simulator in a child process, for benchmarks whose figures must be the pipeline's own:
in-process it shares the GIL and the peak RSS with what is measured (on a 2-core machine it
gets the other core, as a remote dialer would have its own)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CHILD = """
import json, sys
from simulator.serve import serve
serve(port=0, **json.loads(sys.argv[1]))
"""


@contextmanager
def simulator_process(**config: Any) -> Iterator[str]:
    """Yield the base URL of a simulator serving ``SimConfig(**config)`` (``now`` as ISO text)."""
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, json.dumps(config, default=str)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "http://" not in line:
            raise SystemExit(f"simulator did not start: {line!r}")
        yield line.split()[2]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
