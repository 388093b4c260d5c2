"""Benchmark: a year of a 500-seat center, actually synced and modeled (no extrapolation).

    .venv/bin/python bench/year.py [--agents 500] [--days 365] [--mode cli|dagster] [--keep DIR]

The simulator (real clock, a child process: its CPU is not the pipeline's) serves a croco-dial
center; the year is the `--days` days before today.

- `cli`: `runner.sync` over the year (what `dialsync sync --start --end` runs: every default
  endpoint, days in parallel within the rate limit, today's dimension snapshots), then
  `runner.publish` with `dbt build --full-refresh`. Then the nightly run on that year-sized
  warehouse, as the schedule asks for it: yesterday + `restatement_days` re-synced, an
  incremental `dbt build` over that window; and the BI query over the year's bi.agent_daily.
- `dagster`: the runs an asset backfill of the year launches: one run per
  `BACKFILL_DAYS_PER_RUN` consecutive days of the instance (the policy's chunking), each run
  executed as a launched run is (`execute_job` of the reconstructable job: the definitions'
  in-process executor, the `dialer` pool's rate share per step), one after the other as the
  per-dialer run limit queues them; then the unpartitioned dbt asset once, as the backfill runs
  it after its parents.

Every figure has its goal and the 1-minute load beside it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import _path  # noqa: F401  (keeps bench/ from shadowing the packages)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._simproc import simulator_process  # noqa: E402
from bench.scale import GOALS, Requests, bi_query, du, finish, load, rss_mb, verdict  # noqa: E402

TZ = "America/New_York"
USER_ENV, PASS_ENV = "DIALSYNC_BENCH_USER", "DIALSYNC_BENCH_PASS"
#: Dagster's event stream at warning level (the figures are the point)
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def write_config(path: Path, data_dir: Path, url: str, start: date) -> Path:
    """The settings as a dialsync.toml, so launched runs (child processes) load the same ones."""
    path.write_text(f"""data_dir = "{data_dir}"
start_date = "{start.isoformat()}"

