"""VICIdial non_agent_api endpoints (also served by croco-dial, which runs on VICIdial, and by
Dialer360, which lacks several functions), with their raw tables.

The text formats are checked for completeness here as data: a TOTAL row (call_dispo_report),
a second view (`CrossCheck`) or asking again (`Confirm`). How to add one: docs/contracts.md.
"""

from __future__ import annotations

from extract.endpoint import (
    ALL_PLATFORMS,
    CROCO,
    NON_AGENT,
    PER_DIRECTION,
    ROWS,
    Confirm,
    CrossCheck,
    Endpoint,
    FlagFalse,
    KeySource,
    Table,
)
from extract.parsers import vicidial as v

_TEXT = {"stage": "pipe", "header": "YES"}



AGENT_STATS_EXPORT = Table(
    "agent_stats_export",
    grain=("campaign_id", "user"),
    optional=frozenset({"campaign_id", "total_wait_time", "wait_time", "talk_time",
                                     "dispo_time", "dead_time"}),
    columns={
        "campaign_id": "str", "user": "str", "full_name": "str", "user_group": "str",
        "calls": "int", "login_time": "seconds", "total_talk_time": "seconds",
        "avg_talk_time": "seconds", "avg_wait_time": "seconds", "pct_of_queue": "pct",
        "pause_time": "seconds", "sessions": "int", "avg_session": "seconds", "pauses": "int",
        "avg_pause_time": "seconds", "pause_pct": "pct", "pauses_per_session": "float",
        "total_wait_time": "seconds", "wait_time": "seconds", "talk_time": "seconds",
        "dispo_time": "seconds", "dead_time": "seconds",
    },
)

CALL_STATUS_STATS = Table(
    "call_status_stats",
    grain=("campaign_id",),
    columns={
        "campaign_id": "str", "total_calls": "int", "human_answered_calls": "int",
        "hourly_breakdown": "str", "status_breakdown": "str",
    },
)

CALL_DISPO_REPORT = Table(
    "call_dispo_report",
    grain=("campaign", "status"),
    statuses=("status", "campaign", "calls"),
    columns={
        "campaign": "str", "status": "str", "calls": "int", "total_calls": "int",
        "row_sum_matches": "bool",
    },
)

# record blocks; the documented block has only lead_id..phone_number, the real one every
# vicidial_list column; custom fields arrive as drift columns
LEAD_STATUS_SEARCH = Table(
    "lead_status_search",
    grain=("lead_id",),
    optional=frozenset({
        "entry_date", "modify_date", "called_since_last_reset", "title", "first_name", "middle_initial",
        "last_name", "address1", "address2", "address3", "city", "state", "province", "postal_code",
        "country_code", "gender", "date_of_birth", "alt_phone", "email", "security_phrase", "comments",
        "called_count", "last_local_call_time", "rank", "owner", "entry_list_id"}),
    columns={
        "lead_id": "int", "entry_date": "datetime", "modify_date": "datetime", "status": "str",
        "user": "str", "vendor_lead_code": "str", "source_id": "str", "list_id": "str",
        "gmt_offset_now": "float", "called_since_last_reset": "str", "phone_code": "str",
        "phone_number": "str", "title": "str", "first_name": "str", "middle_initial": "str",
        "last_name": "str", "address1": "str", "address2": "str", "address3": "str", "city": "str",
        "state": "str", "province": "str", "postal_code": "str", "country_code": "str",
        "gender": "str", "date_of_birth": "str", "alt_phone": "str", "email": "str",
        "security_phrase": "str", "comments": "str", "called_count": "int",
        "last_local_call_time": "datetime", "rank": "int", "owner": "str", "entry_list_id": "str",
    },
)

PHONE_NUMBER_LOG = Table(
    "phone_number_log",
    grain=("direction", "phone_number", "call_date", "list_id", "user"),
    statuses=("call_status", None, None),
    columns={
        "phone_number": "str", "call_date": "datetime", "list_id": "str",
        "length_in_sec": "seconds", "lead_status": "str", "hangup_reason": "str",
        "call_status": "str", "source_id": "str", "user": "str",
        "direction": "str",  # OUT | IN: the request's `type`, tagged by the sync (Endpoint.variants)
    },
)

DID_LOG_EXPORT = Table(
    "did_log_export",
    grain=("did_number", "call_date", "caller_id_number"),
    optional=frozenset({"phone_number"}),
    columns={
        "did_number": "str", "call_date": "datetime", "caller_id_number": "str",
        "length_in_sec": "seconds",
        "phone_number": "str",  # the requested DID, added by the sync's per-key fan-out
    },
)

