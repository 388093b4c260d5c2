"""agent_stats_export cut at a row boundary, end to end (issue #11 point 2, the realistic cut).

A PHP script killed by max_execution_time flushes whole lines: the answer looks complete and
shorter. The endpoint's declared CrossCheck (extract.registry) asks the ungrouped view too and
dialsync.service.sync compares per-user calls and pause_time; a disagreement is a retryable ParseError.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from dialsync.service.sync import PartitionSync
from dialsync.settings import InstanceSettings, Settings
from extract.client import DialerClient
from extract.completeness import cross_check
from extract.errors import ParseError
from extract.registry import endpoint
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


# --- phone_number_log: the same numbers asked in reverse order ----------------------------------
PNL = endpoint("phone_number_log")
CSS, DISPO = endpoint("call_status_stats"), endpoint("call_dispo_report")


def test_phone_number_log_check_asks_the_numbers_reversed() -> None:
    assert PNL.verify is not None
    got = PNL.verify.request({"function": "phone_number_log", "phone_number": "5551,5552,5553", "type": "IN"})
    assert got == {"function": "phone_number_log", "phone_number": "5553,5552,5551", "type": "IN"}


def test_phone_number_log_rows_per_number_must_agree() -> None:
    t = "phone_number_log"
    full = pa.table({"phone_number": ["5551", "5551", "5552"], "call_date": ["2025-05-06 10:00:00"] * 3})
    cross_check(PNL, {t: full}, {t: full.take([2, 0, 1])}, TZ)
    with pytest.raises(ParseError, match="phone_number 5551 has rows 2 in the answer but 1 in the check request"):
        cross_check(PNL, {t: full}, {t: full.slice(1)}, TZ)  # the reversed answer lost its tail
    with pytest.raises(ParseError, match="phone_number 5552 is only in the check request"):
        cross_check(PNL, {t: full.slice(0, 2)}, {t: full}, TZ)  # a number cut away entirely


def _dial_keys(ps: PartitionSync) -> None:
    """phone_number_log's key sources of D1, loaded as a real sync would."""
    ps.sync(DISPO, D1)
    ps.sync(endpoint("lead_status_search"), D1)
    ps.sync(endpoint("did_log_export"), D1)


def test_phone_number_log_cut_at_a_row_boundary_is_asked_again(tmp_path: Path, sim: SimulatorServer) -> None:
    clean = _ps(tmp_path / "clean", sim)
    _dial_keys(clean)
    clean.sync(PNL, D1)
    ps = _ps(tmp_path / "cut", sim)
    _dial_keys(ps)
    sim.ctx.faults.set_spec("phone_number_log:cut_line#1:at=0.5")
    assert ps.sync(PNL, D1).status == "success"
    assert sum(r.fired for r in sim.ctx.faults.rules) == 1
    a, b = (p.lake.read("phone_number_log", "main", D1) for p in (clean, ps))
    assert a is not None and b is not None
    assert b.drop_columns(["_extracted_at"]).equals(a.drop_columns(["_extracted_at"])), "the cut answer was stored"


# --- call_status_stats: against call_dispo_report of the same day in the lake --------------------
def test_call_status_stats_runs_after_the_dispo_report_it_is_checked_against() -> None:
    from extract.registry import ordered

    names = [e.name for e in ordered([CSS, DISPO])]
    assert names.index("call_dispo_report") < names.index("call_status_stats")
    assert CSS.verify_reads == ("call_dispo_report",) and "call_dispo_report" not in CSS.needs


def test_call_status_stats_totals_must_equal_the_dispo_totals() -> None:
    css = pa.table({"campaign_id": ["C1", "C2", "IG1"], "total_calls": ["5", "0", "2"]})
    dispo = pa.table({"campaign": ["C1", "C1", "IG1"], "status": ["NA", "SALE", "A"], "calls": ["3", "2", "2"],
                      "total_calls": ["5", "5", "2"]})
    cross_check(CSS, {"call_status_stats": css}, {"call_dispo_report": dispo}, TZ)  # C2: no calls, not listed
    with pytest.raises(ParseError, match="campaign_id IG1 has total_calls = 0 in the answer but 2 in "
                                         "call_dispo_report of the same day in the lake"):
        cross_check(CSS, {"call_status_stats": css.slice(0, 2)}, {"call_dispo_report": dispo}, TZ)


