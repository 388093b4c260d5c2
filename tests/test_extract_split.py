"""A goReports day whose answer reaches the result limit is re-asked per tenant[] / profile[] /
user[] (dialsync/service/split.py) and lands complete: equal to the same day pulled without a limit, its
summary rows reconciled; a piece that cannot be split further still fails loudly.

Two simulators with one seed and clock, over real HTTP: `ref` answers without a limit, `lim`
truncates goReports answers at `goapi_rows` (set per test, as the settings' result_limit).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from dialsync.service.split import reconcile
from dialsync.service.sync import PartitionSync
from dialsync.settings import InstanceSettings, Settings
from extract.client import DialerClient
from extract.errors import LimitReachedError
from extract.registry import endpoint
from simulator.server import SimConfig, SimulatorServer
from warehouse.lake import Lake
from warehouse.ledger import SyncLedger

TZ = "America/New_York"
NOW = datetime(2025, 5, 8, 15, 30, tzinfo=ZoneInfo(TZ))
DAY = date(2025, 5, 6)
USER_ENV, PASS_ENV = "TEST_SPLIT_USER", "TEST_SPLIT_PASS"

pytestmark = pytest.mark.xdist_group("extract_split")


def _sim() -> SimulatorServer:
    return SimulatorServer(SimConfig(seed=11, agents=20, timezone=TZ, now=NOW, log_requests=True))


@pytest.fixture(scope="module")
def ref() -> Iterator[SimulatorServer]:
    with _sim() as s:
        yield s


@pytest.fixture(scope="module")
def lim() -> Iterator[SimulatorServer]:
    with _sim() as s:
        yield s


@pytest.fixture(autouse=True)
def _creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, "6666")
    monkeypatch.setenv(PASS_ENV, "1234")


def syncer(tmp: Path, sim: SimulatorServer, limit: int) -> PartitionSync:
    inst = InstanceSettings(platform="crocodial", base_url=sim.url, timezone=TZ, user_env=USER_ENV,
                            password_env=PASS_ENV, result_limit=limit)
    s = Settings(data_dir=tmp, instances={"main": inst})
    client = DialerClient.from_settings("main", inst, backoff_min_s=0.01, backoff_max_s=0.05)
    return PartitionSync("main", inst, client, Lake(s.lake_dir), SyncLedger(s.state_dir / "sync_ledger.sqlite"),
                         now=lambda: NOW)


def limited(sim: SimulatorServer, rows: int) -> None:
    sim.ctx.limits["goapi_rows"] = rows
    httpx.delete(f"{sim.url}/_sim/requests")


def asked(sim: SimulatorServer, action: str) -> list[dict[str, str]]:
    """The simulator's log of requests for ``action``: params, ``name[]`` arrays as one value."""
    rows = httpx.get(f"{sim.url}/_sim/requests", params={"action": action}).json()
    return [{k: ",".join(v) if isinstance(v, list) else v for k, v in r["params"].items()} for r in rows]


def comparable(t: pa.Table | None) -> pa.Table:
    assert t is not None
    t = t.drop_columns([c for c in ("_extracted_at", "_source_row") if c in t.column_names])
    return t.sort_by([(c, "ascending") for c in t.column_names])


def snapshots(tmp: Path, sim: SimulatorServer, *names: str) -> None:
    """Today's dimension snapshots, pulled with the limit check off (5 portfolios < any test limit)."""
    ps = syncer(tmp, sim, 0)
    for n in names:
        ps.sync(endpoint(n), NOW.date())


def reference(tmp: Path, ref: SimulatorServer, name: str) -> dict[str, pa.Table]:
    ps = syncer(tmp / "ref", ref, 0)
    ps.sync(endpoint(name), DAY)
    return {t: comparable(ps.lake.read(t, "main", DAY)) for t in endpoint(name).tables}


