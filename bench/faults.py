"""Fault campaign: does any injected fault cost or duplicate a row?

    .venv/bin/python bench/faults.py [--days 7] [--rate 0.45] [--cuts *|goapi] [--agents 8] [--seed 7]
                                     [--max-runs 12] [--max-attempts 6]

Syncs `--days` days of every endpoint for a croco-dial and a plain VICIdial instance against
one simulator under every recoverable fault kind (5xx, 429 + Retry-After, resets, hangs past
the client timeout, truncated transfers, HTML error pages, bodies cut at a line boundary and
inside a line, empty bodies), re-running the partitions the ledger does not show as loaded
until none are left (bounded), then compares every partition by content with a clean run of
the same simulator seed and fixed clock. Prints faults injected, runs needed, rows lost, rows
duplicated, partitions differing; exit 1 unless the last three are 0 and everything loaded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import _path  # noqa: F401  (keeps bench/ from shadowing the packages)

from simulator.campaign import run_campaign


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--rate", type=float, default=0.45, help="share of requests faulted")
    ap.add_argument("--agents", type=int, default=8)
    ap.add_argument("--calls-scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-runs", type=int, default=12)
    ap.add_argument("--max-attempts", type=int, default=6, help="client attempts per request (instance default)")
    ap.add_argument("--cuts", default="*", help="where bodies are cut: * (every format) or goapi (JSON/XML only)")
    ap.add_argument("--data", type=Path, help="keep the clean and faulty data dirs here")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        res = run_campaign(a.data or Path(tmp), days=a.days, agents=a.agents, calls_scale=a.calls_scale,
                           rate=a.rate, seed=a.seed, max_runs=a.max_runs, max_attempts=a.max_attempts,
                           cut_target=a.cuts, log=print)
    d = res.diff
    print(f"requests:             {res.requests:,}")
    print(f"faults injected:      {res.faults_injected:,} "
          f"({', '.join(f'{k} {n}' for k, n in sorted(res.faults.items()) if n)})")
    print(f"runs needed:          {res.runs}" + (f" (still not loaded: {res.unfinished})" if res.unfinished else ""))
    print(f"partitions compared:  {d.partitions:,} ({d.rows_clean:,} rows in the clean run)")
    print(f"rows lost:            {d.rows_lost:,}")
    print(f"rows duplicated:      {d.rows_duplicated:,}")
    print(f"partitions differing: {d.partitions_differing}")
    for line in d.differing:
        print(f"  {line}")
    print(f"wall time:            {res.seconds:.0f} s")
    ok = not (d.rows_lost or d.rows_duplicated or d.partitions_differing or res.unfinished)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
