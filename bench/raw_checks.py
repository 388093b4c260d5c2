"""Benchmark: the raw assets' checks over the days a backfill run writes, on a synced lake.

    .venv/bin/python bench/year.py --mode cli --days 14 --keep /tmp/lake14   # once: a 500-agent lake
    .venv/bin/python bench/raw_checks.py /tmp/lake14 [--days 14] [--reps 3]

Runs `orchestration.checks.results_for` for every daily endpoint the instance syncs over the
lake's last `--days` days, as a Dagster step does after syncing them (the step hands it its
SyncResults; here they are rebuilt from the ledger and the Parquet footers), and prints the
seconds per endpoint and in all (best of `--reps`).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import _path  # noqa: F401  (keeps bench/ from shadowing the packages)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path, help="a --keep directory of bench/year.py (its dialsync.toml)")
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    warnings.filterwarnings("ignore")
    from dialsync import runner
    from dialsync.service.sync import SyncResult
    from dialsync.settings import load_settings, set_config_path
    from extract.registry import ENDPOINTS
    from orchestration import checks

    set_config_path(a.work / "dialsync.toml")
    s = load_settings()
    lake, ledger = runner.lake(s), runner.ledger(s)
    total = 0.0
    for name, inst in s.instances.items():
        for ep in (e for e in ENDPOINTS if e.kind == "daily" and inst.runs(e)):
            days = lake.days(ep.tables[0], name)[-a.days:]
            written = [checks.Written(SyncResult(name, ep.name, d.isoformat(), "success",
                                                 rows={t: lake.num_rows(t, name, d) or 0 for t in ep.tables}),
                                      ledger.get(name, ep.name, d.isoformat())) for d in days]
            best = float("inf")
            for _ in range(a.reps):
                t = time.perf_counter()
                checks.results_for(ep, written, lake, s)
                best = min(best, time.perf_counter() - t)
            total += best
            print(f"{name}/{ep.name:24s} {len(days):3d} days  {best:6.3f} s", flush=True)
    print(f"all checks of a {a.days}-day run: {total:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
