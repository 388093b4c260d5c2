"""Pure response parsers: bytes in, Arrow out.

Each parser is ``(body, fmt) -> dict[raw_table_name, pa.Table]`` with all-string columns under
the API's own field names (server order) plus ``_source_row`` (see docs/contracts.md).
``PARSERS`` maps the endpoint (goAction / VICIdial function) to its parser and output tables,
so the registry can refer to parsers by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from extract.parsers import goapi, vicidial


@dataclass(frozen=True)
class ParserSpec:
    """A parser and the raw tables it returns."""

    parse: Callable[..., dict[str, pa.Table]]
    tables: tuple[str, ...]


PARSERS: dict[str, ParserSpec] = {
    # goAPIv2 goAction → parser (fmt: "json" | "xml")
    "outbound_cdr": ParserSpec(goapi.outbound_cdr, ("outbound_cdr", "outbound_cdr_summary")),
    "inbound_cdr": ParserSpec(goapi.inbound_cdr, ("inbound_cdr",)),
    "agent_cdr": ParserSpec(goapi.agent_cdr, ("agent_cdr",)),
    "exportAgentReport": ParserSpec(goapi.agent_report, ("agent_report", "agent_report_summary")),
    "agent_calls_report": ParserSpec(goapi.agent_calls_report, ("agent_calls_report",)),
    "exportPauseReport": ParserSpec(goapi.pause_report, ("pause_report",)),
    "inbound_summary_stats": ParserSpec(goapi.inbound_summary_stats, ("inbound_summary_stats",)),
    "agent_summary_stats": ParserSpec(goapi.agent_summary_stats, ("agent_summary_stats",)),
    "goGetAllUsers": ParserSpec(goapi.users, ("users",)),
    "getAllPortfolios": ParserSpec(goapi.portfolios, ("portfolios",)),
    "getAllProfiles": ParserSpec(goapi.profiles, ("profiles",)),
    "goGetAllCampaigns": ParserSpec(goapi.campaigns, ("campaigns",)),
    "goGetAllCalltimes": ParserSpec(goapi.calltimes, ("calltimes",)),
    "getLeadsOnHopper": ParserSpec(goapi.hopper, ("hopper",)),
    # VICIdial / Dialer360 function → parser (fmt: stage "pipe" | "csv" | "tab")
    "agent_stats_export": ParserSpec(vicidial.agent_stats_export, ("agent_stats_export",)),
    "call_dispo_report": ParserSpec(vicidial.call_dispo_report, ("call_dispo_report",)),
    "call_status_stats": ParserSpec(vicidial.call_status_stats, ("call_status_stats",)),
    "phone_number_log": ParserSpec(vicidial.phone_number_log, ("phone_number_log",)),
    "did_log_export": ParserSpec(vicidial.did_log_export, ("did_log_export",)),
    "recording_lookup": ParserSpec(vicidial.recording_lookup, ("recording_lookup",)),
    "list_info": ParserSpec(vicidial.list_info, ("list_info",)),
    "lead_status_search": ParserSpec(vicidial.lead_status_search, ("lead_status_search",)),
}
"""Endpoint → parser. Not raw tables (helpers): ``vicidial.version``."""

__all__ = ["PARSERS", "ParserSpec", "goapi", "vicidial"]
