"""agent_stats_export cut at a row boundary, end to end (issue #11 point 2, the realistic cut).

A PHP script killed by max_execution_time flushes whole lines: the answer looks complete and
shorter. The endpoint's declared CrossCheck (extract.registry) asks the ungrouped view too and
extract.sync compares per-user calls and pause_time; a disagreement is a retryable ParseError.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pyarrow as pa
import pytest

from dialsync.settings import InstanceSettings, Settings
from extract.client import DialerClient
from extract.errors import ParseError
from extract.registry import endpoint
from extract.sync import PartitionSync, cross_check
from simulator.server import SimConfig, SimulatorServer
from warehouse.lake import Lake
from warehouse.ledger import SyncLedger

TZ = "America/New_York"
NOW = datetime(2025, 5, 8, 15, 30, tzinfo=ZoneInfo(TZ))
D1 = date(2025, 5, 6)
ASE = endpoint("agent_stats_export")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimConfig(seed=5, agents=12, timezone=TZ, now=NOW)) as s:
        yield s


@pytest.fixture(autouse=True)
def _creds(monkeypatch: pytest.MonkeyPatch, sim: SimulatorServer) -> Iterator[None]:
    monkeypatch.setenv("XC_USER", "6666")
    monkeypatch.setenv("XC_PASS", "1234")
    yield
    sim.ctx.faults.set_spec("")


def _ps(tmp: Path, sim: SimulatorServer, platform: str = "vicidial") -> PartitionSync:
    inst = InstanceSettings(platform=platform, base_url=sim.url, timezone=TZ, user_env="XC_USER",  # type: ignore[arg-type]
                            password_env="XC_PASS", max_attempts=3)
    s = Settings(data_dir=tmp, instances={"main": inst})
    client = DialerClient.from_settings("main", inst, backoff_min_s=0.01, backoff_max_s=0.02)
    return PartitionSync("main", inst, client, Lake(s.lake_dir), SyncLedger(s.state_dir / "ledger.sqlite"),
                         now=lambda: NOW)


def _asked(sim: SimulatorServer) -> list[dict[str, str]]:
    return httpx.get(f"{sim.url}/_sim/requests", params={"action": "agent_stats_export"}).json()


def _stored(ps: PartitionSync) -> pa.Table:
    t = ps.lake.read("agent_stats_export", "main", D1)
    assert t is not None
    return t.drop_columns(["_extracted_at"])


@pytest.mark.parametrize("platform", ["vicidial", "dialer360"])
def test_row_boundary_cut_is_asked_again_and_the_day_stored_whole(
        tmp_path: Path, sim: SimulatorServer, platform: str) -> None:
    clean = _ps(tmp_path / "clean", sim, platform)
    clean.sync(ASE, D1)
    httpx.delete(f"{sim.url}/_sim/requests")
    sim.ctx.faults.set_spec("agent_stats_export:cut_line#1:at=0.5")  # the first answer loses its second half
    ps = _ps(tmp_path / "cut", sim, platform)
    r = ps.sync(ASE, D1)
    assert r.status == "success"
    assert _stored(ps).equals(_stored(clean)), "the cut answer was stored"
    assert len(_asked(sim)) == 4, "a disagreement asks both views again"


class _CutGrouped(httpx.BaseTransport):
    """The real simulator, but every grouped answer loses its last row at a line boundary
    (a script killed after flushing whole lines, every time)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resp = self.inner.handle_request(request)
        body = resp.read()
        if b"group_by_campaign=YES" in request.content:
            body = body[: body.rstrip(b"\n").rfind(b"\n") + 1]
        return httpx.Response(resp.status_code, headers={"content-type": "text/plain"}, content=body)


def test_a_cut_that_never_stops_fails_the_day_naming_the_user(tmp_path: Path, sim: SimulatorServer) -> None:
    ps = _ps(tmp_path, sim)
    ps.client = DialerClient.from_settings("main", ps.inst, backoff_min_s=0.01, backoff_max_s=0.02,
                                           transport=_CutGrouped())
    with pytest.raises(ParseError, match=r"agent_stats_export: user \S+ is only in the check request "
                                         r"\(without group_by_campaign\)"):
        ps.sync(ASE, D1)
    assert ps.lake.read("agent_stats_export", "main", D1) is None
    row = ps.ledger.get("main", "agent_stats_export", D1.isoformat())
    assert row is not None and row.status == "failed" and "cut short" in (row.error or "")


def test_disagreement_names_endpoint_user_and_column() -> None:
    grouped = pa.table({"campaign_id": ["A", "B", "A"], "user": ["u1", "u1", "u2"], "calls": ["3", "4", "1"],
                        "pause_time": ["10", "20", "5"]})
    ungrouped = pa.table({"user": ["u1", "u2"], "calls": ["7", "1"], "pause_time": ["30", "5"]})
    t = "agent_stats_export"
    cross_check(ASE, {t: grouped}, {t: ungrouped}, TZ)  # sums agree: accepted
    with pytest.raises(ParseError, match="user u1 has pause_time = 30 .* 25 in the check request "
                                         r"\(without group_by_campaign\)"):
        cross_check(ASE, {t: grouped}, {t: ungrouped.set_column(2, "pause_time", pa.array(["25", "5"]))}, TZ)
    with pytest.raises(ParseError, match="user u2 is only in the answer"):
        cross_check(ASE, {t: grouped}, {t: ungrouped.slice(0, 1)}, TZ)
    assert ParseError.retryable
