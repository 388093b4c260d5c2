"""Column types per raw table (``SCHEMAS``), tolerated-absent fields (``OPTIONAL``) and unique
keys (``GRAIN``).

Field names are exactly what the server sends (typos and case kept: ``avalible``, ``USER``,
``talk_+_avail``); the dict order is the server's order and becomes the column order of every
typed partition (``extract.typing.cast_table``), so all partitions of a table share one schema.

ColType (see ``extract.typing``): ``str``, ``int`` (int64), ``float`` (float64), ``seconds``
(int64 from ``HH:MM:SS`` / ``h:mm:ss`` / ``m:ss`` / plain seconds), ``pct`` (float64 fraction,
``16.7%`` → 0.167), ``datetime`` (local wall-time TIMESTAMP + a ``<field>_utc`` TIMESTAMPTZ),
``date``, and ``bool`` (only for the derived ``call_dispo_report.row_sum_matches`` flag).
"""

from __future__ import annotations

from typing import Literal

ColType = Literal["str", "int", "float", "seconds", "pct", "datetime", "date", "bool"]

_CT_DAYS = ("default", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
            "saturday")

SCHEMAS: dict[str, dict[str, ColType]] = {
    # ---------------------------------------------------------------- goReports
    "outbound_cdr": {
        "call_date": "datetime", "src": "str", "dst": "str", "agent": "str", "campaign": "str",
        "call_type": "str", "disposition": "str", "carrier_disposition": "str",
        "term_reason": "str", "queue_time": "int", "portfolio": "str",
        "vendor_lead_code": "str", "lead_id": "int", "list_id": "str", "entry_date": "datetime",
    },
    "outbound_cdr_summary": {
        "campaign_name": "str", "total_leads": "int", "dialable": "int", "pending": "int",
        "total_calls": "int", "dialer": "int", "dialed": "int", "manual_calls": "int",
        "handled_calls": "int", "total_removed": "int", "removed": "int",
        "remove_all_period": "int",
    },
    "inbound_cdr": {
        "call_date": "datetime", "enter_on_queue": "datetime", "src": "str", "dst": "str",
        "carrier": "str", "uniq1": "str", "queue": "str", "agent": "str", "campaign": "str",
        "disposition": "str", "term_reason": "str", "queue_time": "int",
        "call_duration": "seconds", "queue_position": "int", "portfolio": "str",
        "lead_id": "int", "list_id": "str", "vendor_lead_code": "str",
    },
    "agent_cdr": {
        "user": "str", "answer_time": "datetime", "disposition": "str", "phone_number": "str",
        "loan_number": "str", "call_type": "str", "call_duration": "seconds", "lead_id": "int",
        "term_reason": "str", "portfolio": "str", "campaign_name": "str",
    },
    "agent_report": {
        "user": "str", "portfolio": "str", "first_activity": "datetime",
        "last_activity": "datetime", "avalible": "seconds", "avail_between_calls": "seconds",
        "talk": "seconds", "avg_talk": "seconds", "talk_+_avail": "seconds", "wp_sec": "seconds",
        "aftercall": "seconds", "total_calls": "int", "break": "seconds", "pause": "seconds",
        "login_time": "seconds", "sales": "int", "denied": "int", "lip": "int", "vrf": "int",
        "profile": "str",
    },
    # Summary/Average/Max/Min: every metric is a number (averages are fractional).
    "agent_report_summary": {
        "type": "str", "user": "float", "portfolio": "float", "first_activity": "float",
        "last_activity": "float", "avalible": "float", "avail_between_calls": "float",
        "talk": "float", "avg_talk": "float", "talk_+_avail": "float", "wp_sec": "float",
        "aftercall": "float", "total_calls": "float", "break": "float", "pause": "float",
        "login_time": "float", "sales": "float", "denied": "float", "lip": "float",
        "vrf": "float", "profile": "float",
    },
    "agent_calls_report": {
        "user": "str", "profile": "str", "portfolio": "str", "avg_talk": "seconds",
        "total_calls": "int", "manual": "int", "inbound": "int", "dialer": "int",
    },
    # long form (see extract.parsers.goapi.pause_report): fixed per-user columns repeated
    "pause_report": {
        "user": "str", "pause_code": "str", "seconds": "seconds", "logged_days": "int",
        "pause_sec": "seconds", "wait_sec": "seconds", "talk_sec": "seconds", "wp_sec": "seconds",
        "dispo_sec": "seconds", "dead_sec": "seconds", "manual_talk": "seconds",
        "billable_time": "seconds", "no_billable_time": "seconds", "total_time": "seconds",
    },
    "inbound_summary_stats": {
        "calldate": "date", "total_calls": "int", "queued_calls": "int", "abandon1": "int",
        "abandon2": "int", "handled_calls": "int", "avg_hold_time": "float",
        "avg_handle_time": "float",
    },
    "agent_summary_stats": {
        "USER": "str", "calls_handled": "int", "manual_calls": "int", "inbound_calls": "int",
        "dialer_calls": "int", "xfer_out": "int", "xfer_in": "int", "voicemail": "int",
        "denied": "int", "noa": "int", "sales": "int", "WIT": "int", "login_time": "seconds",
        "pause": "seconds", "break": "seconds", "talk": "seconds", "most_dispo": "str",
        "portfolio": "str", "profile": "str", "dates": "str",
    },
    # ---------------------------------------------------------------- non_agent_api
    "agent_stats_export": {
        "campaign_id": "str", "user": "str", "full_name": "str", "user_group": "str",
        "calls": "int", "login_time": "seconds", "total_talk_time": "seconds",
        "avg_talk_time": "seconds", "avg_wait_time": "seconds", "pct_of_queue": "pct",
        "pause_time": "seconds", "sessions": "int", "avg_session": "seconds", "pauses": "int",
        "avg_pause_time": "seconds", "pause_pct": "pct", "pauses_per_session": "float",
        "total_wait_time": "seconds", "wait_time": "seconds", "talk_time": "seconds",
        "dispo_time": "seconds", "dead_time": "seconds",
    },
    "call_dispo_report": {
        "campaign": "str", "status": "str", "calls": "int", "total_calls": "int",
        "row_sum_matches": "bool",
    },
    "call_status_stats": {
        "campaign_id": "str", "total_calls": "int", "human_answered_calls": "int",
        "hourly_breakdown": "str", "status_breakdown": "str",
    },
    "phone_number_log": {
        "phone_number": "str", "call_date": "datetime", "list_id": "str",
        "length_in_sec": "seconds", "lead_status": "str", "hangup_reason": "str",
        "call_status": "str", "source_id": "str", "user": "str",
        "direction": "str",  # OUT | IN: the request's `type`, tagged by the sync (Endpoint.variants)
    },
    # record blocks; the documented block has only lead_id..phone_number, the real one every
    # vicidial_list column; custom fields arrive as drift columns
    "lead_status_search": {
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
    "did_log_export": {
        "did_number": "str", "call_date": "datetime", "caller_id_number": "str",
        "length_in_sec": "seconds",
        "phone_number": "str",  # the requested DID, added by the sync's per-key fan-out
    },
    "recording_lookup": {
        "start_time": "datetime", "user": "str", "recording_id": "int", "lead_id": "int",
        "location": "str",
        "agent_user": "str",  # the requested agent, added by the sync's per-key fan-out
    },
    # ---------------------------------------------------------------- dimensions (snapshots)
    "users": {
        "user_id": "int", "user": "str", "name": "str", "exten": "str", "level": "int",
        "active": "str", "campaign_id": "str", "campaign_name": "str", "rank": "int",
        "profile_id": "str", "allowed_companys": "str", "inbound": "int", "dialer": "int",
        "xfer": "int", "manual_dial_only": "int", "closer_campaigns": "str",
        "agentcall_manual": "int",
    },
    "portfolios": {"portfolio": "str", "portfolio_name": "str"},
    "profiles": {
        "id": "int", "profile_id": "str", "profile_name": "str", "disposition_set": "str",
        "action": "str",
    },
    "campaigns": {
        "id": "str", "campaign_name": "str", "dialer": "str", "campaign_vdad_exten": "str",
        "list_order_mix": "str", "dial_method": "str", "auto_dial_level": "float",
        "active": "str",
    },
    "calltimes": {
        "call_time_id": "str", "call_time_name": "str",
        **{f"ct_{d}_{edge}": "int" for d in _CT_DAYS for edge in ("start", "stop")},
        "user_group": "str",
    },
    "hopper": {
        "lead_id": "int", "last_local_call_time": "datetime", "loan_id": "str",
        "phone_number": "str", "state": "str", "disposition": "str", "count": "int",
        "gmt_offset_now": "float", "hopper_id": "int", "alt_dial": "str", "list_name": "str",
        "list_id": "str", "priority": "int", "source": "str", "numrows": "int", "delete": "str",
        "campaign_id": "str",
    },
    "list_info": {
        "list_id": "str", "list_name": "str", "campaign_id": "str", "active": "str",
        "list_changedate": "datetime", "list_lastcalldate": "datetime",
        "expiration_date": "date", "resets_today": "int", "all_leads_count": "int",
        "new_leads_count": "int",
    },
}

OPTIONAL: dict[str, frozenset[str]] = {
    # documented 17-column form vs real 20-column form vs 2017's 16+1; campaign_id only with
    # group_by_campaign on servers that have it (not 2.14-96)
    "agent_stats_export": frozenset({"campaign_id", "total_wait_time", "wait_time", "talk_time",
                                     "dispo_time", "dead_time"}),
    "list_info": frozenset({"all_leads_count", "new_leads_count"}),
    # request keys the sync's per-key fan-out adds (extract.sync._with_key)
    "hopper": frozenset({"campaign_id"}),
    "did_log_export": frozenset({"phone_number"}),
    "recording_lookup": frozenset({"agent_user"}),
    "lead_status_search": frozenset({
        "entry_date", "modify_date", "called_since_last_reset", "title", "first_name", "middle_initial",
        "last_name", "address1", "address2", "address3", "city", "state", "province", "postal_code",
        "country_code", "gender", "date_of_birth", "alt_phone", "email", "security_phrase", "comments",
        "called_count", "last_local_call_time", "rank", "owner", "entry_list_id"}),
    # getAllProfiles without the richer ``profiles.rows`` block
    "profiles": frozenset({"id", "disposition_set", "action"}),
}
"""Known fields whose absence is a legitimate variant, not schema drift (still NULL-filled)."""

GRAIN: dict[str, tuple[str, ...]] = {
    "outbound_cdr": ("call_date", "dst", "lead_id"),
    "outbound_cdr_summary": ("campaign_name",),
    "inbound_cdr": ("uniq1",),
    "agent_cdr": ("user", "answer_time", "lead_id"),
    "agent_report": ("user", "portfolio"),
    "agent_report_summary": ("type",),
    "agent_calls_report": ("user",),
    "pause_report": ("user", "pause_code"),
    "inbound_summary_stats": ("calldate",),
    "agent_summary_stats": ("USER",),
    "agent_stats_export": ("campaign_id", "user"),  # campaign_id NULL where the server has no group_by_campaign
    "call_dispo_report": ("campaign", "status"),
    "call_status_stats": ("campaign_id",),
    "phone_number_log": ("direction", "phone_number", "call_date", "list_id", "user"),
    "lead_status_search": ("lead_id",),
    "did_log_export": ("did_number", "call_date", "caller_id_number"),
    "recording_lookup": ("recording_id",),
    "users": ("user",),
    "portfolios": ("portfolio",),
    "profiles": ("profile_id",),
    "campaigns": ("id",),
    "calltimes": ("call_time_id",),
    "hopper": ("hopper_id",),
    "list_info": ("list_id",),
}
"""Unique key of a row *within one partition* (add ``_instance, _partition_date`` for the
whole raw view). outbound_cdr has no call id: its key is a best effort (warn-level check)."""

assert set(GRAIN) == set(SCHEMAS)
assert all(set(k) <= set(SCHEMAS[t]) for t, k in GRAIN.items())
