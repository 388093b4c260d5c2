"""VICIdial `/vicidial/non_agent_api.php` and Dialer360 `/adminpanel/api.php`.

`handle(params, ctx, surface)` is what the server routes to. It follows the real script's
order: `version` answers without login; then credentials (and lockout); then the user
group's allowed-function list; then the function, which checks its own user level and
flags. Unknown functions — and, on Dialer360, the functions its document does not list —
fall through to `ERROR: NO FUNCTION SPECIFIED`, as the PHP does. Everything answers HTTP 200
text/html except call_dispo_report (text/plain).

Output forms: `ctx.realism == "real"` (default) prints what production servers print
(api-facts.md); `"docs"` prints the forms of the API documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from starlette.responses import Response

from simulator import nonagent_leads as leads
from simulator import nonagent_lists as lists
from simulator import nonagent_reports as reports
from simulator.config import Realism
from simulator.context import Params, SimContext
from simulator.nonagent_auth import authenticate, clean_credential, function_denied
from simulator.nonagent_call import Call
from simulator.nonagent_text import HTML, TextResponse

Handler = Callable[[Call], "str | TextResponse"]

FUNCTIONS: dict[str, Handler] = {
    "agent_stats_export": reports.agent_stats_export,
    "call_dispo_report": reports.call_dispo_report,
    "call_status_stats": reports.call_status_stats,
    "phone_number_log": reports.phone_number_log,
    "did_log_export": reports.did_log_export,
    "recording_lookup": reports.recording_lookup,
    "lead_status_search": reports.lead_status_search,
    "list_info": lambda call: lists.list_info(call, last_call=lambda lid: reports.list_last_call(call, lid)),
    "add_lead": leads.add_lead,
    "update_lead": leads.update_lead,
    "add_list": lists.add_list,
    "update_list": lists.update_list,
}

#: Dialer360's document (2017) lists neither of these; its server falls through to NO FUNCTION.
DIALER360_MISSING = frozenset({"call_dispo_report", "list_info", "lead_status_search", "call_status_stats"})

SURFACE_FUNCTIONS: dict[str, frozenset[str]] = {
    "vicidial": frozenset(FUNCTIONS),
    "dialer360": frozenset(FUNCTIONS) - DIALER360_MISSING,
}

#: (version, build) per surface and realism.
VERSIONS = {
    ("vicidial", "real"): ("2.14-202", "250720-1841"),
    ("vicidial", "docs"): ("2.4-34", "110424-0854"),
    ("dialer360", "real"): ("2.4-34", "110424-0854"),
    ("dialer360", "docs"): ("2.4-34", "110424-0854"),
}

NO_FUNCTION = "ERROR: NO FUNCTION SPECIFIED\n"

_CLEAN_FUNCTION = re.compile(r"[^-_0-9a-zA-Z]")


def first(params: Params, name: str) -> str:
    """The first value of `name` ("" when absent), as PHP's `$_REQUEST[name]` (GET wins)."""
    return params.get(name) or ""


def _offset_hours(td: timedelta | None) -> float:
    return (td or timedelta()).total_seconds() / 3600.0


def version_line(ctx: SimContext, surface: str, realism_: Realism) -> str:
    """`VERSION: ...|BUILD: ...|DATE: ...|EPOCH: ...|DST: ...|TZ: ...|TZNOW: ...|` (no login needed)."""
    local = ctx.clock.now_local()
    aware = local.replace(tzinfo=ctx.tz)
    epoch = int(aware.timestamp())
    off = _offset_hours(aware.utcoffset())
    dst = _offset_hours(aware.dst())
    std = off - dst
    ver, build = VERSIONS[(surface if surface in SURFACE_FUNCTIONS else "vicidial", realism_)]
    if realism_ == "real":
        tz_s, tznow_s = f"{std:.2f}", f"{off:.2f}"
    else:
        tz_s, tznow_s = _php_num(std), _php_num(off)
    return (f"VERSION: {ver}|BUILD: {build}|DATE: {local:%Y-%m-%d %H:%M:%S}|EPOCH: {epoch}|"
            f"DST: {1 if dst else 0}|TZ: {tz_s}|TZNOW: {tznow_s}|\n")


def _php_num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _respond(result: str | TextResponse) -> tuple[bytes, str] | Response:
    if isinstance(result, TextResponse):
        if result.status != 200:  # a PHP fatal error: the only non-200 the script produces
            return Response(result.body, status_code=result.status, media_type=result.content_type)
        return result.body, result.content_type
    return result.encode("utf-8"), HTML


def handle(params: Params, ctx: SimContext, surface: str = "vicidial") -> tuple[bytes, str] | Response:
    """Serve one request of the VICIdial-family text API; returns (body, content type), or a
    Response when the real server would fail with another HTTP status."""
    realism_ = ctx.realism
    function = _CLEAN_FUNCTION.sub("", first(params, "function"))
    if function == "version":
        return _respond(version_line(ctx, surface, realism_))
    user = clean_credential(first(params, "user"))
    password = clean_credential(first(params, "pass"))
    account, error = authenticate(ctx, user, password)
    if account is None:
        return _respond(error)
    if function and not account.may_call(function):
        return _respond(function_denied(realism_, user, function))
    allowed = SURFACE_FUNCTIONS.get(surface, SURFACE_FUNCTIONS["vicidial"])
    handler = FUNCTIONS.get(function) if function in allowed else None
    if handler is None:
        return _respond(NO_FUNCTION)
    call = Call(params=params, ctx=ctx, user=account, realism=realism_, function=function, surface=surface)
    return _respond(handler(call))


__all__ = ["FUNCTIONS", "SURFACE_FUNCTIONS", "first", "handle", "version_line"]
