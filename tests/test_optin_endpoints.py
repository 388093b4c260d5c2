"""Opt-in endpoints (no mart of the platform reads them) and days synced in parallel, over real HTTP.

Among them the goDashboard agentTimeUsage and goUsers getUserInfo snapshots: synced when enabled,
typed, credentials never stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from dialsync import runner
from dialsync.settings import ConfigError, InstanceSettings, Settings, load_settings
from extract.parsers import goapi
from extract.registry import BY_NAME, ENDPOINTS
from orchestration.schedules import supported
from simulator.server import SimConfig, SimulatorServer
from warehouse.lake import Lake

TZ = "America/New_York"
NOW = datetime(2025, 5, 8, 15, 30, tzinfo=ZoneInfo(TZ))
DAYS = [date(2025, 5, 5), date(2025, 5, 6), date(2025, 5, 7)]
USER_ENV, PASS_ENV = "OPTIN_USER", "OPTIN_PASS"
CROCO_OPT_IN = {"phone_number_log", "did_log_export", "recording_lookup", "lead_status_search",
                "agent_time_usage", "user_stats"}

pytestmark = pytest.mark.xdist_group("optin")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimConfig(seed=5, agents=12, timezone=TZ, now=NOW)) as s:
        yield s


@pytest.fixture(autouse=True)
def _creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, "6666")
    monkeypatch.setenv(PASS_ENV, "1234")


def settings(tmp: Path, sim: SimulatorServer, **kw: object) -> Settings:
    inst = InstanceSettings(platform="crocodial", base_url=sim.url, timezone=TZ, user_env=USER_ENV,
                            password_env=PASS_ENV, **kw)  # type: ignore[arg-type]
    return Settings(data_dir=tmp, instances={"main": inst}, start_date=DAYS[0])


def asked(sim: SimulatorServer, action: str) -> int:
    return len(httpx.get(f"{sim.url}/_sim/requests", params={"action": action}).json())


def test_registry_declares_what_no_mart_reads() -> None:
    assert {e.name for e in ENDPOINTS if "crocodial" in e.opt_in} == CROCO_OPT_IN
    # plain VICIdial / Dialer360: phone_number_log is the call stream and did_log_export its keys
    assert {e.name for e in ENDPOINTS if "vicidial" in e.opt_in} == {"recording_lookup"}


def test_extra_endpoints_names_only_opt_in_endpoints_of_the_platform(tmp_path: Path) -> None:
    cfg = tmp_path / "dialsync.toml"
    cfg.write_text('[instances.v]\nplatform = "vicidial"\nbase_url = "http://x"\nuser_env = "U"\n'
                   'password_env = "P"\nextra_endpoints = ["phone_number_log"]\n')
    from dialsync import settings as sm

    sm.set_config_path(cfg)
    try:
        with pytest.raises(ConfigError) as exc:
            load_settings()
    finally:
        sm.set_config_path(None)
    assert "instances.v: extra_endpoints: 'phone_number_log' is not an opt-in endpoint of platform vicidial " \
           "(opt-in there: recording_lookup)" in str(exc.value)


def test_default_run_skips_opt_in_fanouts_and_status_does_not_call_them_missing(
        tmp_path: Path, sim: SimulatorServer) -> None:
    s = settings(tmp_path, sim)
    httpx.delete(f"{sim.url}/_sim/requests")
    results = runner.sync(s, DAYS[-1], DAYS[-1], now=lambda: NOW)
    assert not [r for r in results if r.status == "failed"]
    assert CROCO_OPT_IN.isdisjoint(r.endpoint for r in results)
    assert all(asked(sim, n) == 0 for n in CROCO_OPT_IN)
    assert runner.opt_in_off(s.instance("main")) == [e.name for e in ENDPOINTS if e.name in CROCO_OPT_IN]
    status = runner.status_table(s, DAYS[-1], DAYS[-1]).to_pylist()
    assert CROCO_OPT_IN.isdisjoint(r["endpoint"] for r in status)
    assert {r["state"] for r in status if r["endpoint"] == "outbound_cdr"} == {"loaded"}
    # Dagster's jobs select through the same rule: the asset exists, the nightly leaves it out
    assert CROCO_OPT_IN.isdisjoint(e.name for e in supported(s, "main", ENDPOINTS))


def test_enabled_opt_in_endpoint_syncs_with_keys_from_the_endpoints_that_run(tmp_path: Path,
                                                                             sim: SimulatorServer) -> None:
    s = settings(tmp_path, sim, extra_endpoints=["phone_number_log"])
    day = DAYS[-1]
    results = runner.sync(s, day, day, now=lambda: NOW)
    got = {r.endpoint: r for r in results}
    # did_log_export stays off: it is no key source here, so phone_number_log is not blocked on it
    assert got["phone_number_log"].status == "success" and "did_log_export" not in got
    pnl = Lake(s.lake_dir).read("phone_number_log", "main", day)
    assert pnl is not None and pnl.num_rows > 0
    states = {r["endpoint"]: r["state"] for r in runner.status_table(s, day, day).to_pylist()}
    assert states["phone_number_log"] == "loaded" and "did_log_export" not in states
    assert "phone_number_log" in {e.name for e in supported(s, "main", ENDPOINTS)}
    # named with -e, an opt-in endpoint runs without being enabled
    named = runner.sync(s, day, day, endpoints=["recording_lookup"], now=lambda: NOW)
    assert [(r.endpoint, r.status) for r in named] == [("recording_lookup", "success")]
    rows = {r["endpoint"] for r in runner.status_table(s, day, day).to_pylist()}
    assert "recording_lookup" in rows  # pulled once: shown where it was pulled


def content(t: pa.Table) -> pa.Table:
    return t.drop_columns(["_extracted_at"])


def test_days_in_parallel_store_what_days_in_order_store(tmp_path: Path, sim: SimulatorServer) -> None:
    eps = ["outbound_cdr", "inbound_cdr", "agent_stats_export", "recording_lookup", "call_dispo_report"]
    serial = settings(tmp_path / "serial", sim, parallel_days=1)
    parallel = settings(tmp_path / "parallel", sim, parallel_days=3)
    seen: list[tuple[str, str]] = []
    a = runner.sync(serial, DAYS[0], DAYS[-1], endpoints=eps, now=lambda: NOW)
    b = runner.sync(parallel, DAYS[0], DAYS[-1], endpoints=eps, now=lambda: NOW,
                    on_result=lambda r, ep, d: seen.append((ep.name if ep else "*", d.isoformat())))
    assert [(r.endpoint, r.partition, r.status) for r in a] == [(r.endpoint, r.partition, r.status) for r in b]
    assert {r.status for r in b} == {"success"} and len(seen) == len(b) == len(eps) * len(DAYS)
    for name in eps:
        for table in BY_NAME[name].tables:
            for d in DAYS:
                x, y = Lake(serial.lake_dir).read(table, "main", d), Lake(parallel.lake_dir).read(table, "main", d)
                assert x is not None and y is not None and content(x).equals(content(y)), (table, d)
    ledger = {(r.endpoint, r.partition_date): (r.status, r.rows, r.checksum) for r in runner.ledger(parallel).rows()}
    assert ledger == {(r.endpoint, r.partition_date): (r.status, r.rows, r.checksum)
                      for r in runner.ledger(serial).rows()}


# --- the agentTimeUsage and getUserInfo snapshots ------------------------------------------
def test_snapshots_are_synced_when_enabled_with_their_figures(tmp_path: Path, sim: SimulatorServer) -> None:
    day = NOW.date()
    off = runner.sync(settings(tmp_path / "off", sim), day, day, now=lambda: NOW)
    assert not {r.endpoint for r in off} & {"agent_time_usage", "user_stats"}  # opt-in: not by default

    s = settings(tmp_path / "on", sim, extra_endpoints=["agent_time_usage", "user_stats"])
    results = {r.endpoint: r for r in runner.sync(s, day, day, endpoints=["users", "agent_time_usage", "user_stats"],
                                                 now=lambda: NOW)}
    assert all(r.status == "success" for r in results.values()), results
    lake = Lake(s.lake_dir)
    users = lake.read("users", "main", day)
    stats = lake.read("user_stats", "main", day)
    usage = lake.read("agent_time_usage", "main", day)
    assert users is not None and stats is not None and usage is not None
    # one getUserInfo request per user of the users snapshot, one row each
    assert sorted(stats["user"].to_pylist()) == sorted(users["user"].to_pylist())
    assert results["user_stats"].requests == users.num_rows
    # typed: seconds from HH:MM:SS, sla_productivity a fraction
    assert stats.schema.field("login_time").type == "int64"
    worked = stats.filter(pc.greater(stats["login_time"], 0))
    assert worked.num_rows > 0
    assert pc.max(worked["sla_productivity"]).as_py() <= 1.0
    # the dashboard and the user statistics agree on calls per agent
    by_user = dict(zip(usage["user"].to_pylist(), usage["total_calls"].to_pylist(), strict=True))
    for user, calls in zip(worked["user"].to_pylist(), worked["total_calls"].to_pylist(), strict=True):
        assert by_user.get(user) == calls, user
    # credentials in the answer never reach a column
    assert not set(stats.column_names) & goapi.USER_INFO_SECRETS


def test_user_info_credentials_are_never_parsed(sim: SimulatorServer) -> None:
    body = httpx.post(f"{sim.url}/goAPIv2/goUsers/goAPI.php", timeout=30, data={
        "goAction": "getUserInfo", "goUser": "6666", "goPass": "1234", "responsetype": "json",
        "user": sim.ctx.world.agents["user"][0].as_py()}).content
    assert b'"pass"' in body  # the server does send them
    table = goapi.user_stats(body, "json")["user_stats"]
    assert table.num_rows == 1 and not set(table.column_names) & goapi.USER_INFO_SECRETS
