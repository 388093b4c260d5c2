"""Benchmark: write-back lead loads against the simulator (leads/s), throttled and unthrottled.

    .venv/bin/python bench/writeback.py [--leads 10000] [--throttled-leads 10000] [--platform vicidial]

Each load is a fresh CSV into a fresh list through `load_leads` (validation, ledger,
pending→applied bookkeeping, HTTP to the simulator on loopback):
- throttled: at `Settings.writeback_requests_per_second` (default 10/s, so 10,000 leads take
  ~17 minutes; pass a smaller --throttled-leads for a quick check — the rate is the limiter's);
- unthrottled: rate limit off, `max_concurrency` requests in flight;
- re-run: the same file again (everything skipped as unchanged: the cost of the diff alone).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

# bench/extract.py would shadow the `extract` package when run as a script from bench/
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialsync.service.writeback import load_leads  # noqa: E402
from dialsync.settings import InstanceSettings, Settings  # noqa: E402
from simulator.server import SimulatorServer  # noqa: E402

USER_ENV, PASS_ENV = "DIALSYNC_BENCH_USER", "DIALSYNC_BENCH_PASS"


def _csv(path: Path, n: int, prefix: str) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["phone_number", "first_name", "last_name", "city", "state", "postal_code"])
        for i in range(n):
            w.writerow([f"{prefix}{i:06d}", f"First{i}", f"Last{i}", "Chicago", "IL", "60601"])


def _run(sim: SimulatorServer, work: Path, name: str, n: int, list_id: int, rps: float, platform: str,
         concurrency: int) -> None:
    sim.ctx.store.add_list({"list_id": list_id, "list_name": f"bench {name}", "campaign_id": "10000002",
                            "active": "Y"})
    inst = InstanceSettings(platform=platform, base_url=sim.url, user_env=USER_ENV, password_env=PASS_ENV,
                            max_concurrency=concurrency, timeout_s=60)
    settings = Settings(data_dir=work / name, instances={"bench": inst}, writeback_requests_per_second=rps)
    path = work / f"{name}.csv"
    _csv(path, n, prefix=str(300 + list_id % 700))
    t0 = time.perf_counter()
    rep = load_leads(settings, path, list_id=list_id)
    dt = time.perf_counter() - t0
    t1 = time.perf_counter()
    again = load_leads(settings, path, list_id=list_id)
    dt2 = time.perf_counter() - t1
    rate = f"{rps:g}/s" if rps > 0 else "off"
    print(f"{name:<11} leads={n:>6} rate_limit={rate:<5} concurrency={concurrency} "
          f"applied={rep.applied} failed={rep.failed} pending={rep.pending} "
          f"time={dt:7.2f}s  {rep.applied / dt:8.1f} leads/s  | re-run: sent={again.sent} "
          f"skipped={again.skipped_unchanged} in {dt2:.2f}s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leads", type=int, default=10_000, help="unthrottled load size")
    ap.add_argument("--throttled-leads", type=int, default=10_000, help="throttled load size")
    ap.add_argument("--rate", type=float, default=None, help="writeback_requests_per_second (default: settings)")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--platform", default="vicidial", choices=["vicidial", "crocodial", "dialer360"])
    args = ap.parse_args()
    rate = args.rate if args.rate is not None else Settings().writeback_requests_per_second
    os.environ[USER_ENV], os.environ[PASS_ENV] = "6666", "1234"
    with tempfile.TemporaryDirectory() as tmp, SimulatorServer(seed=5, agents=12, log_requests=False) as sim:
        work = Path(tmp)
        if args.throttled_leads:
            est = args.throttled_leads / rate if rate > 0 else 0
            print(f"throttled run: {args.throttled_leads} leads at {rate:g}/s (~{est:.0f}s)", flush=True)
            _run(sim, work, "throttled", args.throttled_leads, 88001, rate, args.platform, args.concurrency)
        if args.leads:
            _run(sim, work, "unthrottled", args.leads, 88002, 0.0, args.platform, args.concurrency)


if __name__ == "__main__":
    main()
