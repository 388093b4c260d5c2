"""Cut-short text bodies are never stored as complete (issue #11 point 2, text formats).

Each real (realism=real) simulator response is cut at every line boundary and at several
positions inside every line; a cut that parses without error to a different table is a silent
acceptance. call_dispo_report (TOTAL row) and list_info (one row) reveal every cut. Three formats
reveal cuts at a row boundary through their endpoint's declared cross check (extract.registry
CrossCheck, interpreted by extract.completeness.cross_check), the other side answered in full:
agent_stats_export (grouped vs ungrouped: same users, same calls and pause_time per user),
phone_number_log (the same numbers asked in reverse order: same rows per number) and
call_status_stats (total_calls per campaign / in-group = call_dispo_report's TOTAL CALLS; only a
cut that drops nothing but trailing rows with total_calls = 0 stays silent). did_log_export,
recording_lookup and lead_status_search have no exact second view (see extract.registry): a cut
exactly at a line boundary between whole rows (records) looks like a complete, shorter answer —
the only silent cuts allowed, and they are listed per format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from extract.completeness import cross_check
from extract.errors import ParseError
from extract.parsers import vicidial as v
from extract.registry import BY_NAME
from simulator.server import SimulatorServer

DAY = date(2025, 5, 13)
D = DAY.isoformat()
CRED = {"user": "6666", "pass": "1234", "source": "test"}
TEXT = {"stage": "pipe", "header": "YES"}


@dataclass(frozen=True)
class Format:
    parse: Callable[[bytes], pa.Table]
    path: str
    params: dict[str, str]
    #: which cuts no check can reveal: None = none; "line" = any boundary between lines;
    #: "record" = only between lead_status_search record blocks; "zero_tail" = only boundaries
    #: after which every row has total_calls = 0
    undetectable: str | None
    #: this body is one side of the endpoint's declared cross check: the other side's request
    #: (answered in full), and whether this body is the declared request ("answer") or the check's
    partner: dict[str, str] | None = None
    side: str = "answer"
    endpoint: str = "agent_stats_export"


def _p(fn: Callable[..., dict[str, pa.Table]], fmt: str) -> Callable[[bytes], pa.Table]:
    return lambda body: next(iter(fn(body, fmt).values()))


def _numbers(sim: SimulatorServer) -> str:
    """Three numbers dialed out that day (the request asks type=OUT)."""
    calls = sim.ctx.day_log(DAY).calls
    out = calls.filter(pc.equal(calls["direction"], "OUT"))
    return ",".join(out["phone_number"].to_pylist()[:3])


def _rare_status(sim: SimulatorServer) -> str:
    """The status with the fewest leads that day (at least 3): several records, a quick test."""
    calls = sim.ctx.day_log(DAY).calls
    leads: dict[str, set[int]] = {}
    for st, lead in zip(calls["status"].to_pylist(), calls["lead_id"].to_pylist(), strict=True):
        if lead is not None:
            leads.setdefault(st, set()).add(lead)
    return min((s for s, ids in leads.items() if len(ids) >= 3), key=lambda s: len(leads[s]))


ASE_EP = BY_NAME["agent_stats_export"]
assert ASE_EP.verify is not None
ASE = {"function": "agent_stats_export", **ASE_EP.request_params(D)}
ASE_CHECK = ASE_EP.verify.request(ASE)
ASE_2017 = ASE_CHECK  # 2.14-96 ignores group_by_campaign: both sides are the same request


def _cross_checked(fmt: Format, partner: dict[str, pa.Table] | None, cut: pa.Table) -> bool:
    """True if the declared cross check of a cut body against the other side's full answer fails."""
    if partner is None:
        return False
    ep = BY_NAME[fmt.endpoint]
    this = {ep.tables[0]: cut}
    try:
        cross_check(ep, *((this, partner) if fmt.side == "answer" else (partner, this)), "America/New_York")
    except ParseError:
        return True
    return False


PNL_EP, CSS_EP = BY_NAME["phone_number_log"], BY_NAME["call_status_stats"]
assert PNL_EP.verify is not None and CSS_EP.verify is not None and CSS_EP.verify.other == "call_dispo_report"
DISPO = {"function": "call_dispo_report", **BY_NAME["call_dispo_report"].request_params(D)}


def _pnl(s: SimulatorServer) -> dict[str, str]:
    return {"function": "phone_number_log", **PNL_EP.request_params(D), "phone_number": _numbers(s), "type": "OUT"}


