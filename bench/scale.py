"""Benchmark: a call center at scale (default 500 agents, ≈150k calls a day) through the whole pipeline.

    .venv/bin/python bench/scale.py [--agents 500] [--days 3] [--extra phone_number_log ...] [--quick]

The simulator serves the center from a child process (its CPU and memory are not the
pipeline's); the pipeline runs here, as the CLI does: every daily endpoint of a croco-dial
instance is synced (`PartitionSync.sync`, default settings: 20 requests/s, result limit
100,000 — a day above it is split by tenant[]/profile[]; the opt-in fan-outs no croco-dial
mart reads only with `--extra`): the first day endpoint by endpoint, the other days as a
multi-day CLI sync does (`sync_range`, `parallel_days` at once), then today's snapshots, then
`runner.publish` (raw views, `dbt build`, atomic publish). Printed for the first day and for
all `--days`: wall time and HTTP requests per endpoint, dbt build time (full
refresh, and incremental over the synced window), peak RSS, lake and DuckDB sizes; then a
year backfill and a nightly run (yesterday + `restatement_days`) extrapolated from them (from the
parallel days' wall time when `--days` > 1), and a
BI query over a year of bi.agent_daily synthesized in a scratch copy (the built days
replicated with shifted dates). Every figure has its goal and the 1-minute load beside it.
`--demo` also times `dialsync demo` (the `./dev demo` pipeline) in a child process.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import _path  # noqa: F401  (keeps bench/ from shadowing the packages)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench._simproc import simulator_process  # noqa: E402
from bench.transform import SLOW_UNUSED  # noqa: E402

TZ = "America/New_York"
USER_ENV, PASS_ENV = "DIALSYNC_BENCH_USER", "DIALSYNC_BENCH_PASS"
GOALS = {"year": 30 * 60, "nightly": 120, "bi_ms": 100, "demo": 60}
BI_QUERY = """
    select date_trunc('month', activity_date) as month, agent_user,
           sum(calls_handled) as calls, sum(sales) as sales,
           sum(talk_seconds) / nullif(sum(login_seconds), 0) as talk_share
    from agent_daily_year
    where activity_date >= (select max(activity_date) from agent_daily_year) - interval 90 day
    group by all order by month, calls desc"""


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def verdict(value: float, goal: float) -> str:
    return "met" if value < goal else "NOT met"


class Requests:
    """HTTP requests the simulator saw since the last call (its request log, by sequence)."""

    def __init__(self, url: str) -> None:
        self.url, self.seen = url, 0

    def new(self) -> int:
        rows = httpx.get(f"{self.url}/_sim/requests", params={"since": self.seen}, timeout=60).json()
        if rows:
            self.seen = rows[-1]["seq"]
        return len(rows)


def sync_days(ps, eps, days: list[date], reqs: Requests, wall: dict, count: dict) -> list[str]:
    """Sync ``eps`` for each day in order; per endpoint: seconds and requests, summed over days."""
    failed = []
    for day in days:
        for ep in eps:
            t = time.perf_counter()
            try:
                ps.sync(ep, day)
            except Exception as exc:  # reported, the run goes on (as sync_range does)
                failed.append(f"{ep.name} {day}: {type(exc).__name__}: {str(exc)[:160]}")
            wall[ep.name] += time.perf_counter() - t
            count[ep.name] += reqs.new()
    return failed


def publish(settings, failed: list[str], **kw) -> float | None:
    """Seconds of `runner.publish` (raw views + dbt + publish), None (and reported) if dbt failed:
    the sync figures above are kept either way."""
    from dialsync import runner

    t = time.perf_counter()
    try:
        runner.publish(settings, **kw)
    except RuntimeError as exc:
        failed.append(f"publish {kw}: {str(exc).splitlines()[0][:300]}")
        print(f"dbt FAILED ({load()}): {str(exc).splitlines()[0][:300]}", flush=True)
        return None
    return time.perf_counter() - t


def finish(failed: list[str]) -> int:
    """Print what failed and the closing load; the bench's exit code."""
    for f in failed:
        print(f"FAILED {f}")
    print(f"end {load()}")
    return 1 if failed else 0


def secs(x: float | None) -> str:
    return "failed" if x is None else f"{x:.1f} s"


