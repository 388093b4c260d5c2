"""Benchmark: dbt build time for N days of an M-agent center, full vs incremental.

    .venv/bin/python bench/transform.py [--days 30] [--agents 200] [--keep DIR]

Data: the simulator (seeded, in this process, over real HTTP on loopback) is synced for
every daily endpoint (except the phone-number / DID / agent fan-outs phone_number_log,
did_log_export and recording_lookup, which a croco-dial transform does not read and which
take ~2 min per simulated day to sync; `--all-endpoints` includes them) and the dimension
snapshots with the real extract path
(PartitionSync -> Parquet lake), then warehouse.catalog creates the raw views in a DuckDB
file, exactly as `dialsync sync` + publish do. Timed:
- full:        `dbt build --full-refresh` (every model, snapshot, seed, data and unit test);
- incremental: `dbt build --vars {start_date: D, end_date: D}` restating the last day only
               (views/dims/tests still run; the incremental facts rebuild one day);
- plus `dbt run --select fct_*` for both, to show the facts' own cost.
Also checks the incremental result equals the full refresh (row counts per fact).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FACTS = ["fct_calls", "fct_agent_daily", "fct_agent_pause_daily", "fct_campaign_daily",
         "fct_inbound_queue_daily", "fct_disposition_daily", "fct_campaign_abandon_30d"]


#: Fan-out endpoints that dominate sync time (one request per batch of numbers / DID / agent)
#: and that the croco-dial transform does not read (CDRs take precedence over phone_number_log).
SLOW_UNUSED = ("phone_number_log", "did_log_export", "recording_lookup")


def sync_simulator(data: Path, days: list[date], agents: int, seed: int, skip: tuple[str, ...] = ()) -> dict:
    from dialsync.service.sync import PartitionSync, sync_range
    from dialsync.settings import InstanceSettings
    from extract.client import DialerClient
    from extract.registry import ENDPOINTS, ordered
    from simulator.server import SimConfig, SimulatorServer
    from warehouse.lake import Lake
    from warehouse.ledger import SyncLedger

    tz = "America/New_York"
    local_now = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time()).replace(
        hour=6, tzinfo=ZoneInfo(tz))
    now = local_now.astimezone(UTC)
    server = SimulatorServer(SimConfig(seed=seed, agents=agents, timezone=tz, now=local_now,
                                       log_requests=False))
    server.start()
    try:
        os.environ["BENCH_U"], os.environ["BENCH_P"] = "6666", "1234"
        inst = InstanceSettings(platform="crocodial", base_url=server.url, timezone=tz,
                                user_env="BENCH_U", password_env="BENCH_P", timeout_s=600)
        client = DialerClient.from_settings("bench", inst)
        ps = PartitionSync("bench", inst, client, Lake(data / "lake"), SyncLedger(data / "ledger.sqlite"),
                           now=lambda: now)
        daily = ordered([e for e in ENDPOINTS if e.kind == "daily" and e.name not in skip])
        snaps = ordered([e for e in ENDPOINTS if e.kind == "snapshot"])
        t = time.perf_counter()
        res = sync_range(ps, daily, days)
        res += sync_range(ps, snaps, [local_now.date()])  # snapshots: the server's current day only
        failed = [f"{r.endpoint} {r.partition}: {r.message}" for r in res if r.status == "failed"]
        return {"seconds": time.perf_counter() - t, "partitions": len(res),
                "rows": sum(r.total_rows for r in res), "failed": failed[:5],
                "failed_count": len(failed)}
    finally:
        server.stop()


def make_warehouse(data: Path, db: Path) -> None:
    from warehouse.catalog import prepare
    from warehouse.lake import Lake

    prepare(db, Lake(data / "lake"), {})


def dbt(args: list[str], db: Path, work: Path, vars_: dict | None = None) -> float:
    from dbt.cli.main import dbtRunner

    os.environ["DIALSYNC_DUCKDB_PATH"] = str(db)
    full = [*args, "--project-dir", str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project"),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet"]
    if vars_:
        full += ["--vars", json.dumps(vars_)]
    t = time.perf_counter()
    res = dbtRunner().invoke(full)
    dt = time.perf_counter() - t
    if not res.success:
        bad = [f"{r.node.unique_id}: {r.message}" for r in (getattr(res.result, "results", None) or [])
               if str(r.status).lower() not in {"success", "pass", "skipped"}]
        raise SystemExit(f"dbt {' '.join(args)} failed: {bad[:5] or res.exception}")
    return dt


def fact_counts(db: Path) -> dict[str, tuple[int, int]]:
    """(rows, order-independent checksum of every column) per fact."""
    import duckdb

    con = duckdb.connect(str(db))  # same config as dbt-duckdb's in-process connection
    try:
        return {f: con.execute(f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from marts.{f} as t")
                .fetchone() for f in FACTS}
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--end", default="2025-05-30", help="last day (dialer-local)")
    ap.add_argument("--keep", help="keep the work directory here")
    ap.add_argument("--all-endpoints", action="store_true",
                    help=f"also sync {', '.join(SLOW_UNUSED)} (slow fan-outs the croco-dial models ignore)")
    a = ap.parse_args()

    end = date.fromisoformat(a.end)
    days = [end - timedelta(days=i) for i in range(a.days - 1, -1, -1)]
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="dialsync-bench-transform-"))
    work.mkdir(parents=True, exist_ok=True)
    data, db = work / "data", work / "warehouse.duckdb"
    try:
        print(f"syncing {a.days} days x {a.agents} agents from the simulator ...", flush=True)
        s = sync_simulator(data, days, a.agents, a.seed, () if a.all_endpoints else SLOW_UNUSED)
        print(f"  sync: {s['partitions']} partitions, {s['rows']:,} rows in {s['seconds']:.1f}s"
              + (f"  ({s['failed_count']} failed: {s['failed']})" if s["failed_count"] else ""), flush=True)
        db.unlink(missing_ok=True)
        make_warehouse(data, db)

        window = {"start_date": days[-1].isoformat(), "end_date": days[-1].isoformat()}
        t_full = dbt(["build", "--full-refresh"], db, work)
        full_counts = fact_counts(db)
        t_inc = dbt(["build"], db, work, window)
        inc_counts = fact_counts(db)
        t_run_full = dbt(["run", "--full-refresh", "--select", "fct_*"], db, work)
        t_run_inc = dbt(["run", "--select", "fct_*"], db, work, window)

        print(f"\ndbt build, {a.days} days x {a.agents} agents ({full_counts['fct_calls'][0]:,} calls):")
        print(f"  full refresh          : {t_full:7.1f} s")
        print(f"  incremental (1 day)   : {t_inc:7.1f} s")
        print("facts only (dbt run --select fct_*):")
        print(f"  full refresh          : {t_run_full:7.1f} s")
        print(f"  incremental (1 day)   : {t_run_inc:7.1f} s")
        same = [f for f in FACTS if full_counts[f] == inc_counts[f]]
        print("facts after the incremental run vs full refresh (rows + checksum):",
              "identical" if len(same) == len(FACTS) else f"DIFFER: {sorted(set(FACTS) - set(same))}")
        for f, (n, _) in full_counts.items():
            print(f"  {f:28s} {n:>10,}")
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
