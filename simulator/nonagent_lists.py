"""Lists through the text APIs: add_list, update_list (reset, delete, delete leads) and list_info.

Same conventions as nonagent_leads: LeadStore changes stamped with the simulator clock,
real server's message forms by default, the document's with realism="docs".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pyarrow as pa

from simulator.nonagent_call import BLANK, Call, valid_campaign
from simulator.nonagent_text import msg, render_table

_RESET_TIME = re.compile(r"^\d{4}(-\d{4})*$")


def _valid_reset_time(v: str) -> bool:
    if not (4 <= len(v) <= 100) or not _RESET_TIME.match(v):
        return False
    return all(int(p[:2]) < 24 and int(p[2:]) < 60 for p in v.split("-"))


def _valid_date(v: str) -> bool:
    try:
        datetime.strptime(v, "%Y-%m-%d")
    except ValueError:
        return False
    return len(v) == 10


def _list_option_errors(call: Call, fn: str) -> tuple[str | None, dict[str, Any]]:
    """Optional list fields shared by add_list/update_list: (error line, fields to set)."""
    u = call.user.user
    out: dict[str, Any] = {}
    active = call.get("active")
    if active:
        if active not in {"Y", "N"}:
            return msg("ERROR", fn, "ACTIVE MUST BE Y OR N, THIS IS AN OPTIONAL FIELD", [u, active]), {}
        out["active"] = active
    desc = call.get("list_description")
    if desc:
        out["list_description"] = "" if desc == BLANK else desc[:255]
    cid = call.get("outbound_cid")
    if cid:
        if cid == BLANK:
            out["campaign_cid_override"] = ""
        elif not (cid.isdigit() and 6 <= len(cid) <= 20):
            return msg("ERROR", fn, "OUTBOUND CID MUST BE FROM 6 TO 18 DIGITS, THIS IS AN OPTIONAL FIELD", [u, cid]), {}
        else:
            out["campaign_cid_override"] = cid
    group = call.get("drop_inbound_group")
    if group and group != BLANK and group not in set(call.world.ingroups["group_id"].to_pylist()):
        return msg("ERROR", fn, "IN-GROUP DOES NOT EXIST, THIS IS AN OPTIONAL FIELD", [u, group]), {}
    wfa = call.get("web_form_address")
    if wfa:
        out["web_form_address"] = "" if wfa == BLANK else wfa[:100]
    rt = call.get("reset_time")
    if rt:
        if rt == BLANK:
            out["reset_time"] = ""
        elif not _valid_reset_time(rt):
            return msg("ERROR", fn, "RESET TIME IS NOT VALID, THIS IS AN OPTIONAL FIELD", [u, rt]), {}
        else:
            out["reset_time"] = rt
    exp = call.get("expiration_date")
    if exp:
        if not _valid_date(exp):
            return msg("ERROR", fn, "EXPIRATION DATE IS NOT VALID, THIS IS AN OPTIONAL FIELD", [u, exp]), {}
        out["expiration_date"] = exp
    return None, out


def can_modify_lists(call: Call) -> bool:
    return call.user.user_level >= 8 and call.user.modify_lists


def add_list(call: Call, fn: str = "add_list") -> str:
    u = call.user.user
    if not can_modify_lists(call):
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO ADD LISTS", [u, int(call.user.modify_lists)])
    list_id = call.get("list_id")
    name = call.get("list_name")
    camp = call.get("campaign_id")
    if not (list_id.isdigit() and 2 <= len(list_id) <= 14) or not (6 <= len(name) <= 30) or not (2 <= len(camp) <= 8):
        return msg("ERROR", fn, "YOU MUST USE ALL REQUIRED FIELDS", [u, list_id, name, camp])
    if not valid_campaign(call, camp):
        return msg("ERROR", fn, "CAMPAIGN DOES NOT EXIST", [u, camp])
    if call.store.get_list(int(list_id)) is not None:
        if call.realism == "real":
            return msg("ERROR", fn, "LIST ALREADY EXISTS", [u, list_id], sep=": |")
        return msg("ERROR", fn, "LIST ALREADY EXISTS", [u, list_id])
    err, opts = _list_option_errors(call, fn)
    if err:
        return err
    call.store.add_list({"list_id": int(list_id), "list_name": name, "campaign_id": camp, "active": "N",
                         "expiration_date": "2099-12-31", "resets_today": 0, "reset_time": "",
                         "list_description": "", **opts}, when=call.now)
    if call.realism == "real":
        return msg("SUCCESS", fn, "LIST HAS BEEN ADDED", [u, list_id, name, camp])
    return msg("SUCCESS", fn, "LIST HAS BEEN ADDED", [u, list_id, camp])


def update_list(call: Call) -> str:
    fn = "update_list"
    u = call.user.user
    if not can_modify_lists(call):
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO UPDATE LISTS", [u])
    list_id = call.get("list_id")
    if not (list_id.isdigit() and 2 <= len(list_id) <= 14):
        return msg("ERROR", fn, "YOU MUST USE ALL REQUIRED FIELDS", [u, list_id])
    if call.user.allowed_lists is not None and list_id not in call.user.allowed_lists:
        return msg("ERROR", fn, "NOT AN ALLOWED LIST ID", [list_id])
    lid = int(list_id)
    if call.store.get_list(lid) is None:
        if call.get("insert_if_not_found") == "Y":
            return msg("NOTICE", fn, "LIST DOES NOT EXIST, SENDING TO add_list FUNCTION", [u, list_id]) + add_list(call)
        return msg("ERROR", fn, "LIST DOES NOT EXIST", [u, list_id])
    fields: dict[str, Any] = {}
    name = call.get("list_name")
    if name:
        if not 6 <= len(name) <= 30:
            return msg("ERROR", fn, "LIST NAME MUST BE FROM 6 TO 30 CHARACTERS, THIS IS AN OPTIONAL FIELD", [u, name])
        fields["list_name"] = name
    camp = call.get("campaign_id")
    if camp:
        if not valid_campaign(call, camp):
            return msg("ERROR", fn, "CAMPAIGN DOES NOT EXIST, THIS IS AN OPTIONAL FIELD", [u, camp])
        fields["campaign_id"] = camp
    err, opts = _list_option_errors(call, fn)
    if err:
        return err
    fields.update(opts)
    reset = call.get("reset_list") == "Y"
    delete_list = call.get("delete_list") == "Y"
    delete_leads = call.get("delete_leads") == "Y"
    if not fields and not (reset or delete_list or delete_leads):
        if call.realism == "real":
            return msg("NOTICE", fn, "NO UPDATES DEFINED", [u], sep=": ", wrap=True)
        return msg("NOTICE", fn, "NO UPDATES DEFINED", [u, ""])
    lines: list[str] = []
    when = call.now
    if fields:
        call.store.update_list(lid, fields, when=when)
        lines.append(msg("SUCCESS", fn, "LIST HAS BEEN UPDATED", [u, list_id]))
    if reset:
        count = call.store.list_counts(lid)["total"]
        call.store.reset_list(lid, when=when)
        data = [u, list_id, ""] if call.realism == "real" else [u, list_id, count]
        lines.append(msg("NOTICE", fn, "LEADS IN LIST HAVE BEEN RESET", data))
    if delete_list:
        if not call.user.delete_lists:
            lines.append(msg("NOTICE", fn, "USER DOES NOT HAVE PERMISSION TO DELETE LISTS", [u, 0]))
        else:
            call.store.delete_list(lid, when=when)
            lines.append(msg("NOTICE", fn, "LIST HAS BEEN DELETED", [u, list_id, 1]))
    if delete_leads:
        if not call.user.delete_leads:
            lines.append(msg("NOTICE", fn, "USER DOES NOT HAVE PERMISSION TO DELETE LEADS", [u, 0]))
        else:
            count = call.store.list_counts(lid)["total"]
            call.store.delete_list_leads(lid, when=when)
            lines.append(msg("NOTICE", fn, "LEADS IN LIST HAVE BEEN DELETED", [u, list_id, count]))
    return "".join(lines)


LIST_INFO_COLUMNS = ("list_id", "list_name", "campaign_id", "active", "list_changedate", "list_lastcalldate",
                     "expiration_date", "resets_today")


def list_info(call: Call, last_call: Callable[[int], str | None] | None = None) -> str:
    """list_info: one list's settings (and lead counts); real prints a trailing delimiter."""
    fn = "list_info"
    u = call.user.user
    if not can_modify_lists(call):
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO MODIFY LISTS", [u])
    list_id = call.get("list_id")
    if not (list_id.isdigit() and 2 <= len(list_id) <= 14):
        return msg("ERROR", fn, "YOU MUST USE ALL REQUIRED FIELDS", [u, list_id])
    if call.user.allowed_lists is not None and list_id not in call.user.allowed_lists:
        return msg("ERROR", fn, "NOT AN ALLOWED LIST ID", [list_id])
    row = call.store.get_list(int(list_id))
    if row is None:
        return msg("ERROR", fn, "LIST DOES NOT EXIST", [list_id])
    rec = {k: row.get(k) for k in LIST_INFO_COLUMNS}
    if last_call is not None:
        rec["list_lastcalldate"] = last_call(int(list_id)) or rec.get("list_lastcalldate")
    counts = call.get("leads_counts") == "Y"
    if counts:
        c = call.store.list_counts(int(list_id))
        rec["all_leads_count"] = c["total"]
        rec["new_leads_count"] = c["new"]
    tbl = pa.Table.from_pylist([{k: None if v is None else str(v) for k, v in rec.items()}])
    trailing = call.realism == "real" or not counts
    return render_table(tbl, call.get("stage"), call.get("header"), trailing=trailing)
