"""croco-dial goAPI v2 endpoints (goReports, goUsers, goCampaigns, goCalltimes), with their raw tables.

Each `Table` is declared with its columns here, next to the endpoint whose parser returns it;
`extract.registry` assembles every surface's endpoints. How to add one: docs/contracts.md.
"""

from __future__ import annotations

from extract.endpoint import CROCO, Endpoint, KeySource, SummaryCount, SummaryRowSums, Table
from extract.parsers import goapi as g

_DAY = {"fromDate": "{day}", "toDate": "{day}"}
_CT_DAYS = ("default", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
#: exportAgentReport columns that are plain per-user totals (their Summary row is their sum)
AGENT_REPORT_SUMMED = ("login_time", "talk", "total_calls", "aftercall", "break", "pause", "sales",
                       "avalible")



OUTBOUND_CDR = Table(
    "outbound_cdr",
    grain=("call_date", "dst", "lead_id"),
    statuses=("disposition", None, None),
    columns={
        "call_date": "datetime", "src": "str", "dst": "str", "agent": "str", "campaign": "str",
        "call_type": "str", "disposition": "str", "carrier_disposition": "str",
        "term_reason": "str", "queue_time": "int", "portfolio": "str",
        "vendor_lead_code": "str", "lead_id": "int", "list_id": "str", "entry_date": "datetime",
    },
)

OUTBOUND_CDR_SUMMARY = Table(
    "outbound_cdr_summary",
    grain=("campaign_name",),
    columns={
        "campaign_name": "str", "total_leads": "int", "dialable": "int", "pending": "int",
        "total_calls": "int", "dialer": "int", "dialed": "int", "manual_calls": "int",
        "handled_calls": "int", "total_removed": "int", "removed": "int",
        "remove_all_period": "int",
    },
)

INBOUND_CDR = Table(
    "inbound_cdr",
    grain=("uniq1",),
    epoch="uniq1",
    statuses=("disposition", None, None),
    columns={
        "call_date": "datetime", "enter_on_queue": "datetime", "src": "str", "dst": "str",
        "carrier": "str", "uniq1": "str", "queue": "str", "agent": "str", "campaign": "str",
        "disposition": "str", "term_reason": "str", "queue_time": "int",
        "call_duration": "seconds", "queue_position": "int", "portfolio": "str",
        "lead_id": "int", "list_id": "str", "vendor_lead_code": "str",
    },
)

AGENT_CDR = Table(
    "agent_cdr",
    grain=("user", "answer_time", "lead_id"),
    columns={
        "user": "str", "answer_time": "datetime", "disposition": "str", "phone_number": "str",
        "loan_number": "str", "call_type": "str", "call_duration": "seconds", "lead_id": "int",
        "term_reason": "str", "portfolio": "str", "campaign_name": "str",
    },
)

AGENT_REPORT = Table(
    "agent_report",
    grain=("user", "portfolio"),
    columns={
        "user": "str", "portfolio": "str", "first_activity": "datetime",
        "last_activity": "datetime", "avalible": "seconds", "avail_between_calls": "seconds",
        "talk": "seconds", "avg_talk": "seconds", "talk_+_avail": "seconds", "wp_sec": "seconds",
        "aftercall": "seconds", "total_calls": "int", "break": "seconds", "pause": "seconds",
        "login_time": "seconds", "sales": "int", "denied": "int", "lip": "int", "vrf": "int",
        "profile": "str",
    },
)

# Summary/Average/Max/Min: every metric is a number (averages are fractional).
AGENT_REPORT_SUMMARY = Table(
    "agent_report_summary",
    grain=("type",),
    columns={
        "type": "str", "user": "float", "portfolio": "float", "first_activity": "float",
        "last_activity": "float", "avalible": "float", "avail_between_calls": "float",
        "talk": "float", "avg_talk": "float", "talk_+_avail": "float", "wp_sec": "float",
        "aftercall": "float", "total_calls": "float", "break": "float", "pause": "float",
        "login_time": "float", "sales": "float", "denied": "float", "lip": "float",
        "vrf": "float", "profile": "float",
    },
)

AGENT_CALLS_REPORT = Table(
    "agent_calls_report",
    grain=("user",),
    columns={
        "user": "str", "profile": "str", "portfolio": "str", "avg_talk": "seconds",
        "total_calls": "int", "manual": "int", "inbound": "int", "dialer": "int",
    },
)

# long form (see extract.parsers.goapi.pause_report): fixed per-user columns repeated
PAUSE_REPORT = Table(
    "pause_report",
    grain=("user", "pause_code"),
    columns={
        "user": "str", "pause_code": "str", "seconds": "seconds", "logged_days": "int",
        "pause_sec": "seconds", "wait_sec": "seconds", "talk_sec": "seconds", "wp_sec": "seconds",
        "dispo_sec": "seconds", "dead_sec": "seconds", "manual_talk": "seconds",
        "billable_time": "seconds", "no_billable_time": "seconds", "total_time": "seconds",
    },
)

INBOUND_SUMMARY_STATS = Table(
    "inbound_summary_stats",
    grain=("calldate",),
    columns={
        "calldate": "date", "total_calls": "int", "queued_calls": "int", "abandon1": "int",
        "abandon2": "int", "handled_calls": "int", "avg_hold_time": "float",
        "avg_handle_time": "float",
    },
)

AGENT_SUMMARY_STATS = Table(
    "agent_summary_stats",
    grain=("USER",),
    columns={
        "USER": "str", "calls_handled": "int", "manual_calls": "int", "inbound_calls": "int",
        "dialer_calls": "int", "xfer_out": "int", "xfer_in": "int", "voicemail": "int",
        "denied": "int", "noa": "int", "sales": "int", "WIT": "int", "login_time": "seconds",
        "pause": "seconds", "break": "seconds", "talk": "seconds", "most_dispo": "str",
        "portfolio": "str", "profile": "str", "dates": "str",
    },
)

USERS = Table(
    "users",
    grain=("user",),
    columns={
        "user_id": "int", "user": "str", "name": "str", "exten": "str", "level": "int",
        "active": "str", "campaign_id": "str", "campaign_name": "str", "rank": "int",
        "profile_id": "str", "allowed_companys": "str", "inbound": "int", "dialer": "int",
        "xfer": "int", "manual_dial_only": "int", "closer_campaigns": "str",
        "agentcall_manual": "int",
    },
)

PORTFOLIOS = Table(
    "portfolios",
    grain=("portfolio",),
    columns={"portfolio": "str", "portfolio_name": "str"},
)

PROFILES = Table(
    "profiles",
    grain=("profile_id",),
    optional=frozenset({"id", "disposition_set", "action"}),
    columns={
        "id": "int", "profile_id": "str", "profile_name": "str", "disposition_set": "str",
        "action": "str",
    },
)

CAMPAIGNS = Table(
    "campaigns",
    grain=("id",),
    columns={
        "id": "str", "campaign_name": "str", "dialer": "str", "campaign_vdad_exten": "str",
        "list_order_mix": "str", "dial_method": "str", "auto_dial_level": "float",
        "active": "str",
    },
)

CALLTIMES = Table(
    "calltimes",
    grain=("call_time_id",),
    columns={
        "call_time_id": "str", "call_time_name": "str",
        **{f"ct_{d}_{edge}": "int" for d in _CT_DAYS for edge in ("start", "stop")},
        "user_group": "str",
    },
)

HOPPER = Table(
    "hopper",
    grain=("hopper_id",),
    optional=frozenset({"campaign_id"}),
    columns={
        "lead_id": "int", "last_local_call_time": "datetime", "loan_id": "str",
        "phone_number": "str", "state": "str", "disposition": "str", "count": "int",
        "gmt_offset_now": "float", "hopper_id": "int", "alt_dial": "str", "list_name": "str",
        "list_id": "str", "priority": "int", "source": "str", "numrows": "int", "delete": "str",
        "campaign_id": "str",
    },
)

AGENT_TIME_USAGE = Table(
    "agent_time_usage",
    grain=("user",),
    # login_time in hours, the state figures in percent of login time (the dashboard's units)
    columns={
        "user": "str", "first_login": "str", "last_logoff": "str", "login_time": "float",
        "after_call": "float", "break": "float", "pausa": "float", "avalible": "float", "talk": "float",
        "wrapup": "float", "cust_leave": "float", "total_calls": "int", "pause": "float", "ready": "float",
    },
)

USER_STATS = Table(
    "user_stats",
    grain=("user",),
    columns={
        "user": "str", "first_activity": "str", "last_activity": "str", "login_time": "seconds",
        "after_call": "seconds", "break": "seconds", "pause": "seconds", "avalible": "seconds",
        "avg_wait": "seconds", "talk": "seconds", "talk_avalible": "seconds", "total_calls": "int",
        "denied": "int", "lip": "int", "vrf": "int", "sales": "int", "sla_productivity": "pct",
    },
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("outbound_cdr", "goapi", "outbound_cdr", g.outbound_cdr,
             (OUTBOUND_CDR, OUTBOUND_CDR_SUMMARY), CROCO, module="goReports", params=_DAY,
             restate=True, limit_split="tenant_profile",
             checks=(SummaryCount("outbound_cdr", "outbound_cdr_summary", "total_calls"),),
             description="Outbound calls, one row per call; summary rows per campaign."),
    Endpoint("inbound_cdr", "goapi", "inbound_cdr", g.inbound_cdr, (INBOUND_CDR,), CROCO,
             module="goReports", params=_DAY, restate=True, limit_split="tenant_profile",
             description="Inbound calls (uniq1)."),
    Endpoint("agent_cdr", "goapi", "agent_cdr", g.agent_cdr, (AGENT_CDR,), CROCO,
             module="goReports", params=_DAY, restate=True, limit_split="tenant_profile",
             description="Calls per agent."),
    Endpoint("agent_report", "goapi", "exportAgentReport", g.agent_report,
             (AGENT_REPORT, AGENT_REPORT_SUMMARY), CROCO, module="goReports", params=_DAY,
             restate=True, limit_split="users",
             checks=(SummaryRowSums("agent_report", "agent_report_summary", AGENT_REPORT_SUMMED),),
             activity_evidence=("agent_stats_export",),
             description="Agent activity per user × portfolio, Summary/Average/Max/Min."),
    Endpoint("agent_calls_report", "goapi", "agent_calls_report", g.agent_calls_report,
             (AGENT_CALLS_REPORT,), CROCO, module="goReports", params=_DAY, restate=True,
             limit_split="tenant_profile", activity_evidence=("agent_report",),
             description="Calls summary per agent."),
    Endpoint("pause_report", "goapi", "exportPauseReport", g.pause_report, (PAUSE_REPORT,),
             CROCO, module="goReports", params=_DAY, restate=True, limit_split="users",
             description="Pause seconds per agent and installation-specific pause code (long)."),
    Endpoint("inbound_summary_stats", "goapi", "inbound_summary_stats", g.inbound_summary_stats,
             (INBOUND_SUMMARY_STATS,), CROCO, module="goReports", params=_DAY, restate=True,
             description="Inbound totals per day; abandon1 >20 s vs abandon2 all."),
    Endpoint("agent_summary_stats", "goapi", "agent_summary_stats", g.agent_summary_stats,
             (AGENT_SUMMARY_STATS,), CROCO, kind="snapshot", day_end=True, module="goReports",
             description="Server's current day only; partition taken from the response's `dates`."),
    Endpoint("users", "goapi", "goGetAllUsers", g.users, (USERS,), CROCO, kind="snapshot", dimension=True,
             module="goUsers", description="All user accounts."),
    Endpoint("portfolios", "goapi", "getAllPortfolios", g.portfolios, (PORTFOLIOS,), CROCO,
             kind="snapshot", dimension=True, module="goUsers", description="Portfolios (tenants)."),
    Endpoint("profiles", "goapi", "getAllProfiles", g.profiles, (PROFILES,), CROCO,
             kind="snapshot", dimension=True, module="goUsers", description="Profiles."),
    Endpoint("campaigns", "goapi", "goGetAllCampaigns", g.campaigns, (CAMPAIGNS,), CROCO,
             kind="snapshot", dimension=True, module="goCampaigns", description="All campaigns."),
    Endpoint("calltimes", "goapi", "goGetAllCalltimes", g.calltimes, (CALLTIMES,), CROCO,
             kind="snapshot", dimension=True, module="goCalltimes",
             description="Call time definitions (column-oriented)."),
    Endpoint("hopper", "goapi", "getLeadsOnHopper", g.hopper, (HOPPER,), CROCO, kind="snapshot",
             module="goCampaigns", fanout="per_key", key_param="campaign_id",
             keys=(KeySource("campaigns", "id"),), description="Leads in the hopper, per campaign."),
    # --- croco-dial per-agent snapshots of the current day (no croco-dial mart reads them) ----
    Endpoint("agent_time_usage", "goapi", "agentTimeUsage", g.agent_time_usage, (AGENT_TIME_USAGE,), CROCO,
             kind="snapshot", day_end=True, module="goDashboard", opt_in=CROCO,
             description="Dashboard time usage per agent, the server's current day (login hours, state shares)."),
    Endpoint("user_stats", "goapi", "getUserInfo", g.user_stats, (USER_STATS,), CROCO, kind="snapshot",
             day_end=True, module="goUsers", opt_in=CROCO, fanout="per_key", key_param="user",
             keys=(KeySource("users", "user", same_day=False),),
             description="getUserInfo performance statistics per user, the server's current day (one request "
                         "per user; the answer's credentials are never stored)."),
)
