"""Every endpoint dialsync pulls, as data.

One `Endpoint` per report or dimension: which surface and action, how a partition day
maps to request parameters, which parser turns the body into which raw tables, and how
the request fans out when one request per day is not enough. `extract/sync.py` is the
only code that interprets these entries; adding an endpoint means adding a row here
(and its columns in `extract/schemas.py`), not writing a new function.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

Kind = Literal["daily", "snapshot"]
#: How requests for one partition are formed:
#: single – one request with `params`;
#: phone_numbers – comma-joined batches of the numbers dialed that day (from other partitions);
#: per_key – one request per key (campaign, list, DID, agent) from other partitions;
Fanout = Literal["single", "phone_numbers", "per_key"]

ALL_PLATFORMS = frozenset({"crocodial", "vicidial", "dialer360"})
NON_AGENT = frozenset({"crocodial", "vicidial"})  # Dialer360 lacks several report functions
CROCO = frozenset({"crocodial"})


@dataclass(frozen=True)
class KeySource:
    """Where the keys of a fan-out come from: a column of another raw table's partition.

    ``when_missing`` restricts a source to instances that lack that endpoint (a plain
    VICIdial has no CDR reports to take dialed numbers from).
    """

    table: str
    column: str
    same_day: bool = True  # False: latest partition of a snapshot table
    when_missing: str | None = None


@dataclass(frozen=True)
class Variant:
    """Ask every request once per value of ``param`` and tag its rows with ``column`` = value.

    For answers that do not say which variant they are (phone_number_log ``type=OUT`` and
    ``type=IN`` rows look alike; ``type=ALL`` cannot be told apart).
    """

    param: str
    values: tuple[str, ...]
    column: str


PER_DIRECTION = (Variant("type", ("OUT", "IN"), "direction"),)


#: in ``CrossCheck.sums``: the number of rows per key, not a column's sum
ROWS = "*"


@dataclass(frozen=True)
class CrossCheck:
    """A second view of the same data whose per-key figures must equal the first's.

    For a text report without totals, a cut exactly at a row boundary looks like a complete,
    shorter answer (a PHP script killed by max_execution_time flushes whole lines). A second
    view of the same window reveals it: per ``key``, the sums of ``sums`` (``ROWS``: the row
    count) over the answer's rows must equal the second view's. Only figures that are exact in
    both views belong here. The second view is one of:

    * another request (``other`` unset): the first one with ``without`` removed, ``params``
      set and the comma list in ``reverse`` asked in reverse order (an answer printed in the
      order of its keys then loses its tail on another key). Either answer may be the cut one;
    * another endpoint's partition of the same day in the lake (``other``: its raw table,
      ``other_key`` / ``other_sums`` its columns, ``other_agg`` how its rows add up per key).
      The sync orders that endpoint first (``Endpoint.verify_reads``); when its partition is
      missing, not loaded, or older than ``fresh_s`` seconds the check is skipped and logged.

    Keys: both views must name the same keys, unless ``absent_is_zero`` (a view that omits
    zero rows, like call_dispo_report): then a key missing from one side counts 0 there.
    """

    key: str
    sums: tuple[str, ...]
    without: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)
    reverse: str | None = None
    other: str | None = None
    other_key: str | None = None
    other_sums: tuple[str, ...] = ()
    other_agg: Literal["sum", "max"] = "sum"
    absent_is_zero: bool = False
    fresh_s: float = 3600.0

    def request(self, first: Mapping[str, str]) -> dict[str, str]:
        out = {**{k: v for k, v in first.items() if k not in self.without}, **self.params}
        if self.reverse and self.reverse in out:
            out[self.reverse] = ",".join(reversed(out[self.reverse].split(",")))
        return out

    def describe(self) -> str:
        if self.other:
            return f"{self.other} of the same day in the lake"
        return "the check request (" + ", ".join(
            [f"without {p}" for p in self.without] + [f"{k}={v}" for k, v in self.params.items()]
            + ([f"{self.reverse} reversed"] if self.reverse else [])) + ")"


@dataclass(frozen=True)
class Confirm:
    """Accept an answer only once the same request, asked again, gives the same tables.

    For a text format with no completeness invariant (no TOTAL row, no count printed anywhere,
    every line terminated by ``\\n``: a body cut at a row boundary is a valid, shorter answer)
    and no exact second view (``CrossCheck``). A cut is a rare, independent event, so two
    answers that agree are whole; an answer is accepted when it equals an earlier one and no
    earlier answer had more rows (two answers cut at the same row boundary after a whole one
    must not pass). Otherwise the same request is asked again, up to 1 + ``max_attempts``
    answers, then the partition fails with a retryable ParseError naming endpoint, key and day.

    Cost: one more request per request at best (these endpoints' requests double), one more
    per disagreement. A day whose data changes between the two answers (today's, while agents
    work) may need a third. It catches cuts that differ between answers (a proxy, a dropped
    connection, a script killed at a varying point), not a server that cuts every answer at the
    same row. ``why`` says why no cheaper exact check exists for the format.
    """

    why: str


@dataclass(frozen=True)
class Endpoint:
    name: str
    surface: Literal["goapi", "non_agent_api"]
    action: str
    parser: str  # "module:function" under extract.parsers, resolved lazily
    tables: tuple[str, ...]
    platforms: frozenset[str]
    kind: Kind = "daily"
    module: str | None = None  # goAPI module (goReports, goUsers, ...)
    params: Mapping[str, str] = field(default_factory=dict)  # {day} is replaced by YYYY-MM-DD
    fanout: Fanout = "single"
    key_param: str | None = None  # request param that carries the fan-out key
    keys: tuple[KeySource, ...] = ()
    variants: tuple[Variant, ...] = ()  # each request once per value, rows tagged (see Variant)
    #: at the result limit: halve the key batch, fail ("none"), or keep the rows and warn
    #: ("warn": nothing finer to ask, e.g. lead_status_search has only status + date);
    #: "tenant_profile" / "users": re-ask by the report's own filters (`extract.split.FILTERS`)
    limit_split: Literal["halve", "none", "warn", "tenant_profile", "users"] = "none"
    limit_setting: str = "result_limit"  # the InstanceSettings field holding the server's limit
    #: an HTTP 500 means "this API user may not" (lead_status_search for a campaign-restricted
    #: user dies in SQL, PHP 8 answers 500): a permission error, never retried
    server_error_is_permission: bool = False
    restate: bool = False  # past partitions change after the day (CDRs, dispositions)
    #: a snapshot that maps the ids in any day's facts (users, campaigns, lists ...): a sync of
    #: past days takes today's when the lake has none for the range (the dialer keeps no history)
    dimension: bool = False
    keep_day_column: str | None = None  # drop rows whose value in this datetime column is not the day
    #: a second request whose per-key sums must agree with each request's (see CrossCheck)
    verify: CrossCheck | None = None
    #: ask every request twice and accept only answers that agree (see Confirm)
    confirm: Confirm | None = None
    #: platforms where no mart reads this endpoint's tables: synced there only when an instance
    #: lists it in ``extra_endpoints`` (or a sync names it); its cost buys nothing a mart shows
    opt_in: frozenset[str] = frozenset()
    description: str = ""

    @property
    def verify_reads(self) -> tuple[str, ...]:
        """Raw tables of other endpoints ``verify`` compares with (synced first, not a fan-out key)."""
        return (self.verify.other,) if self.verify is not None and self.verify.other else ()

    @property
    def needs(self) -> tuple[str, ...]:
        """Raw tables this endpoint reads to plan its requests (sync and Dagster order on it)."""
        return tuple(dict.fromkeys(k.table for k in self.keys if k.table != "config"))

    def request_params(self, day: str) -> dict[str, str]:
        return {k: v.format(day=day) for k, v in self.params.items()}

    def parse_fn(self) -> Callable[[bytes, str], dict[str, pa.Table]]:
        mod, fn = self.parser.split(":")
        return getattr(importlib.import_module(f"extract.parsers.{mod}"), fn)

    def supported_on(self, platform: str, surfaces: tuple[str, ...]) -> bool:
        return platform in self.platforms and self.surface in surfaces

    def runs_on(self, platform: str, surfaces: tuple[str, ...], extra: Collection[str] = ()) -> bool:
        """Synced by default runs: offered, and either not opt-in on ``platform`` or in ``extra``."""
        return self.supported_on(platform, surfaces) and (platform not in self.opt_in or self.name in extra)


_DAY = {"fromDate": "{day}", "toDate": "{day}"}
_TEXT = {"stage": "pipe", "header": "YES"}

ENDPOINTS: tuple[Endpoint, ...] = (
    # --- croco-dial goReports: one request per day ----------------------------------------
    Endpoint("outbound_cdr", "goapi", "outbound_cdr", "goapi:outbound_cdr",
             ("outbound_cdr", "outbound_cdr_summary"), CROCO, module="goReports", params=_DAY,
             restate=True, limit_split="tenant_profile",
             description="Outbound calls, one row per call; summary rows per campaign."),
    Endpoint("inbound_cdr", "goapi", "inbound_cdr", "goapi:inbound_cdr", ("inbound_cdr",), CROCO,
             module="goReports", params=_DAY, restate=True, limit_split="tenant_profile",
             description="Inbound calls (uniq1)."),
    Endpoint("agent_cdr", "goapi", "agent_cdr", "goapi:agent_cdr", ("agent_cdr",), CROCO,
             module="goReports", params=_DAY, restate=True, limit_split="tenant_profile",
             description="Calls per agent."),
    Endpoint("agent_report", "goapi", "exportAgentReport", "goapi:agent_report",
             ("agent_report", "agent_report_summary"), CROCO, module="goReports", params=_DAY,
             restate=True, limit_split="users",
             description="Agent activity per user × portfolio, Summary/Average/Max/Min."),
    Endpoint("agent_calls_report", "goapi", "agent_calls_report", "goapi:agent_calls_report",
             ("agent_calls_report",), CROCO, module="goReports", params=_DAY, restate=True,
             limit_split="tenant_profile", description="Calls summary per agent."),
    Endpoint("pause_report", "goapi", "exportPauseReport", "goapi:pause_report", ("pause_report",),
             CROCO, module="goReports", params=_DAY, restate=True, limit_split="users",
             description="Pause seconds per agent and installation-specific pause code (long)."),
    Endpoint("inbound_summary_stats", "goapi", "inbound_summary_stats", "goapi:inbound_summary_stats",
             ("inbound_summary_stats",), CROCO, module="goReports", params=_DAY, restate=True,
             description="Inbound totals per day; abandon1 >20 s vs abandon2 all."),
    Endpoint("agent_summary_stats", "goapi", "agent_summary_stats", "goapi:agent_summary_stats",
             ("agent_summary_stats",), CROCO, kind="snapshot", module="goReports",
             description="Server's current day only; partition taken from the response's `dates`."),
    # --- croco-dial dimension snapshots ---------------------------------------------------
    Endpoint("users", "goapi", "goGetAllUsers", "goapi:users", ("users",), CROCO, kind="snapshot", dimension=True,
             module="goUsers", description="All user accounts."),
    Endpoint("portfolios", "goapi", "getAllPortfolios", "goapi:portfolios", ("portfolios",), CROCO,
             kind="snapshot", dimension=True, module="goUsers", description="Portfolios (tenants)."),
    Endpoint("profiles", "goapi", "getAllProfiles", "goapi:profiles", ("profiles",), CROCO,
             kind="snapshot", dimension=True, module="goUsers", description="Profiles."),
    Endpoint("campaigns", "goapi", "goGetAllCampaigns", "goapi:campaigns", ("campaigns",), CROCO,
             kind="snapshot", dimension=True, module="goCampaigns", description="All campaigns."),
    Endpoint("calltimes", "goapi", "goGetAllCalltimes", "goapi:calltimes", ("calltimes",), CROCO,
             kind="snapshot", dimension=True, module="goCalltimes",
             description="Call time definitions (column-oriented)."),
    Endpoint("hopper", "goapi", "getLeadsOnHopper", "goapi:hopper", ("hopper",), CROCO, kind="snapshot",
             module="goCampaigns", fanout="per_key", key_param="campaign_id",
             keys=(KeySource("campaigns", "id"),), description="Leads in the hopper, per campaign."),
    # --- VICIdial non_agent_api (croco-dial runs on VICIdial; Dialer360 has a subset) ------
    Endpoint("agent_stats_export", "non_agent_api", "agent_stats_export", "vicidial:agent_stats_export",
             ("agent_stats_export",), ALL_PLATFORMS,
             params={"datetime_start": "{day} 00:00:00", "datetime_end": "{day} 23:59:59",
                     "time_format": "S", "group_by_campaign": "YES", **_TEXT},
             restate=True,
             # calls and pause_time are exact in both groupings; without group_by_campaign
             # 2.14-202 counts the first dispo row twice (dispo_time, login_time) and prints
             # wait/talk/dispo/dead as 0 per row with calls = 0, so those cannot be compared.
             # On 2.14-96 (Dialer360, grouping ignored) the two answers must simply be equal.
             verify=CrossCheck("user", ("calls", "pause_time"), without=("group_by_campaign",)),
             description="Agent time and calls per user × campaign (group_by_campaign: exact figures; "
                         "2.14-96 ignores it and answers per user). Checked against the ungrouped "
                         "answer per user, which reveals a cut at a row boundary."),
    Endpoint("call_status_stats", "non_agent_api", "call_status_stats", "vicidial:call_status_stats",
             ("call_status_stats",), NON_AGENT, params={"campaigns": "---ALL---", "query_date": "{day}"},
             restate=True,
             # total_calls per campaign / in-group = call_dispo_report's TOTAL CALLS of the row of the
             # same id and day (both count the day's calls per campaign and per in-group; the dispo
             # report omits ids without calls, hence absent = 0). A cut that drops only trailing rows
             # with total_calls = 0 cannot be seen by it: no other view lists the ids with no calls,
             # so the answer is also confirmed (one request a day: +1 request per day).
             verify=CrossCheck("campaign_id", ("total_calls",), other="call_dispo_report", other_key="campaign",
                               other_sums=("total_calls",), other_agg="max", absent_is_zero=True),
             confirm=Confirm("one line per campaign then in-group, no count; the campaigns without calls "
                             "are listed by no other function of a plain VICIdial"),
             description="Calls per campaign/in-group with hourly and status breakdowns; checked against "
                         "call_dispo_report's TOTAL CALLS per campaign/in-group of the same day."),
    Endpoint("call_dispo_report", "non_agent_api", "call_dispo_report", "vicidial:call_dispo_report",
             ("call_dispo_report",), NON_AGENT,
             params={"campaigns": "ALLCAMPAIGNS", "ingroups": "ALLGROUPS", "query_date": "{day}",
                     "end_date": "{day}", "status_breakdown": "1"},
             restate=True, description="Calls per campaign/in-group and status (long)."),
    Endpoint("lead_status_search", "non_agent_api", "lead_status_search", "vicidial:lead_status_search",
             ("lead_status_search",), NON_AGENT, params={"date": "{day}"},
             # read only to give phone_number_log calls a lead id; croco-dial's calls are its CDRs
             opt_in=CROCO,
             fanout="per_key", key_param="status", keys=(KeySource("call_dispo_report", "status"),),
             limit_split="warn", limit_setting="lead_search_limit", server_error_is_permission=True, restate=True,
             # No exact second view: the block holds each lead's *current* status and the `date`
             # filter is on the lead row, while call_dispo_report counts the day's calls by the
             # call's status; a lead re-dispositioned or called again later moves to another
             # status, so neither "leads per status <= calls per status" nor equality holds.
             # Records are numbered (START OF RECORD n) but their total is printed nowhere: a cut
             # between two whole record blocks is caught only by asking again (2 requests per status).
             confirm=Confirm("record blocks numbered from 1, no total; no exact second view"),
             description="Leads called that day, per status of the day's call_dispo_report (current lead fields)."),
    Endpoint("phone_number_log", "non_agent_api", "phone_number_log", "vicidial:phone_number_log",
             ("phone_number_log",), ALL_PLATFORMS, params={"detail": "ALL", **_TEXT},
             # croco-dial's call stream is its CDRs (int_calls ignores phone_number_log there)
             opt_in=CROCO,
             fanout="phone_numbers", key_param="phone_number",
             keys=(KeySource("outbound_cdr", "dst"), KeySource("inbound_cdr", "src"),
                   KeySource("did_log_export", "caller_id_number"),
                   KeySource("lead_status_search", "phone_number", when_missing="outbound_cdr")),
             variants=PER_DIRECTION, limit_split="halve", restate=True, keep_day_column="call_date",
             # the answer prints each number's rows in the order the numbers were asked: asked
             # reversed, a cut at a row boundary loses another number's rows, so the per-number
             # row counts disagree (also a number whose rows were cut away entirely)
             verify=CrossCheck("phone_number", (ROWS,), reverse="phone_number"),
             description="Every call to the numbers dialed that day, asked per direction (type=OUT, type=IN); "
                         "rows kept when call_date is the day."),
    Endpoint("did_log_export", "non_agent_api", "did_log_export", "vicidial:did_log_export",
             ("did_log_export",), ALL_PLATFORMS, params={"date": "{day}", **_TEXT},
             # no mart reads it; elsewhere its callers are phone_number_log's keys (no inbound CDR)
             opt_in=CROCO,
             fanout="per_key", key_param="phone_number",
             keys=(KeySource("inbound_cdr", "dst"), KeySource("config", "dids")),
             restate=True,
             # No exact second view: one DID and one day per request, no other parameter that
             # reorders or regroups the rows. vicidial_did_log has every call that reached the DID
             # (IVR hang-ups, after-hours routes included) while call_dispo_report's DID rows and
             # inbound_cdr count calls that reached an in-group; in the simulator they coincide,
             # on a real server they do not. A cut between two whole rows is caught only by asking
             # again (2 requests per DID and day).
             confirm=Confirm("one terminated line per call, no count; no exact second view"),
             description="Inbound calls per DID (DIDs from inbound CDRs and config)."),
    Endpoint("recording_lookup", "non_agent_api", "recording_lookup", "vicidial:recording_lookup",
             ("recording_lookup",), ALL_PLATFORMS, params={"date": "{day}", **_TEXT},
             opt_in=ALL_PLATFORMS,  # no mart of any platform reads recordings
             fanout="per_key", key_param="agent_user", keys=(KeySource("agent_stats_export", "user"),),
             restate=True,
             # No exact second view: recordings depend on each campaign's recording setting and
             # on the agent (ONDEMAND, NEVER, a call with no talk), so agent_stats_export's calls
             # per user bound nothing exactly; one agent and one day per request. A cut between
             # two whole rows is caught only by asking again (2 requests per agent and day).
             confirm=Confirm("one terminated line per recording, no count; no exact second view"),
             description="Recordings per agent active that day."),
    Endpoint("list_info", "non_agent_api", "list_info", "vicidial:list_info", ("list_info",), NON_AGENT,
             kind="snapshot", dimension=True, params={"leads_counts": "Y", **_TEXT},
             fanout="per_key", key_param="list_id",
             keys=(KeySource("outbound_cdr", "list_id", same_day=False), KeySource("config", "list_ids")),
             description="List settings and lead counts, per known list (from CDRs and config)."),
)

BY_NAME: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}
TABLES: dict[str, Endpoint] = {t: e for e in ENDPOINTS for t in e.tables}


def endpoint(name: str) -> Endpoint:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown endpoint {name!r}; known: {', '.join(BY_NAME)}") from None


def ordered(endpoints: list[Endpoint] | tuple[Endpoint, ...]) -> list[Endpoint]:
    """Endpoints in an order where every fan-out runs after the tables it reads, and every
    cross-checked endpoint after the one its check reads."""
    chosen = {e.name for e in endpoints}
    done: list[Endpoint] = []
    seen: set[str] = set()

    def visit(e: Endpoint) -> None:
        if e.name in seen:
            return
        seen.add(e.name)
        for t in (*e.needs, *e.verify_reads):
            dep = TABLES.get(t)
            if dep is not None and dep.name in chosen:
                visit(dep)
        done.append(e)

    for e in endpoints:
        visit(e)
    return done
