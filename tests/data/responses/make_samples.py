"""Regenerate the goAPI sample bodies of this directory from the documents' examples.

JSON is written like PHP ``json_encode`` (compact, ``\\/`` escapes, ASCII); XML like the real
server's ``apiXMLOutput`` (literal ``\\n`` in the prologue, repeated keys for lists of objects,
``<0>`` tags for lists of scalars, CDATA for special characters). Run: ``python make_samples.py``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

OUTBOUND_ROWS = [
    {"call_date": "2025-05-02 06:58:53", "src": "8888888888", "dst": "3333333333",
     "agent": "Agent.Example", "campaign": "CAMPAIGN-1", "call_type": "Dialer",
     "disposition": "Voicemail", "carrier_disposition": "Answer", "term_reason": "AGENT",
     "queue_time": "0", "portfolio": "AAA", "vendor_lead_code": "11111111-22222222...",
     "lead_id": "11111111", "list_id": "222222222222222", "entry_date": "2025-05-02 06:55:08"},
    {"call_date": "2025-05-02 06:58:54", "src": "2222222222", "dst": "4444444444",
     "agent": "Agent.Example", "campaign": "CAMPAIGN-2", "call_type": "Dialer",
     "disposition": "Voicemail", "carrier_disposition": "Answer", "term_reason": "AGENT",
     "queue_time": "37", "portfolio": "BBB", "vendor_lead_code": "22222222-33333333...",
     "lead_id": "222222222", "list_id": "33333333333333", "entry_date": "2025-05-02 06:55:08"},
]
OUTBOUND_SUMMARY = [
    {"campaign_name": "CAMPAIGN-1", "total_leads": 296, "dialable": 296, "pending": 0,
     "total_calls": 651, "dialer": 526, "dialed": 651, "manual_calls": 125,
     "handled_calls": 285, "total_removed": 0, "removed": 127, "remove_all_period": 127},
    {"campaign_name": "CAMPAIGN-2", "total_leads": 3031, "dialable": 3031, "pending": 2018,
     "total_calls": 1013, "dialer": 1010, "dialed": 1013, "manual_calls": 3,
     "handled_calls": 661, "total_removed": 0, "removed": 11, "remove_all_period": 11},
]


def _hdr(*fields: str) -> list[dict[str, Any]]:
    return [{"title": f.upper(), "field": f} for f in fields]


SAMPLES: dict[str, dict[str, Any]] = {
    "outbound_cdr": {"result": "success", "data": {
        "rows": OUTBOUND_ROWS, "headers": _hdr("call_date", "src"),
        "summary_headers": _hdr("campaign_name"), "summary_rows": OUTBOUND_SUMMARY}},
    "inbound_cdr": {"result": "success", "data": {"rows": [
        {"call_date": "2025-05-29 22:23:05", "enter_on_queue": "2025-05-29 22:23:33",
         "src": "5551234567", "dst": "5559876543", "carrier": "SIP/EXAMPLE1-00000001",
         "uniq1": "1234567890.000001", "queue": "EXAMPLE_QUEUE_1", "agent": "Agent001",
         "campaign": "EXAMPLE_CAMPAIGN_A", "disposition": "Live Disconnect",
         "term_reason": "CALLER", "queue_time": "0", "call_duration": "34",
         "queue_position": "1", "portfolio": "PORTFOLIO_A", "lead_id": "10000001",
         "list_id": "Example List", "vendor_lead_code": "John Doe"},
        {"call_date": "2025-05-29 20:07:06", "enter_on_queue": "2025-05-29 20:07:15",
         "src": "5557654321", "dst": "5552468135", "carrier": "SIP/EXAMPLE2-00000002",
         "uniq1": "1234567890.000002", "queue": "EXAMPLE_QUEUE_2", "agent": "Agent002",
         "campaign": "EXAMPLE_CAMPAIGN_B", "disposition": "Denied", "term_reason": "CALLER",
         "queue_time": "0", "call_duration": "140", "queue_position": "1",
         "portfolio": "PORTFOLIO_B", "lead_id": "10000002", "list_id": "Example List",
         "vendor_lead_code": "Jane Smith"}], "headers": _hdr("call_date")}},
    "agent_report": {"result": "success", "data": {
        "headers": [{"title": "User", "field": "user", "frozen": True}],
        "rows": [
            {"user": "Example.User1", "portfolio": "CSC", "first_activity": "2025-05-05 10:39:25",
             "last_activity": "2025-05-05 20:00:41", "avalible": "6708",
             "avail_between_calls": "10", "talk": "21066", "avg_talk": "30",
             "talk_+_avail": "27774", "wp_sec": None, "aftercall": "2203", "total_calls": "684",
             "break": "3699", "pause": "6", "login_time": "33685", "sales": "3", "denied": "0",
             "lip": "0", "vrf": "0", "profile": "Servers"},
            {"user": "Example.User1", "portfolio": "GAL", "first_activity": "2025-05-05 12:06:13",
             "last_activity": "2025-05-05 20:57:27", "avalible": "5542",
             "avail_between_calls": "19", "talk": "15440", "avg_talk": "42",
             "talk_+_avail": "20982", "wp_sec": None, "aftercall": "3263", "total_calls": "299",
             "break": "6394", "pause": "125", "login_time": "30926", "sales": "4",
             "denied": "0", "lip": "0", "vrf": "0", "profile": "Mul Portfo"}],
        "summary_headers": [{"title": "Type", "field": "type", "frozen": True}],
        "summary_rows": [
            {"type": t, "user": 0, "portfolio": 0, "first_activity": fa, "last_activity": fa,
             "avalible": av, "avail_between_calls": abc, "talk": tk, "avg_talk": at,
             "talk_+_avail": ta, "wp_sec": 0, "aftercall": ac, "total_calls": tc, "break": br,
             "pause": pa, "login_time": lt, "sales": sa, "denied": 0, "lip": 0, "vrf": 0,
             "profile": 0}
            for t, fa, av, abc, tk, at, ta, ac, tc, br, pa, lt, sa in [
                ("Summary", 4050, 12250, 29, 36506, 72, 48756, 5466, 983, 10093, 131, 64611, 7),
                ("Average", 2025, 6125, 14.5, 18253, 36, 24378, 2733, 491.5, 5046.5, 65.5,
                 32305.5, 3.5),
                ("Max", 2025, 5542, 19, 15440, 42, 20982, 3263, 299, 6394, 125, 30926, 4),
                ("Min", 2025, 5542, 10, 15440, 30, 20982, 2203, 299, 3699, 6, 30926, 3)]]}},
    "agent_cdr": {"result": "success", "data": {"rows": [
        {"user": "Example.User1", "answer_time": "2025-05-13 20:59:08", "disposition": "VM / NML",
         "phone_number": "1234567890", "loan_number": "1111111-222222-...", "call_type": "MANUAL",
         "call_duration": "00:00:47", "lead_id": 3333333, "term_reason": "CALLER",
         "portfolio": "GAL", "campaign_name": "GALSERVERS"},
        {"user": "Example.User2", "answer_time": "2025-05-13 20:56:45", "disposition": "VM / NML",
         "phone_number": "9876543210", "loan_number": "33333333-444444...", "call_type": "DIALER",
         "call_duration": "00:00:20", "lead_id": 3344444, "term_reason": "CALLER",
         "portfolio": "GAL", "campaign_name": "GALFRESHLEADS"}],
        "headers": [{"title": "USER", "field": "user", "formatter": "html"}]}},
    "agent_calls_report": {"result": "success", "data": {
        "agent_report": {"headers": _hdr("user"), "rows": [
            {"user": "User.Example1", "profile": "Collections", "portfolio": "GAL",
             "avg_talk": "43", "total_calls": "577", "manual": "9", "inbound": "12", "dialer": "0"},
            {"user": "User.Example2", "profile": "Servers", "portfolio": "CSC", "avg_talk": "67",
             "total_calls": "245", "manual": "24", "inbound": "22", "dialer": "0"},
            {"user": "User.Example3", "profile": "VIP", "portfolio": "ADMIN", "avg_talk": "46",
             "total_calls": "887", "manual": "235", "inbound": "41", "dialer": "0"}]},
        "frequency_report": {"headers": [], "rows": []}}},
    "pause_report": {"result": "success", "data": {"headers": _hdr("user"), "rows": [
        {"user": "Example.User1", "logged_days": 1, "pause_sec": 6571, "wait_sec": 16789,
         "talk_sec": 973, "wp_sec": 3314, "dispo_sec": 1899, "dead_sec": 157,
         "manual_talk": 6757, "pause": 58, "dialne": 643, "manual": 1001, "priv": 2232,
         "virtua": 2460, "data": 0, "meetin": 0, "train": 0, "wc": 0, "lunch": 0, "lagged": 0,
         "login": 0, "andial": 0, "billable_time": 29879, "no_billable_time": 2290,
         "total_time": 32169},
        {"user": "Example.User2", "logged_days": 1, "pause_sec": 9567, "wait_sec": 12565,
         "talk_sec": 4679, "wp_sec": 0, "dispo_sec": 484, "dead_sec": 14, "manual_talk": 1365,
         "pause": 956, "dialne": 49, "login": 11, "lunch": 1870, "manual": 37, "priv": 1387,
         "virtua": 1753, "wc": 635, "data": 0, "meetin": 0, "train": 0, "lagged": 0,
         "andial": 0, "billable_time": 20883, "no_billable_time": 4859, "total_time": 25742}]}},
    "inbound_summary_stats": {"result": "success", "data": {"rows": [
        {"calldate": "2025-05-28", "total_calls": "693", "queued_calls": "424", "abandon1": "38",
         "abandon2": "61", "handled_calls": "372", "avg_hold_time": "67.78",
         "avg_handle_time": "469.33"},
        {"calldate": "2025-05-29", "total_calls": "716", "queued_calls": "507", "abandon1": "42",
         "abandon2": "57", "handled_calls": "448", "avg_hold_time": "38.84",
         "avg_handle_time": "544.30"},
        {"calldate": "2025-05-30", "total_calls": "308", "queued_calls": "204", "abandon1": "54",
         "abandon2": "24", "handled_calls": "130", "avg_hold_time": "147.03",
         "avg_handle_time": "423.23"}], "headers": _hdr("calldate")}},
    "agent_summary_stats": {"result": "success", "data": {
        "dates": "'2025-05-06' AND '2025-05-06 23:59:59'", "headers": _hdr("USER"), "rows": [
            {"USER": "user.example", "calls_handled": "8", "manual_calls": "0",
             "inbound_calls": "8", "dialer_calls": "0", "xfer_out": "0", "xfer_in": "0",
             "voicemail": "0", "denied": "0", "noa": "0", "sales": "0", "WIT": "0",
             "login_time": "18455", "pause": "8", "break": "853", "talk": "1847",
             "most_dispo": None, "portfolio": "AAA", "profile": "CUSTSERVICE"},
            {"USER": "user.example2", "calls_handled": "71", "manual_calls": "68",
             "inbound_calls": "3", "dialer_calls": "68", "xfer_out": "0", "xfer_in": "0",
             "voicemail": "0", "denied": "0", "noa": "0", "sales": "0", "WIT": "0",
             "login_time": "18709", "pause": "298", "break": "1877", "talk": "1640",
             "most_dispo": None, "portfolio": "BBB", "profile": "COLLECTIONS"}]}},
    "users": {"result": "success", "data": {"user_list": [
        {"user_id": 2222, "user": "Jhon.Exp", "name": "Jhon Example", "exten": 2222, "level": 1,
         "active": "Y", "campaign_id": "4460708090", "campaign_name": "...", "rank": 0,
         "profile_id": 22, "allowed_companys": ["AMI", "IST", "PTR"], "inbound": 1,
         "dialer": 1, "xfer": 1, "manual_dial_only": 0, "closer_campaigns": " AGENTDIRECT ",
         "agentcall_manual": "1"}],
        "all_campaigns": ["SERVERS", "CUSTSERVICE", "COLLECTIONS", "NEWLOANS"],
        "all_preview_campaigns": [{"campaign_id": "12345678", "campaign_name": "PAYMENTS"},
                                  {"campaign_id": "234567891", "campaign_name": "GENERAL"}],
        "total_users": 165, "total_active_users": 165, "total_inactive_users": 0}},
    "portfolios": {"result": "success", "data": [
        {"portfolio": "ABC", "portfolio_name": "Alpha Business Corp"},
        {"portfolio": "XYZ", "portfolio_name": "Xylon Technologies"},
        {"portfolio": "MNO", "portfolio_name": "Monolith Solutions"},
        {"portfolio": "PQR", "portfolio_name": "Pioneer Realty Group"}]},
    "profiles": {"result": "success", "data": [
        {"profile_id": "COLLECTIONS", "profile_name": "COLLECTIONS"},
        {"profile_id": "CUSTOMER_SERVICE", "profile_name": "CUSTOMER_SERVICE"}],
        "use_profile": 1, "profiles": {"headers": _hdr("id"), "rows": [
            {"id": 1, "profile_id": "COLLECTIONS", "profile_name": "COLLECTIONS",
             "disposition_set": "PAYMENT FOLLOW-UP",
             "action": '<button class="btn btn-success btn-normal edit_profile" '
                       'profile="COLLECTIONS_TEAM" title="Edit"><i class="fa fa-pencil"></i></button>'},
            {"id": 2, "profile_id": "CUSTOMER_SERVICE", "profile_name": "CUSTOMER_SERVICE",
             "disposition_set": "GENERAL INQUIRIES & MORE",
             "action": '<button class="btn" title="Edit"></button>'}]}},
    "campaigns": {"result": "success", "data": {"rows": [
        {"id": "99999999", "campaign_name": "SERVERS", "dialer": "Y", "campaign_vdad_exten": "Y",
         "list_order_mix": "Y", "dial_method": "POWER DIAL", "auto_dial_level": "3",
         "active": "Y"},
        {"id": "88888888", "campaign_name": "DEFAULT", "dialer": "N", "campaign_vdad_exten": "Y",
         "list_order_mix": "Y", "dial_method": "POWER DIAL", "auto_dial_level": "0",
         "active": "Y"}]}},
    "calltimes": {"result": "success",
                  "call_time_id": ["24hrs", "7am6pm", "CLOSED"],
                  "call_time_name": ["24 Hours", "7am6pm", "CLOSED"],
                  **{f"ct_{d}_{e}": [0, 700 if e == "start" else 1800, 2400]
                     for d in ("default", "sunday", "monday", "tuesday", "wednesday", "thursday",
                               "friday", "saturday") for e in ("start", "stop")},
                  "user_group": ["---ALL---", "---ALL---", "ADMIN"]},
    "hopper": {"result": "success", "data": {"rows": [
        {"lead_id": "10001", "last_local_call_time": "2025-06-01 14:23:45", "loan_id": "LN123456",
         "phone_number": "5551234567", "state": "CA", "disposition": "NEW", "count": 0,
         "gmt_offset_now": "-8.00", "hopper_id": "5001", "alt_dial": "MAIN",
         "list_name": "Default Leads List", "list_id": "901", "priority": 99,
         "source": "WEBFORM", "numrows": 2,
         "delete": '<button class="btn btn-delete"><i class="fa fa-trash" aria-hidden="true"></i></button>'},
        {"lead_id": "10002", "last_local_call_time": "2025-06-01 13:12:09", "loan_id": "LN654321",
         "phone_number": "5559876543", "state": "TX", "disposition": "CALLBK", "count": 1,
         "gmt_offset_now": "-6.00", "hopper_id": "5002", "alt_dial": "ALT",
         "list_name": "Follow-up List", "list_id": "902", "priority": 90, "source": "IMPORT",
         "numrows": 2, "delete": '<button class="btn btn-delete"></button>'}],
        "headers": _hdr("loan_id"), "html": '<div class="x">...</div>', "content": "table"}},
}


def php_json(obj: Any) -> bytes:
    """Like PHP json_encode: compact, ASCII, slashes escaped."""
    return json.dumps(obj, separators=(",", ":")).replace("/", "\\/").encode()


def _php_str(v: Any) -> str:
    if v is None or v is False:
        return ""
    if v is True:
        return "1"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _xml_out(val: Any, lastk: str, out: list[str]) -> None:
    """Port of GOautodial's apiXMLOutput (keys of PHP lists are 0..n-1)."""
    items = list(val.items()) if isinstance(val, dict) else list(enumerate(val))
    for k, v in items:
        numeric = isinstance(k, int)
        if isinstance(v, dict | list):
            first_numeric = isinstance(v, list)
            if numeric:
                out.append(f"<{lastk}>\n")
            elif not first_numeric and len(v):
                out.append(f"<{k}>\n")
            _xml_out(v, str(k), out)
            if numeric:
                out.append(f"</{lastk}>\n")
            elif not first_numeric and len(v):
                out.append(f"</{k}>\n")
            continue
        s = html.unescape(_php_str(v))
        if "<![CDATA[" not in s and html.escape(s, quote=True) != s:
            s = "<![CDATA[" + s + "]]>"
        out.append(f"<{k}>{s}</{k}>\n")


def php_xml(obj: dict[str, Any], action: str) -> bytes:
    """The real server's XML, prologue bugs included (literal backslash-n, stray text)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\\n<goautodialapi version="4.0">(\\n<action>"'
           + action + ' "</action>\\n" )']
    _xml_out(obj, "", out)
    out.append("</goautodialapi>")
    return "".join(out).encode()


def main() -> None:
    for name, obj in SAMPLES.items():
        (HERE / f"goapi_{name}.json").write_bytes(php_json(obj))
        (HERE / f"goapi_{name}.xml").write_bytes(php_xml(obj, name))


if __name__ == "__main__":
    main()
