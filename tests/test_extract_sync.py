"""Extract end to end over real HTTP: simulator → client → parsers → typed Parquet → ledger → DuckDB."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import httpx
import pyarrow as pa
import pytest

from dialsync import runner
from dialsync.service.sync import PartitionSync
from dialsync.settings import InstanceSettings, Settings
from extract.client import DialerClient
from extract.errors import AuthError, DialerError, LimitReachedError
from extract.registry import ENDPOINTS, TABLE_SPECS, endpoint
from extract.typing import raw_schemas
from simulator.server import SimConfig, SimulatorServer
from warehouse import catalog
from warehouse.lake import Lake
from warehouse.ledger import SyncLedger

TZ = "America/New_York"
NOW = datetime(2025, 5, 8, 15, 30, tzinfo=ZoneInfo(TZ))
TODAY = NOW.date()
D1, D2 = date(2025, 5, 6), date(2025, 5, 7)
PASSWORD = "Zq8secretPW41"  # recognizable: must never show up anywhere
USER_ENV, PASS_ENV = "TEST_DIALER_USER", "TEST_DIALER_PASS"

pytestmark = pytest.mark.xdist_group("extract")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimConfig(seed=11, agents=20, timezone=TZ, now=NOW, api_pass=PASSWORD)) as s:
        yield s


@pytest.fixture(autouse=True)
def _creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, "6666")
    monkeypatch.setenv(PASS_ENV, PASSWORD)


@pytest.fixture(autouse=True)
def _no_faults(sim: SimulatorServer) -> Iterator[None]:
    yield
    sim.ctx.faults.set_spec("")


def settings_for(tmp: Path, sim: SimulatorServer, platform: str = "crocodial", **kw: object) -> Settings:
    inst = InstanceSettings(platform=platform, base_url=sim.url, timezone=TZ, user_env=USER_ENV,  # type: ignore[arg-type]
                            password_env=PASS_ENV, **kw)  # type: ignore[arg-type]
    return Settings(data_dir=tmp, instances={"main": inst})


def fast_sync(s: Settings, **client_kw: float) -> PartitionSync:
    inst = s.instance("main")
    client = DialerClient.from_settings("main", inst, backoff_min_s=0.01, backoff_max_s=0.05, **client_kw)
    return PartitionSync("main", inst, client, Lake(s.lake_dir), SyncLedger(s.state_dir / "sync_ledger.sqlite"),
                         now=lambda: NOW)


def content(t: pa.Table) -> pa.Table:
    return t.drop_columns(["_extracted_at"])


def sim_requests(sim: SimulatorServer, action: str) -> int:
    rows = httpx.get(f"{sim.url}/_sim/requests", params={"action": action}).json()
    return len(rows)


def test_crocodial_every_endpoint_lands_typed_with_lineage(tmp_path: Path, sim: SimulatorServer) -> None:
    s = settings_for(tmp_path, sim, extra_endpoints=[e.name for e in ENDPOINTS if "crocodial" in e.opt_in])
    results = runner.sync(s, D2, TODAY, now=lambda: NOW)
    failed = [f"{r.endpoint} {r.partition}: {r.message}" for r in results if r.status == "failed"]
    assert not failed, failed
    lake = Lake(s.lake_dir)
    for ep in ENDPOINTS:
        day = TODAY if ep.kind == "snapshot" else D2
        for table in ep.tables:
            t = lake.read(table, "main", day)
            assert t is not None, f"{table} has no partition for {day}"
            assert t.column_names[-5:] == ["_instance", "_endpoint", "_partition_date", "_extracted_at",
                                           "_source_row"]
            if t.num_rows:
                assert set(t.column("_instance").to_pylist()) == {"main"}
                assert set(t.column("_partition_date").to_pylist()) == {day}
            known = TABLE_SPECS[table].columns
            assert set(known) <= set(t.column_names), f"{table} lacks {set(known) - set(t.column_names)}"
    cdr = lake.read("outbound_cdr", "main", D2)
    assert cdr is not None and cdr.num_rows > 100
    hopper = lake.read("hopper", "main", TODAY)  # fan-out over the campaigns snapshot
    assert hopper is not None and hopper.num_rows > 0 and hopper.column("campaign_id").null_count == 0
    lists = lake.read("list_info", "main", TODAY)  # fan-out over list ids seen in CDRs
    assert lists is not None and lists.num_rows > 0
    assert cdr.schema.field("call_date").type == pa.timestamp("us")
    assert str(cdr.schema.field("call_date_utc").type) == "timestamp[us, tz=UTC]"
    led = {(r.endpoint, r.partition_date): r for r in runner.ledger(s).rows()}
    assert led[("outbound_cdr", D2.isoformat())].status == "success"
    assert led[("outbound_cdr", D2.isoformat())].rows == cdr.num_rows + lake.read(
        "outbound_cdr_summary", "main", D2).num_rows  # type: ignore[union-attr]
    # the published DuckDB file sees exactly the lake
    runner.publish(s, dbt_command=None)
    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    try:
        n = con.execute("select count(*) from raw.outbound_cdr where _partition_date = ?", [D2]).fetchone()
        assert n == (cdr.num_rows,)
        assert con.execute("select count(*) from ops.sync_ledger where status = 'success'").fetchone()[0] > 10
    finally:
        con.close()


@pytest.mark.parametrize("name", ["outbound_cdr", "agent_report", "pause_report", "agent_calls_report"])
def test_xml_and_json_land_the_same_rows(tmp_path: Path, sim: SimulatorServer, name: str) -> None:
    got = {}
    for fmt in ("json", "xml"):
        s = settings_for(tmp_path / fmt, sim, responsetype=fmt)
        fast_sync(s).sync(endpoint(name), D1)
        got[fmt] = {t: content(Lake(s.lake_dir).read(t, "main", D1)) for t in endpoint(name).tables}  # type: ignore[arg-type]
    for t in endpoint(name).tables:
        assert got["json"][t].equals(got["xml"][t]), t


def test_resync_replaces_partition_without_duplicates(tmp_path: Path, sim: SimulatorServer) -> None:
    s = settings_for(tmp_path, sim)
    ps = fast_sync(s)
    first = ps.sync(endpoint("outbound_cdr"), D1)
    a = Lake(s.lake_dir).read("outbound_cdr", "main", D1)
    second = ps.sync(endpoint("outbound_cdr"), D1)
    b = Lake(s.lake_dir).read("outbound_cdr", "main", D1)
    assert first.rows == second.rows
    assert content(a).equals(content(b))  # type: ignore[arg-type]
    lake = Lake(s.lake_dir)
    assert len(lake.paths("outbound_cdr", "main")) == 1
    assert len(list(lake.store_dir("crocodial", "outbound_cdr", "main", D1).glob("g-*"))) == 1  # old copy gone
    assert runner.ledger(s).get("main", "outbound_cdr", D1.isoformat()).attempts == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(("platform", "expected"), [
    ("vicidial", {"agent_stats_export", "call_status_stats", "call_dispo_report", "lead_status_search",
                  "phone_number_log", "did_log_export", "recording_lookup", "list_info"}),
    ("dialer360", {"agent_stats_export", "phone_number_log", "did_log_export", "recording_lookup"}),
])
def test_text_platforms_pull_what_they_offer(tmp_path: Path, sim: SimulatorServer, platform: str,
                                             expected: set[str]) -> None:
    # no CDR reports to learn DIDs and lists from on these platforms: the operator lists them
    dids = [str(d) for d in sim.ctx.world.dids.column("did_pattern").to_pylist()]
    lists = [str(x) for x in sim.ctx.world.lists.column("list_id").to_pylist()[:3]]
    s = settings_for(tmp_path, sim, platform=platform, dids=dids, list_ids=lists, extra_endpoints=["recording_lookup"])
    results = runner.sync(s, D2, TODAY, now=lambda: NOW)
    ok = {r.endpoint for r in results if r.status == "success"}
    failed = [f"{r.endpoint} {r.partition}: {r.message}" for r in results if r.status == "failed"]
    assert not failed, failed
    assert ok == expected
    skipped = {r.endpoint: r.message for r in results if r.status == "skipped"}
    assert "outbound_cdr" in skipped and platform in skipped["outbound_cdr"]
    ase = Lake(s.lake_dir).read("agent_stats_export", "main", D2)
    assert ase is not None and ase.num_rows > 0
    if platform == "dialer360":  # 2.14-96: 16 names, a 17th value (wait), no group_by_campaign
        assert ase.column("wait_time").null_count == 0 and ase.column("campaign_id").null_count == ase.num_rows
        assert all(ase.column(c).null_count == ase.num_rows for c in ("talk_time", "dispo_time", "dead_time"))
    else:  # group_by_campaign=YES: agent × campaign
        assert ase.column("campaign_id").null_count == 0
    pnl = Lake(s.lake_dir).read("phone_number_log", "main", D2)
    assert pnl is not None and pnl.num_rows > 0
    # asked per direction (type=OUT, type=IN), each row tagged with the direction it was asked for
    assert set(pnl.column("direction").to_pylist()) <= {"OUT", "IN"} and "OUT" in pnl.column("direction").to_pylist()
    if platform == "vicidial":  # numbers come from raw.lead_status_search per status of the day: outbound too
        assert "VDAD" in set(pnl.column("user").to_pylist())
        lss = Lake(s.lake_dir).read("lead_status_search", "main", D2)
        assert lss is not None and lss.num_rows > 0
        assert {"lead_id", "phone_number", "status", "list_id"} <= set(lss.column_names)
        res = next(r for r in results if r.endpoint == "lead_status_search" and r.partition == D2.isoformat())
        # a status with more leads than lead_status_search returns is reported, not hidden
        warnings = res.drift.get("_warnings", {}).get("incomplete_keys", [])
        assert all("limit of 1000" in w for w in warnings)
        row = runner.ledger(s).get("main", "lead_status_search", D2.isoformat())
        assert row is not None and (not warnings or "incomplete_keys" in (row.drift or ""))


def test_agent_stats_export_agrees_across_platforms(tmp_path: Path, sim: SimulatorServer) -> None:
    """croco-dial and plain VICIdial serve the same report from the same log: same rows."""
    tables = []
    for platform in ("crocodial", "vicidial"):
        s = settings_for(tmp_path / platform, sim, platform=platform)
        fast_sync(s).sync(endpoint("agent_stats_export"), D1)
        tables.append(content(Lake(s.lake_dir).read("agent_stats_export", "main", D1)))  # type: ignore[arg-type]
    assert tables[0].equals(tables[1])


RECOVERABLE = ["500#2", "502#2", "503#2", "504#2", "429#2:retry_after=0.05", "reset#2", "truncate#2",
               "html#2", "invalid_json#2", "empty#2", "slow:delay=0.2"]


@pytest.mark.parametrize("fault", RECOVERABLE)
def test_recoverable_faults_end_in_a_correct_partition(tmp_path: Path, sim: SimulatorServer, fault: str) -> None:
    clean = settings_for(tmp_path / "clean", sim)
    fast_sync(clean).sync(endpoint("agent_cdr"), D1)
    expected = content(Lake(clean.lake_dir).read("agent_cdr", "main", D1))  # type: ignore[arg-type]
    s = settings_for(tmp_path / "faulty", sim)
    sim.ctx.faults.set_spec(f"agent_cdr:{fault}")
    fast_sync(s).sync(endpoint("agent_cdr"), D1)
    assert content(Lake(s.lake_dir).read("agent_cdr", "main", D1)).equals(expected)  # type: ignore[arg-type]


def test_hang_past_client_timeout_is_retried(tmp_path: Path, sim: SimulatorServer) -> None:
    s = settings_for(tmp_path, sim, timeout_s=1.0)
    sim.ctx.faults.set_spec("inbound_summary_stats:hang#1:hang=2")
    r = fast_sync(s).sync(endpoint("inbound_summary_stats"), D1)
    assert r.status == "success" and r.total_rows >= 1


@pytest.mark.parametrize("fault", ["503", "truncate", "html", "invalid_json", "reset"])
def test_persistent_faults_fail_cleanly_and_keep_previous_copy(tmp_path: Path, sim: SimulatorServer,
                                                               fault: str) -> None:
    s = settings_for(tmp_path, sim, max_attempts=3)
    ps = fast_sync(s)
    ps.sync(endpoint("agent_cdr"), D1)
    before = Lake(s.lake_dir).read("agent_cdr", "main", D1)
    sim.ctx.faults.set_spec(f"agent_cdr:{fault}")
    with pytest.raises(DialerError) as info:
        ps.sync(endpoint("agent_cdr"), D1)
    assert "instance=main" in str(info.value) and "endpoint=agent_cdr" in str(info.value)
    assert Lake(s.lake_dir).read("agent_cdr", "main", D1).equals(before)  # type: ignore[union-attr]
    row = runner.ledger(s).get("main", "agent_cdr", D1.isoformat())
    assert row is not None and row.status == "failed" and row.rows == before.num_rows  # type: ignore[union-attr]


@pytest.mark.parametrize(("platform", "name"), [("crocodial", "agent_cdr"), ("vicidial", "agent_stats_export")])
def test_wrong_password_fails_once_without_echoing_it(tmp_path: Path, sim: SimulatorServer,
                                                      monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture,
                                                      platform: str, name: str) -> None:
    wrong = "Wr0ngPassXy77"
    monkeypatch.setenv(PASS_ENV, wrong)
    s = settings_for(tmp_path, sim, platform=platform)
    httpx.delete(f"{sim.url}/_sim/requests")
    with pytest.raises(AuthError) as info:
        fast_sync(s).sync(endpoint(name), D1)
    assert sim_requests(sim, name) == 1, "auth errors must never be retried (lockout after 10)"
    sim.ctx.unlock_all()
    text = str(info.value) + repr(info.value)
    out = capfd.readouterr()
    files = [p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file()]
    for blob in (text, out.out, out.err, *files):
        assert wrong not in blob and PASSWORD not in blob


def test_password_never_written_or_logged(tmp_path: Path, sim: SimulatorServer, caplog: pytest.LogCaptureFixture,
                                          capfd: pytest.CaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    s = settings_for(tmp_path, sim)
    sim.ctx.faults.set_spec("agent_calls_report:503#1")
    runner.sync(s, D1, D1, endpoints=["agent_calls_report", "agent_stats_export"], now=lambda: NOW)
    runner.publish(s, dbt_command=None)
    out = capfd.readouterr()
    assert PASSWORD not in caplog.text + out.out + out.err
    for p in tmp_path.rglob("*"):
        if p.is_file():
            assert PASSWORD.encode() not in p.read_bytes(), p


def test_schema_drift_is_kept_and_reported(tmp_path: Path, sim: SimulatorServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    spec = TABLE_SPECS["inbound_summary_stats"]
    known = dict(spec.columns)
    dropped = next(c for c in known if c not in spec.grain)
    shrunk = {k: v for k, v in known.items() if k != dropped} | {"retired_field": "int"}
    monkeypatch.setitem(TABLE_SPECS, "inbound_summary_stats", dataclasses.replace(spec, columns=shrunk))
    s = settings_for(tmp_path, sim)
    r = fast_sync(s).sync(endpoint("inbound_summary_stats"), D1)
    assert r.drift["inbound_summary_stats"] == {"new": [dropped], "missing": ["retired_field"]}
    t = Lake(s.lake_dir).read("inbound_summary_stats", "main", D1)
    assert t is not None and dropped in t.column_names and t.schema.field(dropped).type == pa.string()
    assert "retired_field" in t.column_names and t.column("retired_field").null_count == t.num_rows
    row = runner.ledger(s).get("main", "inbound_summary_stats", D1.isoformat())
    assert row is not None and dropped in (row.drift or "")


def test_snapshot_cannot_be_pulled_for_a_past_day(tmp_path: Path, sim: SimulatorServer) -> None:
    s = settings_for(tmp_path, sim)
    with pytest.raises(DialerError, match="snapshot"):
        fast_sync(s).sync(endpoint("agent_summary_stats"), D1)
    r = fast_sync(s).sync(endpoint("agent_summary_stats"), TODAY)
    assert r.status == "success" and r.total_rows > 0


def test_future_day_refused(tmp_path: Path, sim: SimulatorServer) -> None:
    s = settings_for(tmp_path, sim)
    with pytest.raises(DialerError, match="future"):
        fast_sync(s).sync(endpoint("outbound_cdr"), date(2025, 5, 9))


def test_credentials_only_in_post_body(sim: SimulatorServer) -> None:
    """The client never puts credentials in a URL (proxies and access logs keep URLs)."""
    seen: list[httpx.Request] = []
    inst = InstanceSettings(platform="crocodial", base_url=sim.url, timezone=TZ, user_env=USER_ENV,
                            password_env=PASS_ENV)
    c = DialerClient.from_settings("main", inst)
    c._http.event_hooks["request"].append(seen.append)
    c.post("goapi", {"goAction": "getAllPortfolios"}, module="goUsers")
    c.close()
    assert seen and PASSWORD not in str(seen[0].url) and "goPass" not in str(seen[0].url)
    assert PASSWORD.encode() in seen[0].content  # it is in the form body
    assert os.environ[PASS_ENV] == PASSWORD


def test_interrupted_run_leaves_previous_copy(tmp_path: Path, sim: SimulatorServer) -> None:
    """A crash between staging and rename (simulated by a temp file left behind) changes nothing."""
    s = settings_for(tmp_path, sim)
    ps = fast_sync(s)
    ps.sync(endpoint("inbound_cdr"), D1)
    lake = Lake(s.lake_dir)
    before = lake.read("inbound_cdr", "main", D1)
    part = lake.partition_dir("crocodial", "inbound_cdr", "main", D1)
    (part / ".part-0.parquet.0000.tmp").write_bytes(b"PAR1 half written")
    assert lake.read("inbound_cdr", "main", D1).equals(before)  # type: ignore[union-attr]
    con = duckdb.connect()
    catalog.refresh_raw_views(con, lake, raw_schemas())
    assert con.execute("select count(*) from raw.inbound_cdr").fetchone() == (before.num_rows,)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def limited_sim() -> Iterator[SimulatorServer]:
    cfg = SimConfig(seed=11, agents=20, timezone=TZ, now=NOW, api_pass=PASSWORD,
                    limits={"rows": 150, "records": 10_000_000, "lead_search": 1000})
    with SimulatorServer(cfg) as s:
        yield s


def test_result_at_limit_is_split_and_merged(tmp_path: Path, simulator_factory) -> None:
    """phone_number_log batches whose result reaches the server's limit are halved until each
    answer is below it; the merged partition equals the one pulled without a limit."""
    import shutil

    small = {"seed": 11, "agents": 10, "timezone": TZ, "now": NOW, "api_pass": PASSWORD, "calls_scale": 0.05}
    sim = simulator_factory(**small)
    limited_sim = simulator_factory(**small, limits={"rows": 150, "records": 10_000_000, "lead_search": 1000})
    ref = settings_for(tmp_path / "ref", sim, phone_batch_size=60)
    # every key source of the fan-out, or phone_number_log is blocked ("upstream ... missing")
    runner.sync(ref, D1, D1, endpoints=["outbound_cdr", "inbound_cdr", "did_log_export", "phone_number_log"],
                now=lambda: NOW)
    expected = content(Lake(ref.lake_dir).read("phone_number_log", "main", D1))  # type: ignore[arg-type]
    shutil.copytree(tmp_path / "ref", tmp_path / "lim", symlinks=True)  # same keys (lake + ledger)
    s = settings_for(tmp_path / "lim", limited_sim, phone_batch_size=60, result_limit=150)
    ps = fast_sync(s)
    planned = len(ps.plan(endpoint("phone_number_log"), D1))
    r = ps.sync(endpoint("phone_number_log"), D1)
    assert r.requests == planned and sim_requests(limited_sim, "phone_number_log") > planned, "no split happened"
    got = content(Lake(s.lake_dir).read("phone_number_log", "main", D1))  # type: ignore[arg-type]
    key = [("phone_number", "ascending"), ("call_date", "ascending"), ("length_in_sec", "ascending")]
    cols = [c for c in expected.column_names if c != "_source_row"]
    assert got.select(cols).sort_by(key).equals(expected.select(cols).sort_by(key))


def test_result_at_limit_that_cannot_split_fails_loudly(tmp_path: Path, limited_sim: SimulatorServer) -> None:
    s = settings_for(tmp_path, limited_sim, result_limit=150)
    ps = fast_sync(s)
    ps.sync(endpoint("agent_stats_export"), D1)
    with pytest.raises(LimitReachedError, match="limit of 150"):
        ps.sync(endpoint("recording_lookup"), D1)
    assert Lake(s.lake_dir).read("recording_lookup", "main", D1) is None  # nothing half-stored
    assert runner.ledger(s).get("main", "recording_lookup", D1.isoformat()).status == "failed"  # type: ignore[union-attr]


def test_lead_status_search_fans_out_per_status_and_a_500_is_permission(
        tmp_path: Path, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from extract.errors import PermissionDeniedError
    from simulator.server import ApiUser

    s = settings_for(tmp_path, sim, platform="vicidial")
    fast_sync(s).sync(endpoint("call_dispo_report"), D1)
    statuses = set(Lake(s.lake_dir).read("call_dispo_report", "main", D1).column("status").to_pylist())
    httpx.delete(f"{sim.url}/_sim/requests")
    r = fast_sync(s).sync(endpoint("lead_status_search"), D1)
    assert r.status == "success" and r.requests == len(statuses)
    assert sim_requests(sim, "lead_status_search") == 2 * len(statuses)  # each confirmed by asking again
    t = Lake(s.lake_dir).read("lead_status_search", "main", D1)
    assert t.num_rows > 0 and t.column("lead_id").null_count == 0 and t.column("phone_number").null_count == 0
    # a campaign-restricted API user: the real server dies in SQL (HTTP 500); one request, no retry
    sim.ctx.users["camp1"] = ApiUser("camp1", "1234", 9, True, True, True, True, "One campaign",
                                     allowed_campaigns=frozenset({"10000001"}))
    monkeypatch.setenv(USER_ENV, "camp1")
    monkeypatch.setenv(PASS_ENV, "1234")
    httpx.delete(f"{sim.url}/_sim/requests")
    with pytest.raises(PermissionDeniedError):
        fast_sync(s).sync(endpoint("lead_status_search"), D1)
    assert sim_requests(sim, "lead_status_search") == 1
    del sim.ctx.users["camp1"]


# --- dependencies: a fan-out over keys of a partition that did not complete is blocked -------
def _fast_range(s: Settings, names: list[str], day: date) -> dict[str, object]:
    from dialsync.service.sync import sync_range
    from extract.registry import ordered

    ps = fast_sync(s)
    try:
        return {r.endpoint: r for r in sync_range(ps, ordered([endpoint(n) for n in names]), [day])}
    finally:
        ps.client.close()


def test_fanout_after_failed_key_source_is_blocked_never_empty(tmp_path: Path, simulator_factory) -> None:
    """plain VICIdial: recording_lookup keys on agent_stats_export; phone_number_log on
    lead_status_search, which keys on call_dispo_report. Their sources fail → blocked."""
    sim2 = simulator_factory(seed=11, agents=10, timezone=TZ, now=NOW, api_pass=PASSWORD, calls_scale=0.05,
                             faults="agent_stats_export:503,call_dispo_report:503")
    s = settings_for(tmp_path, sim2, platform="vicidial", max_attempts=2)
    names = ["agent_stats_export", "recording_lookup", "call_dispo_report", "lead_status_search", "phone_number_log"]
    got = _fast_range(s, [*names, "did_log_export"], D1)  # no DIDs configured: an empty success
    assert {n: got[n].status for n in names} == dict.fromkeys(names, "failed")  # type: ignore[attr-defined]
    assert "upstream agent_stats_export failed for 2025-05-06" in got["recording_lookup"].message  # type: ignore[attr-defined]
    assert "upstream call_dispo_report failed for 2025-05-06" in got["lead_status_search"].message  # type: ignore[attr-defined]
    assert "upstream lead_status_search blocked for 2025-05-06" in got["phone_number_log"].message  # type: ignore[attr-defined]
    lake = Lake(s.lake_dir)
    for n in ("recording_lookup", "lead_status_search", "phone_number_log"):
        assert lake.read(n, "main", D1) is None, f"{n} stored although its keys are unknown"
        row = runner.ledger(s).get("main", n, D1.isoformat())
        assert row is not None and row.status == "blocked" and "upstream" in (row.error or "")
    assert sim_requests(sim2, "recording_lookup") == 0 and sim_requests(sim2, "phone_number_log") == 0
    status = {r["endpoint"]: r for r in runner.status_table(s, D1, D1).to_pylist()}
    assert status["recording_lookup"]["state"] == "blocked"
    assert "upstream agent_stats_export failed" in status["recording_lookup"]["error"]
    assert status["agent_stats_export"]["state"] == "failed"
    sim2.ctx.faults.set_spec("")  # the sources recover: the next run loads everything
    got = _fast_range(s, [*names, "did_log_export"], D1)
    assert {n: got[n].status for n in names} == dict.fromkeys(names, "success")  # type: ignore[attr-defined]
    assert lake.read("recording_lookup", "main", D1).num_rows > 0  # type: ignore[union-attr]


def test_phone_number_log_after_cdr_failed_or_missing_is_blocked(tmp_path: Path, simulator_factory) -> None:
    from dialsync.service.sync import UpstreamError

    sim2 = simulator_factory(seed=11, agents=20, timezone=TZ, now=NOW, api_pass=PASSWORD, faults="outbound_cdr:503")
    s = settings_for(tmp_path, sim2, max_attempts=2)
    with pytest.raises(UpstreamError, match="upstream outbound_cdr missing for 2025-05-06"):
        fast_sync(s).sync(endpoint("phone_number_log"), D1)
    got = _fast_range(s, ["outbound_cdr", "inbound_cdr", "did_log_export", "phone_number_log"], D1)
    assert got["inbound_cdr"].status == "success"  # type: ignore[attr-defined]
    assert "upstream outbound_cdr failed for 2025-05-06" in got["phone_number_log"].message  # type: ignore[attr-defined]
    assert Lake(s.lake_dir).read("phone_number_log", "main", D1) is None
    assert sim_requests(sim2, "phone_number_log") == 0


# --- crash hygiene: a sync killed with SIGKILL, then the next run ------------------------------
KILLED_SYNC = """
import os, sys
from datetime import date, datetime
from zoneinfo import ZoneInfo
from dialsync.settings import InstanceSettings
from extract.client import DialerClient
from extract.registry import endpoint
from dialsync.service.sync import PartitionSync
from warehouse.lake import Lake
from warehouse.ledger import SyncLedger
url, data = sys.argv[1], sys.argv[2]
inst = InstanceSettings(platform="crocodial", base_url=url, timezone="America/New_York",
                        user_env="TEST_DIALER_USER", password_env="TEST_DIALER_PASS", timeout_s=60)