@pytest.mark.parametrize(("name", "limit", "deeper"), [
    ("outbound_cdr", 1500, True),       # 3,692 rows; tenant AMI 1,946 → per profile (≤ 1,426)
    ("agent_cdr", 600, True),           # 2,020 rows; AMI 907 → per (agent) profile
    ("inbound_cdr", 407, False),        # 702 rows; every tenant below the limit
    ("agent_calls_report", 5, True),    # 15 agents; AMI 6
])
def test_day_over_the_limit_lands_complete(tmp_path: Path, ref: SimulatorServer, lim: SimulatorServer,
                                           name: str, limit: int, deeper: bool) -> None:
    expected = reference(tmp_path, ref, name)
    limited(lim, limit)
    snapshots(tmp_path / "lim", lim, "portfolios", "profiles")  # the filter values: the lake's latest
    ps = syncer(tmp_path / "lim", lim, limit)
    r = ps.sync(endpoint(name), DAY)
    assert r.status == "success" and r.drift.get("_warnings") is None
    for t in endpoint(name).tables:
        got = comparable(ps.lake.read(t, "main", DAY))
        assert got.num_rows == expected[t].num_rows and got.equals(expected[t]), t
    reqs = asked(lim, endpoint(name).action)
    tenants = {r.get("tenant") for r in reqs} - {None}
    assert tenants == {"AMI", "CSC", "GAL", "IST", "PTR"}
    assert any("profile" in r for r in reqs) is deeper
    assert all(r.get("profile") is None or r.get("tenant") for r in reqs)  # profile only inside a tenant


def test_outbound_summary_rows_are_the_unsplit_ones(tmp_path: Path, ref: SimulatorServer,
                                                    lim: SimulatorServer) -> None:
    """One summary row per campaign, lead counts included, and Σ total_calls = the call rows."""
    expected = reference(tmp_path, ref, "outbound_cdr")
    limited(lim, 1500)
    ps = syncer(tmp_path / "lim", lim, 1500)
    ps.sync(endpoint("outbound_cdr"), DAY)  # no snapshots yet: the filter lists are asked live
    summary = comparable(ps.lake.read("outbound_cdr_summary", "main", DAY))
    assert summary.equals(expected["outbound_cdr_summary"])
    assert pc.sum(summary["total_calls"]).as_py() == ps.lake.read("outbound_cdr", "main", DAY).num_rows  # type: ignore[union-attr]
    assert len(asked(lim, "getAllPortfolios")) == 1 and len(asked(lim, "getAllProfiles")) == 1


def test_agent_report_split_per_user_reconciles_summary_average_max_min(
        tmp_path: Path, ref: SimulatorServer, lim: SimulatorServer) -> None:
    """exportAgentReport takes only user[]: asked per user, Summary summed, Max/Min of the pieces',
    Average recomputed = Summary / agent rows — equal to the server's own unsplit rows."""
    expected = reference(tmp_path, ref, "agent_report")
    limited(lim, 10)
    snapshots(tmp_path / "lim", lim, "users")
    ps = syncer(tmp_path / "lim", lim, 10)
    ps.sync(endpoint("agent_report"), DAY)
    got = comparable(ps.lake.read("agent_report_summary", "main", DAY))
    assert got.column("type").to_pylist() == ["Average", "Max", "Min", "Summary"]
    assert got.equals(expected["agent_report_summary"])
    assert comparable(ps.lake.read("agent_report", "main", DAY)).equals(expected["agent_report"])
    assert len(asked(lim, "exportAgentReport")) == 1 + 20  # the truncated answer, then one per user


def test_piece_at_the_limit_with_every_filter_used_fails_loudly(tmp_path: Path, lim: SimulatorServer) -> None:
    limited(lim, 1000)  # tenant AMI × profile LOANS alone has 1,426 outbound calls
    ps = syncer(tmp_path, lim, 1000)
    with pytest.raises(LimitReachedError, match=r"tenant\[\]=AMI, profile\[\]=LOANS.*cannot be split further"):
        ps.sync(endpoint("outbound_cdr"), DAY)
    assert ps.lake.read("outbound_cdr", "main", DAY) is None  # nothing half-stored
    assert ps.ledger.get("main", "outbound_cdr", DAY.isoformat()).status == "failed"  # type: ignore[union-attr]