def test_call_status_stats_check_is_skipped_without_the_dispo_partition(
        tmp_path: Path, sim: SimulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    ps = _ps(tmp_path, sim)
    with caplog.at_level("WARNING"):
        assert ps.sync(CSS, D1).status == "success"
    assert "cross check against call_dispo_report skipped: call_dispo_report is not loaded" in caplog.text


def test_call_status_stats_of_the_current_day_is_not_checked_against_a_stored_dispo_report(
        tmp_path: Path, sim: SimulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    """Today both reports move between two pulls: a stored dispo report pulled minutes earlier
    disagrees without any cut (seen: 251 vs 248 calls, six retries, a failed intraday run)."""
    ps = _ps(tmp_path, sim)
    for day in (NOW.date(), D1):
        ps.sync(DISPO, day)
        stored = ps.lake.read("call_dispo_report", "main", day)
        assert stored is not None and stored.num_rows
        # the view as stored earlier: every campaign had one call fewer then
        older = stored.set_column(stored.schema.get_field_index("total_calls"), "total_calls",
                                  pc.subtract(stored["total_calls"], 1))
        ps.lake.write("vicidial", "main", day, {"call_dispo_report": older}, group="call_dispo_report")
    with caplog.at_level("WARNING"):
        assert ps.sync(CSS, NOW.date()).status == "success"
    assert "is the dialer's current day" in caplog.text
    with pytest.raises(ParseError, match="cut short"):  # a finished day is still checked
        ps.sync(CSS, D1)


def test_call_status_stats_cut_row_is_asked_again(tmp_path: Path, sim: SimulatorServer) -> None:
    clean = _ps(tmp_path / "clean", sim)
    clean.sync(DISPO, D1)
    clean.sync(CSS, D1)
    ps = _ps(tmp_path / "cut", sim)
    ps.sync(DISPO, D1)
    sim.ctx.faults.set_spec("call_status_stats:cut_line#1:at=0.2")  # loses campaigns with calls
    assert ps.sync(CSS, D1).status == "success"
    assert sum(r.fired for r in sim.ctx.faults.rules) == 1
    a, b = (p.lake.read("call_status_stats", "main", D1) for p in (clean, ps))
    assert a is not None and b is not None
    assert b.drop_columns(["_extracted_at"]).equals(a.drop_columns(["_extracted_at"])), "the cut answer was stored"


# --- formats with no invariant and no second view: the same request asked again (Confirm) --------
REC = endpoint("recording_lookup")
CONFIRMED = ("recording_lookup", "did_log_export", "lead_status_search", "call_status_stats")


def test_formats_without_invariant_or_second_view_are_confirmed() -> None:
    from extract.registry import ENDPOINTS

    assert sorted(e.name for e in ENDPOINTS if e.confirm is not None) == sorted(CONFIRMED)
    assert all(endpoint(n).confirm.why for n in CONFIRMED)  # type: ignore[union-attr]


def _recordings(ps: PartitionSync) -> pa.Table:
    t = ps.lake.read("recording_lookup", "main", D1)
    assert t is not None
    return t.drop_columns(["_extracted_at"])


def _busy_agent(sim: SimulatorServer) -> str:
    """The agent with the most recordings on D1 (several rows, so a cut can drop some)."""
    calls = sim.ctx.day_log(D1).calls
    users = [u for u, s in zip(calls["user"].to_pylist(), calls["talk_seconds"].to_pylist(), strict=True)
             if u and s]
    return max(set(users), key=users.count)


class _Scripted(httpx.BaseTransport):
    """The real simulator, but the answers to recording_lookup for ``agent`` lose their last
    ``drops[i]`` rows at a line boundary, answer i by answer i (then whole)."""

    def __init__(self, agent: str, drops: list[int]) -> None:
        self.inner, self.agent, self.drops, self.asked = httpx.HTTPTransport(), agent, drops, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resp = self.inner.handle_request(request)
        body = resp.read()
        asked = dict(parse_qsl(request.content.decode())) | dict(request.url.params)
        if asked.get("function") == "recording_lookup" and asked.get("agent_user") == self.agent:
            drop = self.drops[self.asked] if self.asked < len(self.drops) else 0
            self.asked += 1
            lines = body.splitlines(keepends=True)
            body = b"".join(lines[: max(1, len(lines) - drop)])
        return httpx.Response(resp.status_code, headers={"content-type": "text/html"}, content=body)


def _rec_ps(tmp: Path, sim: SimulatorServer, transport: httpx.BaseTransport | None = None) -> PartitionSync:
    ps = _ps(tmp, sim)
    ps.sync(ASE, D1)  # recording_lookup's key source (agents active that day)
    if transport is not None:
        ps.client = DialerClient.from_settings("main", ps.inst, backoff_min_s=0.01, backoff_max_s=0.02,
                                               transport=transport)
    return ps


def test_recording_lookup_cut_at_a_row_boundary_is_asked_again(tmp_path: Path, sim: SimulatorServer) -> None:
    clean = _rec_ps(tmp_path / "clean", sim)
    httpx.delete(f"{sim.url}/_sim/requests")
    clean.sync(REC, D1)
    per_agent = len(httpx.get(f"{sim.url}/_sim/requests", params={"action": "recording_lookup"}).json())
    ps = _rec_ps(tmp_path / "cut", sim)
    httpx.delete(f"{sim.url}/_sim/requests")
    sim.ctx.faults.set_spec("recording_lookup:cut_line#1:at=0.5")
    assert ps.sync(REC, D1).status == "success"
    assert sum(r.fired for r in sim.ctx.faults.rules) == 1
    assert _recordings(ps).equals(_recordings(clean)), "the cut answer was stored"
    asked = len(httpx.get(f"{sim.url}/_sim/requests", params={"action": "recording_lookup"}).json())
    assert per_agent % 2 == 0 and asked == per_agent + 1, "every agent asked twice, the cut one three times"


def test_two_answers_cut_alike_after_a_whole_one_do_not_pass(tmp_path: Path, sim: SimulatorServer) -> None:
    clean = _rec_ps(tmp_path / "clean", sim)
    clean.sync(REC, D1)
    agent = _busy_agent(sim)
    script = _Scripted(agent, [0, 1, 1])  # whole, cut, cut the same way, then whole again
    ps = _rec_ps(tmp_path / "cut", sim, script)
    assert ps.sync(REC, D1).status == "success"
    assert script.asked == 4
    assert _recordings(ps).equals(_recordings(clean))


def test_answers_that_never_agree_fail_the_day_naming_endpoint_agent_and_day(
        tmp_path: Path, sim: SimulatorServer) -> None:
    agent = _busy_agent(sim)
    script = _Scripted(agent, [0, 1, 2, 3, 1, 2, 3])  # 1 + max_attempts (3) answers, no two alike
    ps = _rec_ps(tmp_path, sim, script)
    with pytest.raises(ParseError, match=rf"recording_lookup agent_user={agent} for {D1}: 4 answers to the "
                                         r"same request, no two agree \(rows \d+, \d+, \d+, \d+\); its format "
                                         r"has no completeness invariant"):
        ps.sync(REC, D1)
    assert script.asked == 4 and ps.lake.read("recording_lookup", "main", D1) is None
    row = ps.ledger.get("main", "recording_lookup", D1.isoformat())
    assert row is not None and row.status == "failed" and "no two agree" in (row.error or "")
    assert ParseError.retryable