ps = PartitionSync("main", inst, DialerClient.from_settings("main", inst), Lake(data + "/lake"),
                   SyncLedger(data + "/state/sync_ledger.sqlite"),
                   now=lambda: datetime(2025, 5, 8, 15, 30, tzinfo=ZoneInfo("America/New_York")))
print("syncing", flush=True)
ps.sync(endpoint("outbound_cdr"), date(2025, 5, 6))
"""


def test_killed_sync_reads_interrupted_and_next_run_cleans_up(tmp_path: Path, sim: SimulatorServer) -> None:
    import json
    import signal
    import subprocess
    import sys
    import time

    from warehouse.process import Writer, this_writer

    s = settings_for(tmp_path, sim)
    ps = fast_sync(s)
    ps.sync(endpoint("outbound_cdr"), D1)
    lake = Lake(s.lake_dir)
    before = {t: lake.read(t, "main", D1) for t in endpoint("outbound_cdr").tables}
    sim.ctx.faults.set_spec("outbound_cdr:hang:hang=20")  # the child is mid-request when killed
    child = subprocess.Popen([sys.executable, "-c", KILLED_SYNC, sim.url, str(s.data_dir)],
                             cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "syncing"
    led = runner.ledger(s)
    deadline = time.monotonic() + 20
    while led.get("main", "outbound_cdr", D1.isoformat()).pid != child.pid:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    sim.ctx.faults.set_spec("")
    row = led.get("main", "outbound_cdr", D1.isoformat())
    assert row is not None and row.status == "interrupted" and row.rows == before["outbound_cdr"].num_rows + \
        before["outbound_cdr_summary"].num_rows  # type: ignore[union-attr]
    status = {r["endpoint"]: r["state"] for r in runner.status_table(s, D1, D1).to_pylist()}
    assert status["outbound_cdr"] == "interrupted"
    # what a writer killed between staging and commit leaves: its journal and a half generation
    me = this_writer()
    dead = Writer(me.host, child.pid, "")
    store = lake.store_dir("crocodial", "outbound_cdr", "main", D1)
    gen = store / f"g-{dead.tag}-0123456789ab"
    gen.mkdir()
    (gen / "outbound_cdr.parquet").write_bytes(b"PAR1 half written")
    (s.lake_dir / ".staging" / f"{gen.name}.json").write_text(
        json.dumps({"store": str(store.relative_to(s.lake_dir)), "gen": gen.name}))
    assert {t: lake.read(t, "main", D1) for t in before} == before  # invisible to readers
    r = fast_sync(s).sync(endpoint("outbound_cdr"), D1)  # the next run
    assert r.status == "success" and not gen.exists()
    assert not list((s.lake_dir / ".staging").iterdir()) and len(list(store.glob("g-*"))) == 1
    assert led.get("main", "outbound_cdr", D1.isoformat()).status == "success"  # type: ignore[union-attr]