def test_split_refuses_rows_of_a_tenant_missing_from_the_snapshot(tmp_path: Path, lim: SimulatorServer) -> None:
    """A portfolios snapshot without AMI would silently drop AMI's calls: the split fails instead."""
    limited(lim, 1500)
    snapshots(tmp_path, lim, "portfolios")
    ps = syncer(tmp_path, lim, 1500)
    snap = ps.lake.read("portfolios", "main", NOW.date())
    assert snap is not None
    ps.lake.write("crocodial", "main", NOW.date(), {"portfolios": snap.filter(pc.not_equal(snap["portfolio"], "AMI"))},
                  group="portfolios")
    with pytest.raises(LimitReachedError, match=r"AMI.*not among the portfolios"):
        ps.sync(endpoint("outbound_cdr"), DAY)


def _strings(**cols: list[str | None]) -> pa.Table:
    n = len(next(iter(cols.values())))
    return pa.table({**{k: pa.array(v, pa.string()) for k, v in cols.items()},
                     "_source_row": pa.array(range(n), pa.int64())})


def test_keyed_summary_found_in_several_pieces_sums_calls_and_drops_lead_counts() -> None:
    """A campaign with calls in two pieces: call counts add up; its lead counts cannot (they
    describe the campaign's lists): NULL, with a warning."""
    a = _strings(campaign_name=["C1", "C2"], total_calls=["10", "4"], total_leads=["500", "80"])
    b = _strings(campaign_name=["C1"], total_calls=["5"], total_leads=["500"])
    warnings: list[str] = []
    parts = reconcile([{"outbound_cdr_summary": a}, {"outbound_cdr_summary": b}], warn=warnings.append)
    out = parts[-1]["outbound_cdr_summary"].sort_by("campaign_name")
    assert out.select(["campaign_name", "total_calls", "total_leads"]).to_pylist() == [
        {"campaign_name": "C1", "total_calls": "15", "total_leads": None},
        {"campaign_name": "C2", "total_calls": "4", "total_leads": "80"}]
    assert len(warnings) == 1 and "C1" in warnings[0]


def test_stats_summary_average_is_recomputed_not_summed() -> None:
    def piece(vals: list[int]) -> dict[str, pa.Table]:
        s = [str(sum(vals)), str(sum(vals) / len(vals)), str(max(vals)), str(min(vals))]
        return {"agent_report": _strings(talk=[str(v) for v in vals]),
                "agent_report_summary": _strings(type=["Summary", "Average", "Max", "Min"], talk=s)}

    parts = reconcile([piece([10, 20, 30]), piece([7])])
    out = parts[-1]["agent_report_summary"]
    assert dict(zip(out["type"].to_pylist(), out["talk"].to_pylist(), strict=True)) == {
        "Summary": "67", "Average": "16.75", "Max": "30", "Min": "7"}
    assert sum(p["agent_report"].num_rows for p in parts if "agent_report" in p) == 4


def test_simulator_truncates_goreports_at_goapi_rows(lim: SimulatorServer) -> None:
    from simulator.testing import goapi_json

    limited(lim, 7)
    day = {"fromDate": DAY.isoformat(), "toDate": DAY.isoformat()}
    assert len(goapi_json(lim, "goReports", "outbound_cdr", **day)["data"]["rows"]) == 7
    assert len(goapi_json(lim, "goReports", "exportAgentReport", **day)["data"]["rows"]) == 7
    amu = goapi_json(lim, "goReports", "agent_calls_report", tenant=["AMI"], profile=["LOANS"], **day)
    assert {r["portfolio"] for r in amu["data"]["agent_report"]["rows"]} == {"AMI"}
    assert {r["profile"] for r in amu["data"]["agent_report"]["rows"]} == {"LOANS"}
