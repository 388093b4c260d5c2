"""Opt-in fan-outs (no mart of the platform reads them) and days synced in parallel, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pyarrow as pa
import pytest

from dialsync import runner
from dialsync.settings import ConfigError, InstanceSettings, Settings, load_settings
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
