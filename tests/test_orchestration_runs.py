"""Real Dagster runs against the simulator over HTTP, with real dbt: no mocks of our code.

- the demo graph (daily raw days + today's snapshots + dbt), then the same days again through
  the nightly job while a BI-style read-only DuckDB connection holds the published file: the
  run succeeds, the reader keeps working, and the raw views hold no duplicate rows;
- a backfill run over several days where one day fails: only that partition is failed in
  Dagster (the others stay materialized), and retrying the failed partitions pulls only that
  day again (the simulator's request log says so);
- the schedules, evaluated for fixed times, ask for the right partitions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
from dagster import (
    AssetKey,
    AssetPartitionStatus,
    DagsterInstance,
    Definitions,
    build_schedule_context,
)

from dialsync.service.sync import local_today
from dialsync.settings import InstanceSettings, Settings
from extract.registry import ENDPOINTS
from orchestration.demo import materialize_demo
from orchestration.factory import build_defs
from orchestration.partitions import (
    INSTANCE_DIMENSION_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    START_TAG,
    daily_key,
    range_tags,
)
from orchestration.schedules import daily_endpoints
from warehouse.ledger import SyncLedger

TZ = "America/New_York"
USER_ENV, PASS_ENV = "DIALSYNC_TEST_SIM_USER", "DIALSYNC_TEST_SIM_PASS"
pytestmark = pytest.mark.xdist_group("orchestration_runs")


@pytest.fixture(scope="module")
def sim() -> Iterator[object]:
    from simulator.server import SimConfig, SimulatorServer

    with SimulatorServer(SimConfig(seed=11, agents=20, timezone=TZ)) as server:
        yield server


@pytest.fixture(scope="module")
def manifest_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbt_manifest")


@pytest.fixture(autouse=True)
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, "6666")
    monkeypatch.setenv(PASS_ENV, "1234")


def make_settings(data_dir: Path, url: str, **inst: object) -> Settings:
    return Settings(data_dir=data_dir, start_date=date(2025, 1, 1), instances={
        "main": InstanceSettings(platform="crocodial", base_url=url, timezone=TZ, user_env=USER_ENV,
                                 password_env=PASS_ENV, **inst)})


#: Tables with one row per wide response row (long tables share `_source_row` across rows).
CALL_GRAIN = ("outbound_cdr", "outbound_cdr_summary", "agent_cdr", "agent_report", "inbound_cdr")
COUNTED = (*CALL_GRAIN, "call_dispo_report", "pause_report", "agent_stats_export", "phone_number_log")


def partition_counts(con: duckdb.DuckDBPyConnection, days: list[str]) -> dict[str, dict[str, int]]:
    out = {}
    for t in COUNTED:
        rows = con.execute(f"SELECT CAST(_partition_date AS VARCHAR), count(*) FROM raw.{t} "
                           f"WHERE CAST(_partition_date AS VARCHAR) IN ({', '.join('?' * len(days))}) GROUP BY 1",
                           days).fetchall()
        out[t] = dict(rows)
    return out


def duplicate_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(
        f"SELECT count(*) - count(DISTINCT (_instance, _endpoint, _partition_date, _source_row)) FROM raw.{table}"
    ).fetchone()[0]


def test_demo_then_rematerialize_with_a_reader_holding_the_file(sim, manifest_root: Path, tmp_path: Path) -> None:
    s = make_settings(tmp_path / "data", sim.url)
    defs = build_defs(s, manifest_root=manifest_root)
    today = local_today(s.instance("main"))
    demo = materialize_demo(s, days=2, today=today, defs=defs)
    assert demo.success, [(r.job, r.failed_steps) for r in demo.failures]
    published = demo.published
    window = [(today - timedelta(days=n)).isoformat() for n in (2, 1)]
    with duckdb.connect(str(published), read_only=True) as con:
        before = partition_counts(con, window)
        users = con.execute("SELECT count(*) FROM raw.users").fetchone()[0]
    assert before["outbound_cdr"] and before["call_dispo_report"] and users > 0

    reader = duckdb.connect(str(published), read_only=True)  # a BI tool, open across the run
    try:
        seen = reader.execute("SELECT count(*) FROM raw.outbound_cdr").fetchone()[0]
        job = defs.resolve_job_def("nightly")
        res = job.execute_in_process(instance=DagsterInstance.ephemeral(),
                                     tags=range_tags(today - timedelta(days=2), today - timedelta(days=1), "main"),
                                     raise_on_error=False)
        assert res.success, [e.message for e in res.all_events if e.event_type_value == "STEP_FAILURE"]
        # the reader still answers from the file it opened
        assert reader.execute("SELECT count(*) FROM raw.outbound_cdr").fetchone()[0] == seen
    finally:
        reader.close()

    with duckdb.connect(str(published), read_only=True) as con:
        # finished days re-pulled: replaced, not appended
        assert partition_counts(con, window) == before
        for table in CALL_GRAIN:
            assert duplicate_rows(con, table) == 0, table
        assert con.execute("SELECT count(*) FROM raw.users").fetchone()[0] == users
        marts = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'").fetchone()[0]
        assert marts > 0


def test_backfill_retry_pulls_only_the_failed_day(sim, manifest_root: Path, tmp_path: Path) -> None:
    # one day at a time, so the injected fault lands on exactly the middle day
    s = make_settings(tmp_path / "data", sim.url, max_attempts=2, parallel_days=1)
    defs = build_defs(s, manifest_root=manifest_root, with_dbt=False)
    today = local_today(s.instance("main"))
    days = [today - timedelta(days=n) for n in (5, 4, 3)]
    key = AssetKey(["raw", "outbound_cdr"])
    job = defs.resolve_job_def("nightly")
    instance = DagsterInstance.ephemeral()
    http = httpx.Client(base_url=sim.url)
    pdef = defs.resolve_asset_graph().get(key).partitions_def
    keys = [daily_key(d, "main") for d in days]
    assert defs.resolve_asset_graph().get(key).backfill_policy.max_partitions_per_run >= len(days)
    # the second outbound_cdr request and its one retry fail: exactly the middle day fails
    assert http.post("/_sim/faults", data={"spec": "outbound_cdr:500#2:after=1"}).status_code == 200
    try:  # what a backfill of these days launches: one run over the range (BackfillPolicy.multi_run)
        res = job.execute_in_process(instance=instance, asset_selection=[key], raise_on_error=False, tags={
            RANGE_START_TAG: str(keys[0]), RANGE_END_TAG: str(keys[-1])})
    finally:
        http.post("/_sim/faults", data={"spec": ""})
    assert not res.success
    # the days the failed run loaded are materialized; only the failed day is failed
    status = instance.get_status_by_partition(key, keys, pdef)
    failed = [k for k in keys if status[k] == AssetPartitionStatus.FAILED]
    assert failed == [keys[1]], status
    assert [status[k] for k in (keys[0], keys[2])] == [AssetPartitionStatus.MATERIALIZED] * 2
    # a single-day run carries the instance under the key dagster.yaml's one-run-per-dialer limit
    # reads (Dagster derives a run's tags from its partition key, the same for every origin)
    assert all(pdef.get_tags_for_partition_key(k)[INSTANCE_DIMENSION_TAG] == "main" for k in keys)

    seq = max((r["seq"] for r in http.get("/_sim/requests").json()), default=0)
    for k in failed:  # "re-execute failed partitions"
        res = job.execute_in_process(instance=instance, partition_key=k, asset_selection=[key])
        assert res.success
    pulled = http.get("/_sim/requests", params={"since": seq, "action": "outbound_cdr"}).json()
    assert pulled and {r["params"].get("fromDate") for r in pulled} == {days[1].isoformat()}
    status = instance.get_status_by_partition(key, keys, pdef)
    assert all(v == AssetPartitionStatus.MATERIALIZED for v in status.values()), status
    ledger = SyncLedger(s.state_dir / "sync_ledger.sqlite")
    assert [ledger.get("main", "outbound_cdr", d.isoformat()).status for d in days] == ["success"] * 3


# --- schedules: pure functions of (settings, evaluation time) -----------------------------------
@pytest.fixture(scope="module")
def sched_defs(manifest_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Definitions:
    def inst(platform: str, tz: str) -> InstanceSettings:
        return InstanceSettings(platform=platform, base_url="http://127.0.0.1:9", timezone=tz,
                                user_env=USER_ENV, password_env=PASS_ENV)

    s = Settings(data_dir=tmp_path_factory.mktemp("sched"), start_date=date(2025, 1, 1), restatement_days=3,
                 intraday_refresh_minutes=30,
                 instances={"ny": inst("crocodial", "America/New_York"), "madrid": inst("vicidial", "Europe/Madrid")})
    return build_defs(s, manifest_root=manifest_root)


def evaluate(defs: Definitions, name: str, when: datetime) -> list:
    sd = defs.resolve_schedule_def(name)
    with build_schedule_context(scheduled_execution_time=when, repository_def=defs.get_repository_def()) as ctx:
        return list(sd.evaluate_tick(ctx).run_requests or [])


def test_nightly_requests_yesterday_plus_restatement_per_local_midnight(sched_defs: Definitions) -> None:
    # 04:30 UTC = 00:30 in New York (EDT): New York only; Madrid's 00:30 was at 22:30 UTC
    reqs = evaluate(sched_defs, "nightly_schedule", datetime(2025, 6, 10, 4, 30, tzinfo=UTC))
    assert len(reqs) == 1
    r = reqs[0]
    assert r.tags["dagster/asset_partition_range_start"] == "2025-06-06|ny"
    assert r.tags["dagster/asset_partition_range_end"] == "2025-06-09|ny"
    assert r.tags["dialsync/instance"] == "ny" and r.tags[START_TAG] == "2025-06-06"
    assert INSTANCE_DIMENSION_TAG not in r.tags  # Dagster would read it as a one-dimension partition key
    raw = {k.path[1] for k in r.asset_selection if k.path[0] == "raw"}
    # every daily endpoint New York runs restates; opt-in ones (no croco-dial mart reads them) are left out
    assert raw == {e.name for e in daily_endpoints(True) if "crocodial" not in e.opt_in}
    assert not raw & {"phone_number_log", "did_log_export", "lead_status_search", "recording_lookup"}
    assert any(k.path[0] != "raw" for k in r.asset_selection)  # dbt after the raw assets
    madrid = evaluate(sched_defs, "nightly_schedule", datetime(2025, 6, 9, 22, 30, tzinfo=UTC))
    assert [q.tags["dialsync/instance"] for q in madrid] == ["madrid"]
    assert {k.path[1] for k in madrid[0].asset_selection if k.path[0] == "raw"} == {
        "agent_stats_export", "call_status_stats", "call_dispo_report", "lead_status_search", "phone_number_log",
        "did_log_export"}  # recording_lookup is opt-in everywhere
    assert evaluate(sched_defs, "nightly_schedule", datetime(2025, 6, 10, 5, 30, tzinfo=UTC)) == []


def test_nightly_fires_once_per_instance_per_day_across_dst(sched_defs: Definitions) -> None:
    start = datetime(2025, 10, 24, 0, 30, tzinfo=UTC)  # spans Europe's (26 Oct) and the US (2 Nov) fall-back
    seen: dict[tuple[str, str], int] = {}
    for h in range(24 * 12):
        for r in evaluate(sched_defs, "nightly_schedule", start + timedelta(hours=h)):
            k = (r.tags["dialsync/instance"], r.tags["dialsync/end_date"])
            seen[k] = seen.get(k, 0) + 1
    assert set(seen.values()) == {1}
    for name in ("ny", "madrid"):
        ends = sorted(d for i, d in seen if i == name)
        assert len(ends) >= 11 and all(
            date.fromisoformat(b) - date.fromisoformat(a) == timedelta(days=1) for a, b in itertools.pairwise(ends))


def test_intraday_snapshot_and_dimension_schedules(sched_defs: Definitions) -> None:
    reqs = evaluate(sched_defs, "intraday_schedule", datetime(2025, 6, 10, 15, 0, tzinfo=UTC))
    assert sorted(r.partition_key for r in reqs) == ["2025-06-10|madrid", "2025-06-10|ny"]
    assert sched_defs.resolve_schedule_def("intraday_schedule").cron_schedule == "*/30 * * * *"
    # 23:50 EDT = 03:50 UTC next day: agent_summary_stats for New York's current day
    reqs = evaluate(sched_defs, "agent_summary_stats_schedule", datetime(2025, 6, 11, 3, 50, tzinfo=UTC))
    assert [(r.partition_key, r.tags["dialsync/start_date"]) for r in reqs] == [("ny", "2025-06-10")]
    assert {k.path[1] for k in reqs[0].asset_selection if k.path[0] == "raw"} == {"agent_summary_stats"}
    assert evaluate(sched_defs, "agent_summary_stats_schedule", datetime(2025, 6, 11, 4, 0, tzinfo=UTC)) == []
    # the plain VICIdial instance has no goAPI agent_summary_stats: never asked for
    reqs = evaluate(sched_defs, "dimensions_schedule", datetime(2025, 6, 10, 3, 0, tzinfo=UTC))  # 05:00 Madrid
    assert [r.partition_key for r in reqs] == ["madrid"]
    assert {k.path[1] for k in reqs[0].asset_selection if k.path[0] == "raw"} == {"list_info"}
    # morning snapshots New York runs (opt-in and day-end ones are not taken at 05:00)
    snaps = {e.name for e in ENDPOINTS if e.kind == "snapshot" and not e.day_end and "crocodial" not in e.opt_in
             and "crocodial" in e.platforms}
    reqs = evaluate(sched_defs, "dimensions_schedule", datetime(2025, 6, 10, 9, 0, tzinfo=UTC))  # 05:00 New York
    assert {k.path[1] for k in reqs[0].asset_selection if k.path[0] == "raw"} == snaps