FORMATS: dict[str, Callable[[SimulatorServer], Format]] = {
    "call_dispo_report": lambda s: Format(_p(v.call_dispo_report, "csv"), "/vicidial/non_agent_api.php", {
        "function": "call_dispo_report", "campaigns": "ALLCAMPAIGNS", "ingroups": "ALLGROUPS", "query_date": D,
        "end_date": D, "status_breakdown": "1"}, None),
    "call_dispo_report_pct": lambda s: Format(_p(v.call_dispo_report, "csv"), "/vicidial/non_agent_api.php", {
        "function": "call_dispo_report", "campaigns": "ALLCAMPAIGNS", "query_date": D, "end_date": D,
        "status_breakdown": "1", "show_percentages": "1"}, None),
    "call_dispo_report_totals_only": lambda s: Format(_p(v.call_dispo_report, "csv"), "/vicidial/non_agent_api.php", {
        "function": "call_dispo_report", "campaigns": "ALLCAMPAIGNS", "query_date": D, "end_date": D}, None),
    "list_info": lambda s: Format(_p(v.list_info, "pipe"), "/vicidial/non_agent_api.php", {
        "function": "list_info", "list_id": str(s.ctx.world.lists["list_id"][0].as_py()), "leads_counts": "Y",
        **TEXT}, None),
    "call_status_stats": lambda s: Format(_p(v.call_status_stats, "pipe"), "/vicidial/non_agent_api.php", {
        "function": "call_status_stats", **CSS_EP.request_params(D)}, "zero_tail", partner=DISPO,
        endpoint="call_status_stats"),
    "agent_stats_export": lambda s: Format(_p(v.agent_stats_export, "pipe"), "/vicidial/non_agent_api.php",
                                           ASE, None, partner=ASE_CHECK),
    "agent_stats_export_check": lambda s: Format(_p(v.agent_stats_export, "pipe"), "/vicidial/non_agent_api.php",
                                                 ASE_CHECK, None, partner=ASE, side="check"),
    "agent_stats_export_2017": lambda s: Format(_p(v.agent_stats_export, "pipe"), "/adminpanel/api.php",
                                                ASE_2017, None, partner=ASE_2017),
    "phone_number_log": lambda s: Format(_p(v.phone_number_log, "pipe"), "/vicidial/non_agent_api.php", _pnl(s),
                                         None, partner=PNL_EP.verify.request(_pnl(s)), endpoint="phone_number_log"),
    "phone_number_log_check": lambda s: Format(_p(v.phone_number_log, "pipe"), "/vicidial/non_agent_api.php",
                                               PNL_EP.verify.request(_pnl(s)), None, partner=_pnl(s), side="check",
                                               endpoint="phone_number_log"),
    "did_log_export": lambda s: Format(_p(v.did_log_export, "pipe"), "/vicidial/non_agent_api.php", {
        "function": "did_log_export", "phone_number": s.ctx.world.dids["did_pattern"][0].as_py(), "date": D,
        **TEXT}, "line"),
    "recording_lookup": lambda s: Format(_p(v.recording_lookup, "pipe"), "/vicidial/non_agent_api.php", {
        "function": "recording_lookup", "agent_user": s.ctx.day_log(DAY).agent_states["user"][0].as_py(),
        "date": D, **TEXT}, "line"),
    "lead_status_search": lambda s: Format(_p(v.lead_status_search, "pipe"), "/vicidial/non_agent_api.php", {
        "function": "lead_status_search", "status": _rare_status(s), "date": D}, "record"),
}


def _cuts(body: bytes) -> list[int]:
    """Every line boundary (after each newline and just before it) and 1, mid, -1 inside each line."""
    out: set[int] = {0}
    start = 0
    for end in [i for i, b in enumerate(body) if b == 0x0A] + [len(body)]:
        length = end - start
        out.update({start, end, start + 1, start + length // 2, end - 1})
        out.add(end + 1)
        start = end + 1
    return sorted(p for p in out if 0 <= p < len(body))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_cut_is_detected_or_listed(simulator: SimulatorServer, name: str) -> None:
    fmt = FORMATS[name](simulator)
    body = httpx.get(simulator.url + fmt.path, params={**CRED, **fmt.params}, timeout=120).content
    full = fmt.parse(body)
    partner = None
    if fmt.partner is not None:
        ep = BY_NAME[fmt.endpoint]
        other = ep.verify.other if ep.verify is not None and ep.verify.other else ep.tables[0]
        answer = httpx.get(simulator.url + fmt.path, params={**CRED, **fmt.partner}, timeout=120).content
        partner = BY_NAME[other].parse(answer, "csv" if other == "call_dispo_report" else "pipe")
    assert full.num_rows >= (1 if name == "list_info" else 2), name  # list_info: one list, one row
    silent: list[int] = []
    for pos in _cuts(body):
        try:
            got = fmt.parse(body[:pos])
        except ParseError:
            continue
        if got.to_pylist() != full.to_pylist() and not _cross_checked(fmt, partner, got):
            silent.append(pos)
    at_boundary = [p for p in silent if body[p - 1:p] == b"\n"]
    if fmt.undetectable is None:
        assert silent == [], f"{name}: silent cuts at {silent[:5]}"
        return
    # nothing inside a line is ever accepted
    assert silent == at_boundary, f"{name}: silent cuts inside a line at {sorted(set(silent) - set(at_boundary))[:5]}"
    if fmt.undetectable == "zero_tail":
        kept = [len(fmt.parse(body[:p])) for p in at_boundary]
        tails = [full["total_calls"].to_pylist()[n:] for n in kept]
        assert all(set(t) <= {"0"} for t in tails), f"{name}: silent cut dropping rows with calls at {at_boundary}"
        return
    if fmt.undetectable == "record":
        starts = [p for p in at_boundary if body[p:].startswith(b";---------- START OF RECORD")]
        assert at_boundary == starts, f"{name}: silent cut inside a record at {sorted(set(at_boundary) - set(starts))}"
    # the undetectable cuts are exactly the boundaries between whole rows (documented limit)
    assert 0 < len(at_boundary) < full.num_rows + 1, (name, len(at_boundary))