[instances.main]
platform = "crocodial"
base_url = "{url}"
timezone = "{TZ}"
user_env = "{USER_ENV}"
password_env = "{PASS_ENV}"
timeout_s = 600
""")
    return path


def sizes(s) -> str:
    db = s.duckdb_path.stat().st_size / 1e9 if s.duckdb_path.exists() else 0.0
    return f"lake {du(s.lake_dir) / 1e9:.2f} GB, DuckDB {db:.2f} GB"


def run_cli(s, days: list[date], reqs: Requests, synced: float | None = None) -> tuple[float, list[str]]:
    """``synced``: the lake of ``--keep`` is synced already, in that many minutes (a measured run's)."""
    from dialsync import runner

    failed: list[str] = []
    if synced is None:
        t = time.perf_counter()
        got = runner.sync(s, days[0], days[-1])
        sync_s = time.perf_counter() - t
        failed += [f"{r.endpoint} {r.partition}: {r.message[:160]}" for r in got if r.status == "failed"]
        print(f"sync {len(days)} days: {sync_s / 60:.1f} min, {reqs.new():,} requests, "
              f"{sum(r.status == 'success' for r in got):,} partitions; peak RSS {rss_mb():.0f} MB; {sizes(s)} "
              f"({load()})", flush=True)
    else:
        sync_s = synced * 60
        print(f"sync {len(days)} days: reused the synced lake of {s.data_dir} ({synced:.1f} min when measured); "
              f"{sizes(s)}", flush=True)
    t = time.perf_counter()
    runner.publish(s, dbt_command=("build", "--full-refresh"))
    dbt_s = time.perf_counter() - t
    print(f"dbt build --full-refresh over the year: {dbt_s / 60:.1f} min; {sizes(s)} ({load()})", flush=True)
    return sync_s + dbt_s, failed


def run_nightly(s, yesterday: date, reqs: Requests) -> tuple[float, list[str]]:
    from dialsync import runner

    start = yesterday - timedelta(days=s.restatement_days)
    t = time.perf_counter()
    got = runner.sync(s, start, yesterday)
    sync_s = time.perf_counter() - t
    n = reqs.new()
    t = time.perf_counter()
    runner.publish(s, dbt_vars={"start_date": start.isoformat(), "end_date": yesterday.isoformat()})
    dbt_s = time.perf_counter() - t
    print(f"nightly on the year: sync {start} … {yesterday} {sync_s:.1f} s ({n} requests), "
          f"incremental dbt build {dbt_s:.1f} s ({load()})", flush=True)
    return sync_s + dbt_s, [f"{r.endpoint} {r.partition}: {r.message[:160]}" for r in got if r.status == "failed"]


def run_dagster(s, days: list[date], reqs: Requests, config: Path) -> tuple[float, list[str]]:
    from dagster import DagsterInstance, build_reconstructable_job, execute_job

    from extract.registry import ENDPOINTS
    from orchestration.checks import raw_key
    from orchestration.factory import build_defs
    from orchestration.partitions import INSTANCE_TAG, range_tags
    from orchestration.raw_assets import BACKFILL_DAYS_PER_RUN
    from orchestration.schedules import supported

    os.environ["DIALSYNC_CONFIG"] = str(config)
    failed: list[str] = []
    home = s.data_dir.parent / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    defs = build_defs(s)  # parses the dbt manifest once into the data dir's cache, as a code location load does
    daily = [raw_key(e) for e in supported(s, "main", [e for e in ENDPOINTS if e.kind == "daily"])]
    snaps = [raw_key(e) for e in supported(s, "main", [e for e in ENDPOINTS if e.kind == "snapshot"])]
    job = build_reconstructable_job("orchestration.definitions", "job", reconstructable_args=("nightly",))
    chunks = [days[i:i + BACKFILL_DAYS_PER_RUN] for i in range(0, len(days), BACKFILL_DAYS_PER_RUN)]
    with DagsterInstance.local_temp(str(home)) as instance:
        for chunk in chunks:
            t = time.perf_counter()
            with execute_job(job, instance, tags=range_tags(chunk[0], chunk[-1], "main"),
                             asset_selection=daily, raise_on_error=False, run_config=QUIET) as res:
                ok = res.success
            if not ok:
                failed.append(f"backfill run {chunk[0]} … {chunk[-1]}")
            print(f"  run {chunk[0]} … {chunk[-1]}: {'ok' if ok else 'FAILED'} {time.perf_counter() - t:.1f} s, "
                  f"{reqs.new():,} requests ({load()})", flush=True)
        sync_s = time.perf_counter() - t0
        snap_job = build_defs(s).resolve_job_def("snapshots")
        t = time.perf_counter()
        res = snap_job.execute_in_process(instance=instance, asset_selection=snaps, partition_key="main",
                                          tags={INSTANCE_TAG: "main"}, raise_on_error=False, run_config=QUIET)
        if not res.success:
            failed.append("snapshots run")
        print(f"  snapshots run: {time.perf_counter() - t:.1f} s", flush=True)
        dbt_job = defs.resolve_job_def("dbt_build")
        keys = sorted(dbt_job.asset_layer.executable_asset_keys, key=lambda k: k.to_user_string())
        t = time.perf_counter()
        res = dbt_job.execute_in_process(instance=instance, asset_selection=keys, raise_on_error=False,
                                         run_config=QUIET)
        dbt_s = time.perf_counter() - t
        if not res.success:
            failed.append("dbt_build run")
    print(f"dagster backfill of {len(days)} days: {len(chunks)} runs, raw {sync_s / 60:.1f} min, "
          f"dbt run {dbt_s / 60:.1f} min; {sizes(s)} ({load()})", flush=True)
    return time.perf_counter() - t0, failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=500)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--mode", choices=("cli", "dagster"), default="cli")
    ap.add_argument("--keep", type=Path, help="work directory to use and keep")
    ap.add_argument("--synced", type=float, metavar="MIN",
                    help="cli: --keep holds a lake this bench synced, in MIN minutes; time the rest only")
    a = ap.parse_args()
    from dialsync.settings import load_settings, set_config_path

    work = a.keep or Path(tempfile.mkdtemp(prefix="dialsync-bench-year-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ[USER_ENV], os.environ[PASS_ENV] = "6666", "1234"
    os.environ.setdefault("DBT_QUIET", "true")
    today = datetime.now(ZoneInfo(TZ)).date()
    days = [today - timedelta(days=i) for i in range(a.days, 0, -1)]
    print(f"year bench ({a.mode}): {a.agents} agents, {days[0]} … {days[-1]} ({len(days)} days), "
          f"{os.cpu_count()} CPUs, start {load()}", flush=True)
    try:
        with simulator_process(seed=a.seed, agents=a.agents, timezone=TZ) as url:
            config = write_config(work / "dialsync.toml", work / "data", url, days[0])
            set_config_path(config)
            s = load_settings()
            reqs = Requests(url)
            if a.mode == "cli":
                total, failed = run_cli(s, days, reqs, a.synced)
                goal_name = "year backfill (CLI)"
            else:
                total, failed = run_dagster(s, days, reqs, config)
                goal_name = "year backfill (Dagster)"
            print(f"{goal_name:26s} {total / 60:6.1f} min  goal < {GOALS['year'] // 60} min: "
                  f"{verdict(total, GOALS['year'])} ({load()})", flush=True)
            nightly, nfailed = run_nightly(s, days[-1], reqs)
            failed += nfailed
            print(f"{'nightly on the year':26s} {nightly:6.1f} s    goal < {GOALS['nightly']} s: "
                  f"{verdict(nightly, GOALS['nightly'])}", flush=True)
            n, best, med = bi_query(s.duckdb_path, work)
            print(f"{'BI query':26s} {best:6.1f} ms   goal < {GOALS['bi_ms']} ms: {verdict(best, GOALS['bi_ms'])} "
                  f"(median {med:.1f} ms over {n:,} agent-days of the synced year)", flush=True)
        return finish(failed)
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
