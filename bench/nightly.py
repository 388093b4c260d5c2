"""Nightly run cost vs history size: a nightly run should cost what it restates, not what history holds.

Same simulator, same machine, same data dir: load 7 days of history, build the warehouse,
time the nightly run (Dagster `nightly` job over yesterday + the restatement window, then
dbt); extend the history to 365 days, rebuild, time the same nightly run again. Prints both
wall times and their ratio (target ≤ 1.25).

History is written by syncing through the real simulator over HTTP (`PartitionSync.sync`),
for every daily endpoint except phone_number_log, whose fan-out over every number dialed
costs ~10 s of simulator time per day: it gets only the most recent `--full-days` days.

    .venv/bin/python bench/nightly.py [--agents 20] [--history 7 365] [--workers 2]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import _path  # noqa: F401  (keeps bench/ from shadowing the packages)
from dagster import DagsterInstance

from dialsync import runner
from dialsync.service.sync import local_today
from dialsync.settings import InstanceSettings, Settings
from extract.registry import ENDPOINTS, ordered
from orchestration.factory import build_defs
from orchestration.partitions import range_tags

USER_ENV, PASS_ENV = "DIALSYNC_BENCH_USER", "DIALSYNC_BENCH_PASS"
EXPENSIVE = {"phone_number_log"}


def load_history(s: Settings, days: list[date], full_days: int, workers: int) -> tuple[int, float]:
    """Sync `days` (oldest first) for every daily endpoint; return (partitions, seconds)."""
    eps = ordered([e for e in ENDPOINTS if e.kind == "daily"])
    newest = max(days)

    def one(day: date) -> int:
        ps = runner.partition_sync(s, "main")
        try:
            n = 0
            for ep in eps:
                if ep.name in EXPENSIVE and (newest - day).days >= full_days:
                    continue
                ps.sync(ep, day)
                n += 1
            return n
        finally:
            ps.client.close()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        n = sum(pool.map(one, days))
    return n, time.perf_counter() - t0


def timed_nightly(defs, instance: DagsterInstance, yesterday: date, restatement_days: int) -> float:
    job = defs.resolve_job_def("nightly")
    tags = {**range_tags(yesterday - timedelta(days=restatement_days), yesterday, "main"),
            "dialsync/schedule": "bench"}
    t0 = time.perf_counter()
    res = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)
    wall = time.perf_counter() - t0
    if not res.success:
        failed = [e.step_key for e in res.all_events if e.event_type_value == "STEP_FAILURE"]
        raise SystemExit(f"nightly run failed: {failed}")
    return wall


def full_build(defs, instance: DagsterInstance) -> float:
    job = defs.resolve_job_def("dbt_build")
    t0 = time.perf_counter()
    res = job.execute_in_process(instance=instance, raise_on_error=False)
    if not res.success:
        raise SystemExit("full dbt build failed")
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=20)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--history", type=int, nargs="+", default=[7, 365])
    ap.add_argument("--full-days", type=int, default=14, help="days that also get phone_number_log")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2,
                    help="nightly runs per size (the best is reported: the machine may be shared)")
    ap.add_argument("--keep", type=Path, default=None, help="data dir to use (kept)")
    args = ap.parse_args()

    from simulator.server import SimConfig, SimulatorServer

    os.environ[USER_ENV], os.environ[PASS_ENV] = "6666", "1234"
    tmp = Path(tempfile.mkdtemp(prefix="dialsync-bench-"))
    data_dir = args.keep or tmp / "data"
    try:
        with SimulatorServer(SimConfig(seed=args.seed, agents=args.agents, log_requests=False)) as sim:
            inst = InstanceSettings(platform="crocodial", base_url=sim.url, user_env=USER_ENV, password_env=PASS_ENV,
                                    requests_per_second=200)
            yesterday = local_today(inst) - timedelta(days=1)
            s = Settings(data_dir=data_dir, instances={"main": inst},
                         start_date=yesterday - timedelta(days=max(args.history) + 5))
            defs = build_defs(s)
            instance = DagsterInstance.ephemeral()
            loaded: set[date] = set()
            results: list[tuple[int, float]] = []
            for h in sorted(args.history):
                days = [yesterday - timedelta(days=i) for i in range(h - 1, -1, -1) if
                        yesterday - timedelta(days=i) not in loaded]
                n, secs = load_history(s, days, args.full_days, args.workers)
                loaded.update(days)
                build = full_build(defs, instance)
                walls = [timed_nightly(defs, instance, yesterday, s.restatement_days) for _ in range(args.repeat)]
                best = min(walls)
                results.append((h, best))
                print(f"history {h:>4} days: loaded {n} partitions in {secs:.0f}s, full dbt build {build:.1f}s, "
                      f"nightly run {best:.1f}s (runs: {', '.join(f'{w:.1f}' for w in walls)})", flush=True)
            if len(results) >= 2:
                ratio = results[-1][1] / results[0][1]
                verdict = "OK" if ratio <= 1.25 else "TOO SLOW"
                print(f"ratio {results[-1][0]}d/{results[0][0]}d = {ratio:.2f} (target ≤ 1.25): {verdict}")
                return 0 if ratio <= 1.25 else 1
            return 0
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