RECORDING_LOOKUP = Table(
    "recording_lookup",
    grain=("recording_id",),
    optional=frozenset({"agent_user"}),
    columns={
        "start_time": "datetime", "user": "str", "recording_id": "int", "lead_id": "int",
        "location": "str",
        "agent_user": "str",  # the requested agent, added by the sync's per-key fan-out
    },
)

LIST_INFO = Table(
    "list_info",
    grain=("list_id",),
    optional=frozenset({"all_leads_count", "new_leads_count"}),
    columns={
        "list_id": "str", "list_name": "str", "campaign_id": "str", "active": "str",
        "list_changedate": "datetime", "list_lastcalldate": "datetime",
        "expiration_date": "date", "resets_today": "int", "all_leads_count": "int",
        "new_leads_count": "int",
    },
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("agent_stats_export", "non_agent_api", "agent_stats_export", v.agent_stats_export,
             (AGENT_STATS_EXPORT,), ALL_PLATFORMS,
             params={"datetime_start": "{day} 00:00:00", "datetime_end": "{day} 23:59:59",
                     "time_format": "S", "group_by_campaign": "YES", **_TEXT},
             restate=True,
             # calls and pause_time are exact in both groupings; without group_by_campaign
             # 2.14-202 counts the first dispo row twice (dispo_time, login_time) and prints
             # wait/talk/dispo/dead as 0 per row with calls = 0, so those cannot be compared.
             # On 2.14-96 (Dialer360, grouping ignored) the two answers must simply be equal.
             verify=CrossCheck("user", ("calls", "pause_time"), without=("group_by_campaign",)),
             activity_evidence=("agent_report",),
             description="Agent time and calls per user × campaign (group_by_campaign: exact figures; "
                         "2.14-96 ignores it and answers per user). Checked against the ungrouped "
                         "answer per user, which reveals a cut at a row boundary."),
    Endpoint("call_status_stats", "non_agent_api", "call_status_stats", v.call_status_stats,
             (CALL_STATUS_STATS,), NON_AGENT, params={"campaigns": "---ALL---", "query_date": "{day}"},
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
    Endpoint("call_dispo_report", "non_agent_api", "call_dispo_report", v.call_dispo_report,
             (CALL_DISPO_REPORT,), NON_AGENT,
             params={"campaigns": "ALLCAMPAIGNS", "ingroups": "ALLGROUPS", "query_date": "{day}",
                     "end_date": "{day}", "status_breakdown": "1"},
             restate=True, checks=(FlagFalse("call_dispo_report", "row_sum_matches"),),
             description="Calls per campaign/in-group and status (long)."),
    Endpoint("lead_status_search", "non_agent_api", "lead_status_search", v.lead_status_search,
             (LEAD_STATUS_SEARCH,), NON_AGENT, params={"date": "{day}"},
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
    Endpoint("phone_number_log", "non_agent_api", "phone_number_log", v.phone_number_log,
             (PHONE_NUMBER_LOG,), ALL_PLATFORMS, params={"detail": "ALL", **_TEXT},
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
    Endpoint("did_log_export", "non_agent_api", "did_log_export", v.did_log_export,
             (DID_LOG_EXPORT,), ALL_PLATFORMS, params={"date": "{day}", **_TEXT},
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
    Endpoint("recording_lookup", "non_agent_api", "recording_lookup", v.recording_lookup,
             (RECORDING_LOOKUP,), ALL_PLATFORMS, params={"date": "{day}", **_TEXT},
             opt_in=ALL_PLATFORMS,  # no mart of any platform reads recordings
             fanout="per_key", key_param="agent_user", keys=(KeySource("agent_stats_export", "user"),),
             restate=True,
             # No exact second view: recordings depend on each campaign's recording setting and
             # on the agent (ONDEMAND, NEVER, a call with no talk), so agent_stats_export's calls
             # per user bound nothing exactly; one agent and one day per request. A cut between
             # two whole rows is caught only by asking again (2 requests per agent and day).
             confirm=Confirm("one terminated line per recording, no count; no exact second view"),
             description="Recordings per agent active that day."),
    Endpoint("list_info", "non_agent_api", "list_info", v.list_info, (LIST_INFO,), NON_AGENT,
             kind="snapshot", dimension=True, params={"leads_counts": "Y", **_TEXT},
             fanout="per_key", key_param="list_id",
             keys=(KeySource("outbound_cdr", "list_id", same_day=False), KeySource("config", "list_ids")),
             description="List settings and lead counts, per known list (from CDRs and config)."),
)