def bi_query(db: Path, work: Path) -> tuple[int, float, float]:
    """(rows of the synthetic year, best and median ms of BI_QUERY) in a scratch copy of ``db``."""
    import duckdb

    scratch = work / "bi_scratch.duckdb"
    shutil.copyfile(db, scratch)
    con = duckdb.connect(str(scratch))
    try:
        days = con.execute("select count(distinct activity_date) from bi.agent_daily").fetchone()[0] or 1
        shifts = -(-365 // days)  # ceil: copies of the built days, each `days` later
        con.execute(f"""create table agent_daily_year as
                        select * replace (activity_date + cast(k * {days} as integer) as activity_date)
                        from bi.agent_daily, range({shifts}) as r(k)""")
        n = con.execute("select count(*) from agent_daily_year").fetchone()[0]
        times = []
        for _ in range(7):
            t = time.perf_counter()
            con.execute(BI_QUERY).fetchall()
            times.append((time.perf_counter() - t) * 1000)
        return n, min(times), statistics.median(times)
    finally:
        con.close()
        scratch.unlink(missing_ok=True)


def demo_seconds(work: Path) -> tuple[float, float, str]:
    """`dialsync demo` in a child process: wall seconds, its CPU seconds (user + sys, with dbt's
    subprocesses: the figure a shared machine's load moves least) and the per-run split it prints."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "dialsync.cli", "demo", "--data-dir", str(work / "demo")],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        print(f"dialsync demo FAILED: {(out.stderr or out.stdout)[-300:]}")
        return float("nan"), float("nan"), ""
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    runs = re.findall(r"^\s*(nightly|snapshots|dbt_build)\b.*?\bok\s+([\d.]+) s", out.stdout, flags=re.M)
    return wall, cpu, ", ".join(f"{job} {sec} s" for job, sec in runs)


def warm_history(url: str) -> None:
    """One phone_number_log request (it scans the simulator's whole call history): the simulator
    builds that month of day logs now, not inside the first timed partition."""
    httpx.get(f"{url}/vicidial/non_agent_api.php", timeout=1800, params={
        "function": "phone_number_log", "user": os.environ[USER_ENV], "pass": os.environ[PASS_ENV],
        "source": "bench", "phone_number": "5550000000", "stage": "pipe"})


def report(title: str, days: int, wall: dict, count: dict, extra: list[str]) -> None:
    print(f"\n== {title} ==")
    print(f"{'endpoint':24s} {'s/day':>8s} {'req/day':>8s}")
    for name in sorted(wall, key=lambda n: -wall[n]):
        print(f"{name:24s} {wall[name] / days:8.2f} {count[name] / days:8.0f}")
    print(f"{'all endpoints':24s} {sum(wall.values()) / days:8.2f} {sum(count.values()) / days:8.0f}")
    for line in extra:
        print(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=500)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip", nargs="*", default=[], help="daily endpoints not to sync (a lever to measure)")
    ap.add_argument("--extra", nargs="*", default=[], help="opt-in endpoints to sync too (extra_endpoints)")
    ap.add_argument("--demo", action="store_true", help="also time `dialsync demo` (the ./dev demo pipeline)")
    ap.add_argument("--quick", action="store_true", help="CI smoke: 10 agents, 1 day")
    ap.add_argument("--keep", type=Path, help="work directory to use and keep")
    a = ap.parse_args()
    if a.quick:
        a.agents, a.days = 10, 1

    from dialsync.settings import InstanceSettings, Settings
    from extract.registry import ENDPOINTS, ordered

    end = date(2025, 5, 30)
    days = [end - timedelta(days=i) for i in range(a.days - 1, -1, -1)]
    local_now = datetime.combine(end + timedelta(days=1), datetime.min.time()).replace(hour=6, tzinfo=ZoneInfo(TZ))
    work = a.keep or Path(tempfile.mkdtemp(prefix="dialsync-bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ[USER_ENV], os.environ[PASS_ENV] = "6666", "1234"
    os.environ.setdefault("DBT_QUIET", "true")  # dbt's per-node lines would bury the figures
    print(f"scale bench: {a.agents} agents, {a.days} day(s) ending {end}, {os.cpu_count()} CPUs, start {load()}",
          flush=True)
    try:
        with simulator_process(seed=a.seed, agents=a.agents, timezone=TZ, now=local_now.isoformat()) as url:
            from dialsync import runner

            inst = InstanceSettings(platform="crocodial", base_url=url, timezone=TZ, user_env=USER_ENV,
                                    password_env=PASS_ENV, timeout_s=600, extra_endpoints=a.extra)
            s = Settings(data_dir=work / "data", instances={"main": inst}, start_date=days[0])
            ps = runner.partition_sync(s, "main", now=lambda: local_now.astimezone(UTC))
            daily = ordered([e for e in ENDPOINTS if e.kind == "daily" and e.name not in a.skip and inst.runs(e)])
            snaps = ordered([e for e in ENDPOINTS if e.kind == "snapshot" and inst.runs(e)])
            if any(e.fanout == "phone_numbers" for e in daily):
                warm_history(url)  # the simulator builds its month of history before the clock runs
            reqs = Requests(url)
            reqs.new()
            wall: dict[str, float] = defaultdict(float)
            count: dict[str, int] = defaultdict(int)
            failed = sync_days(ps, daily, days[:1], reqs, wall, count)
            swall: dict[str, float] = defaultdict(float)
            scount: dict[str, int] = defaultdict(int)
            failed += sync_days(ps, snaps, [local_now.date()], reqs, swall, scount)
            snap_s = sum(swall.values())
            day1 = dict(wall)
            report(f"1 day: sync ({load()})", 1, day1, count, [
                f"snapshots (today)        {snap_s:8.2f} {sum(scount.values()):8d}",
                f"peak RSS of the sync     {rss_mb():.0f} MB"])
            dbt1 = publish(s, failed, dbt_command=("build", "--full-refresh"))
            print(f"dbt build --full-refresh {secs(dbt1)} ({load()}); "
                  f"peak RSS with dbt (in-process) {rss_mb():.0f} MB; "
                  f"lake {du(s.lake_dir) / 1e6:.1f} MB, DuckDB "
                  f"{s.duckdb_path.stat().st_size / 1e6 if s.duckdb_path.exists() else 0:.1f} MB", flush=True)
            per_day = sum(day1.values())
            dbt_n = inc = None
            if a.days > 1:
                from dialsync.service.sync import sync_range

                t = time.perf_counter()
                got = sync_range(ps, daily, days[1:], parallel_days=inst.parallel_days)
                rest = time.perf_counter() - t
                failed += [f"{r.endpoint} {r.partition}: {r.message[:160]}" for r in got if r.status == "failed"]
                n_req = reqs.new()
                per_day = rest / (a.days - 1)
                print(f"\n== days 2-{a.days}: sync_range, {inst.parallel_days} days at once ({load()}) ==\n"
                      f"{per_day:.2f} s/day wall ({rest:.1f} s), {n_req / (a.days - 1):.0f} requests/day, "
                      f"vs {sum(day1.values()):.2f} s for day 1 endpoint by endpoint; "
                      f"peak RSS of the run so far {rss_mb():.0f} MB", flush=True)
                dbt_n = publish(s, failed, dbt_command=("build", "--full-refresh"))
                window = {"start_date": days[0].isoformat(), "end_date": days[-1].isoformat()}
                inc = publish(s, failed, dbt_vars=window)
                print(f"dbt build --full-refresh ({a.days} days) {secs(dbt_n)}; {a.days}-day window (incremental) "
                      f"{secs(inc)} ({load()}); peak RSS {rss_mb():.0f} MB; lake {du(s.lake_dir) / 1e6:.1f} MB, "
                      f"DuckDB {s.duckdb_path.stat().st_size / 1e6 if s.duckdb_path.exists() else 0:.1f} MB",
                      flush=True)
            # --- extrapolation -------------------------------------------------------------
            base = dbt1 if dbt1 is not None else (dbt_n or 0.0)
            slope = (dbt_n - dbt1) / (a.days - 1) if dbt_n is not None and dbt1 is not None else 0.0
            dbt_year = base + max(slope, 0.0) * 364
            year = 365 * per_day + snap_s + dbt_year
            slow = sum(day1.get(n, 0.0) for n in SLOW_UNUSED) * per_day / max(sum(day1.values()), 1e-9)
            year_lean = 365 * (per_day - slow) + snap_s + dbt_year
            nightly_days = 1 + s.restatement_days
            nightly = nightly_days * per_day + snap_s + (inc or base)
            nightly_lean = nightly_days * (per_day - slow) + snap_s + (inc or base)
            print(f"\n== extrapolated ({load()}) ==")
            print(f"sync per day {per_day:.1f} s ({slow:.1f} s of it opt-in {', '.join(a.extra) or 'none'}, which no "
                  f"croco-dial mart reads); dbt full refresh for a year {dbt_year:.0f} s "
                  f"({base:.1f} s + {max(slope, 0):.1f} s/day)")
            print(f"year backfill   {year / 60:7.1f} min  goal < {GOALS['year'] // 60} min: "
                  f"{verdict(year, GOALS['year'])}; without those fan-outs {year_lean / 60:.1f} min: "
                  f"{verdict(year_lean, GOALS['year'])}")
            print(f"nightly run     {nightly:7.1f} s    goal < {GOALS['nightly']} s: "
                  f"{verdict(nightly, GOALS['nightly'])} ({nightly_days} days synced + snapshots + incremental dbt); "
                  "without those fan-outs "
                  f"{nightly_lean:.1f} s: {verdict(nightly_lean, GOALS['nightly'])}")
            n, best, med = bi_query(s.duckdb_path, work) if s.duckdb_path.exists() else (0, float("nan"), 0.0)
            print(f"BI query        {best:7.1f} ms   goal < {GOALS['bi_ms']} ms: {verdict(best, GOALS['bi_ms'])} "
                  f"(median {med:.1f} ms; 90-day monthly per-agent rollup over {n:,} agent-days: a synthetic year, "
                  f"the built day(s) of bi.agent_daily replicated with shifted dates in a scratch copy; "
                  f"{load()})")
        if a.demo:
            before_load = load()
            d, cpu, runs = demo_seconds(work)
            print(f"./dev demo      {d:7.1f} s    goal < {GOALS['demo']} s: {verdict(d, GOALS['demo'])} "
                  f"(dialsync demo, 60 agents, 7 days, child process; {cpu:.0f} s CPU; runs: {runs}; "
                  f"{before_load} before, {load()} after)")
        else:
            print(f"./dev demo      not measured (--demo)  goal < {GOALS['demo']} s")
        return finish(failed)
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
