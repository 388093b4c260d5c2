"""Write-back of leads through the text APIs: add_lead and update_lead (validation, duplicate
checks, the LeadStore change, then the hopper/callback NOTICE lines).

They change the shared LeadStore (timestamped with the simulator clock), so later list_info,
lead_status_search, getLeadsOnHopper and later days' calls see the change. Message lines
follow the real server by default and the document with realism="docs"; where the two
differ the choice is made in one place per message, named `real`/`docs`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from simulator.nonagent_call import BLANK, Call, campaign_of_list, digits, fmt_gmt, gmt_for, lists_of_campaign
from simulator.nonagent_hopper import callback_lines, hopper_lines, side_state
from simulator.nonagent_text import msg

#: add_lead/update_lead optional fields and their documented maximum lengths (longer values
#: are cut, like the real database columns do; the API itself does not reject them).
LEAD_FIELD_MAX = {
    "vendor_lead_code": 20, "source_id": 50, "title": 4, "first_name": 30, "middle_initial": 1,
    "last_name": 30, "address1": 100, "address2": 100, "address3": 100, "city": 50, "state": 2,
    "province": 50, "postal_code": 10, "country_code": 3, "date_of_birth": 10, "alt_phone": 12,
    "email": 70, "security_phrase": 100, "comments": 255, "owner": 20,
}


def _lead_fields(call: Call) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, mx in LEAD_FIELD_MAX.items():
        v = call.get(name)
        if v:
            out[name] = v[:mx]
    gender = call.get("gender").upper()
    out["gender"] = gender if gender in {"U", "M", "F"} else "U"
    rank = digits(call.get("rank"))[:5]
    if rank:
        out["rank"] = int(rank)
    return out


_DAY_WINDOW = re.compile(r"(\d+)DAY")


def _dup_scope(call: Call, token_list: str, list_id: int) -> list[int] | None:
    """Lists searched by a LIST/CAMP/SYS duplicate check (None: whole system)."""
    if token_list == "LIST":
        return [list_id]
    if token_list == "CAMP":
        camp = campaign_of_list(call, list_id)
        return lists_of_campaign(call, camp) or [list_id]
    return None


def _candidates(call: Call, scope: list[int] | None, days: int | None) -> pa.Table:
    tbl = call.store.leads()
    mask = None
    if scope is not None:
        mask = pc.is_in(tbl["list_id"], value_set=pa.array(scope, pa.int64()))
    if days is not None:
        since = pa.scalar(call.now - timedelta(days=days), pa.timestamp("s"))
        m = pc.greater_equal(tbl["entry_date"], since)
        mask = m if mask is None else pc.and_(mask, m)
    return tbl if mask is None else tbl.filter(mask)


def _first(tbl: pa.Table) -> dict[str, Any] | None:
    if tbl.num_rows == 0:
        return None
    idx = pc.index(tbl["lead_id"], pc.min(tbl["lead_id"])).as_py()
    return tbl.slice(idx, 1).to_pylist()[0]


def duplicate_error(call: Call, fn: str, phone: str, list_id: int, f: dict[str, Any]) -> str | None:
    """The real duplicate_check: each requested variant in the order the PHP checks them."""
    spec = call.get("duplicate_check").upper()
    if not spec:
        return None
    m = _DAY_WINDOW.search(spec)
    days = int(m.group(1)) if m else None
    where = {"LIST": "IN LIST", "CAMP": "IN CAMPAIGN LISTS", "SYS": "IN SYSTEM"}
    for loc in ("LIST", "CAMP", "SYS"):
        if f"DUP{loc}" in spec:
            cand = _candidates(call, _dup_scope(call, loc, list_id), days)
            hit = _first(cand.filter(pc.equal(cand["phone_number"], phone)))
            if hit:
                data = [phone, list_id, hit["lead_id"]] + ([] if loc == "LIST" else [hit["list_id"]])
                return msg("ERROR", fn, f"DUPLICATE PHONE NUMBER {where[loc]}", data)
    for loc in ("LIST", "CAMP", "SYS"):
        if f"DUPPHONEALT{loc}" in spec:
            cand = _candidates(call, _dup_scope(call, loc, list_id), days)
            for col, tag in (("phone_number", "PHONE"), ("alt_phone", "ALT")):
                hit = _first(cand.filter(pc.equal(cand[col], phone)))
                if hit:
                    data = [phone, list_id, hit["lead_id"]] + ([] if loc == "LIST" else [hit["list_id"]]) + [tag]
                    return msg("ERROR", fn, f"DUPLICATE PHONE NUMBER {where[loc]}", data)
    title, alt = f.get("title", ""), f.get("alt_phone", "")
    for loc in ("LIST", "CAMP", "SYS"):
        if f"DUPTITLEALTPHONE{loc}" in spec:
            cand = _candidates(call, _dup_scope(call, loc, list_id), days)
            hit = _first(cand.filter(pc.and_(pc.equal(pc.fill_null(cand["title"], ""), title),
                                             pc.equal(pc.fill_null(cand["alt_phone"], ""), alt))))
            if hit:
                data = [title, alt, list_id, hit["lead_id"]] + ([] if loc == "LIST" else [hit["list_id"]])
                return msg("ERROR", fn, f"DUPLICATE TITLE ALT_PHONE {where[loc]}", data)
    first, last = f.get("first_name", ""), f.get("last_name", "")
    for loc in ("LIST", "CAMP", "SYS"):
        if f"DUPNAMEPHONE{loc}" in spec:
            cand = _candidates(call, _dup_scope(call, loc, list_id), days)
            m2 = pc.and_(pc.equal(cand["phone_number"], phone),
                         pc.and_(pc.equal(pc.fill_null(cand["first_name"], ""), first),
                                 pc.equal(pc.fill_null(cand["last_name"], ""), last)))
            hit = _first(cand.filter(m2))
            if hit:
                data = [first, last, phone, list_id, hit["lead_id"], hit["list_id"]]
                return msg("ERROR", fn, f"DUPLICATE NAME PHONE {where[loc]}", data)
    return None


def phone_checks(call: Call, fn: str, phone: str) -> str | None:
    """Documented phone validations (length always; prefix/areacode when requested)."""
    if not 6 <= len(phone) <= 16:
        return msg("ERROR", fn, "INVALID PHONE NUMBER LENGTH", [phone, call.user.user])
    if call.get("usacan_prefix_check") == "Y" and (len(phone) < 4 or phone[3] in "01"):
        return msg("ERROR", fn, "INVALID PHONE NUMBER PREFIX", [phone, call.user.user])
    if call.get("usacan_areacode_check") == "Y" and (len(phone) != 10 or phone[0] in "01"):
        return msg("ERROR", fn, "INVALID PHONE NUMBER AREACODE", [phone, call.user.user])
    return None


def added_line(call: Call, fn: str, phone: str, list_id: int, lead_id: int, gmt: float) -> str:
    """`LEAD HAS BEEN ADDED`: real puts the user last, the document second."""
    u = call.user.user
    if call.realism == "real":
        return msg("SUCCESS", fn, "LEAD HAS BEEN ADDED", [phone, list_id, lead_id, fmt_gmt(gmt), u])
    return msg("SUCCESS", fn, "LEAD HAS BEEN ADDED", [phone, u, list_id, lead_id, fmt_gmt(gmt)])


def can_modify_leads(call: Call) -> bool:
    return call.user.user_level >= 8 and call.user.modify_leads


def add_lead(call: Call, *, fn: str = "add_lead", list_default: str = "999",
             campaign_override: str | None = None) -> str:
    """add_lead: validate, check duplicates, insert into the LeadStore, then the NOTICE lines."""
    u = call.user
    if not can_modify_leads(call):
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO ADD LEADS TO THE SYSTEM",
                   [u.user, int(u.modify_leads)])
    phone = digits(call.get("phone_number"))
    phone_code = digits(call.get("phone_code"))[:4] or "1"
    list_raw = digits(call.get("list_id"))
    list_id_s = list_raw if 3 <= len(list_raw) <= 12 else list_default
    list_id = int(list_id_s)
    err = phone_checks(call, fn, phone)
    if err:
        return err
    if u.allowed_lists is not None and list_id_s not in u.allowed_lists:
        return msg("ERROR", fn, "NOT AN ALLOWED LIST ID", [phone, list_id])
    pre: list[str] = []
    if call.get("nanpa_ac_prefix_check") == "Y":  # the simulator has no NANPA prefix data
        pre.append(msg("NOTICE", fn, "NANPA options disabled, NANPA prefix data not loaded", [0, u.user]))
    list_row = call.store.get_list(list_id)
    if call.get("list_exists_check") == "Y" and list_row is None:
        return msg("ERROR", fn, "NOT A DEFINED LIST ID, LIST EXISTS CHECK ENABLED", [phone, list_id])
    f = _lead_fields(call)
    dup = duplicate_error(call, fn, phone, list_id, f)
    if dup:
        return "".join(pre) + dup
    gmt = gmt_for(call, f.get("state"))
    entry_list = digits(call.get("entry_list_id"))
    fields = {**f, "phone_number": phone, "phone_code": phone_code, "list_id": list_id, "gmt_offset_now": gmt,
              "status": "NEW", "user": "", "called_count": 0, "called_since_last_reset": "N",
              "entry_list_id": int(entry_list) if 3 <= len(entry_list) <= 12 else 0}
    when = call.now
    lead_id = call.store.add_lead(fields, when=when)
    lines = [*pre, added_line(call, fn, phone, list_id, lead_id, gmt)]
    multi = call.get("multi_alt_phones")
    if len(multi) >= 5:
        n = len([p for p in multi.split("!") if digits(p.split("_")[0])])
        lines.append(msg("NOTICE", fn, "MULTI-ALT-PHONE NUMBERS LOADED", [n, u.user, lead_id]))
    if call.get("custom_fields") == "Y":
        lines.append(msg("NOTICE", fn, "CUSTOM FIELDS NOT ADDED, NO CUSTOM FIELDS DEFINED FOR THIS LIST",
                         [phone, lead_id, list_id]))
    campaign = campaign_override or (list_row or {}).get("campaign_id") or call.get("campaign_id") or None
    lead = {**fields, "lead_id": lead_id}
    lines += hopper_lines(call, fn, lead, campaign, update=False)
    cb_lines, cb_fields = callback_lines(call, fn, lead_id, update=False)
    if cb_fields:
        call.store.update_lead(lead_id, cb_fields, when=when)
    lines += cb_lines
    return "".join(lines)


# --------------------------------------------------------------------------- update_lead

EDITABLE = ("status", "source_id", "title", "first_name", "middle_initial", "last_name", "address1", "address2",
            "address3", "city", "state", "province", "postal_code", "country_code", "gender", "date_of_birth",
            "alt_phone", "email", "security_phrase", "comments", "owner")


def _update_fields(call: Call, methods: set[str]) -> dict[str, Any]:
    """Fields update_lead would set; `--BLANK--` empties a field, other empties are ignored."""
    out: dict[str, Any] = {}
    for name in EDITABLE:
        v = call.get(name)
        if not v:
            continue
        if v == BLANK:
            out[name] = ""
            continue
        if name == "status":
            v = re.sub(r"[^-_0-9a-zA-Z]", "", v)[:6]
            if not v:
                continue
        elif name == "gender":
            v = v.upper() if v.upper() in {"U", "M", "F"} else ""
            if not v:
                continue
        out[name] = v[: LEAD_FIELD_MAX.get(name, 255)]
    vlc = call.get("vendor_lead_code")
    if vlc and "VENDOR_LEAD_CODE" not in methods:
        out["vendor_lead_code"] = "" if vlc == BLANK else vlc[:20]
    if call.get("update_phone_number") == "Y":
        ph = digits(call.get("phone_number"))
        if 6 <= len(ph) <= 16:
            out["phone_number"] = ph
    uf = call.get("user_field")
    if uf:
        out["user"] = "" if uf == BLANK else uf[:20]
    lf = digits(call.get("list_id_field"))
    if 3 <= len(lf) <= 12:
        out["list_id"] = int(lf)
    for name, mx in (("called_count", 9), ("rank", 5), ("entry_list_id", 12)):
        v = digits(call.get(name))[:mx]
        if v:
            out[name] = int(v)
    gmt = call.get("gmt_offset_now")
    if re.fullmatch(r"-?\d{1,2}(\.\d+)?", gmt or ""):
        out["gmt_offset_now"] = float(gmt)
    if call.get("reset_lead") == "Y":
        out["called_since_last_reset"] = "N"
    return out


def update_lead(call: Call) -> str:
    """update_lead: search, then update/delete/report each match, or insert when asked."""
    fn = "update_lead"
    u = call.user
    if not can_modify_leads(call):
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO UPDATE LEADS IN THE SYSTEM",
                   [u.user, int(u.modify_leads)])
    method = call.get("search_method", "LEAD_ID").upper() or "LEAD_ID"
    lead_id = digits(call.get("lead_id"))[:9]
    vlc = call.get("vendor_lead_code")
    phone = digits(call.get("phone_number"))
    list_raw = digits(call.get("list_id"))
    location = call.get("search_location", "SYSTEM").upper() or "SYSTEM"
    if location not in {"LIST", "CAMPAIGN", "SYSTEM"} or not list_raw:
        location = "SYSTEM"
    crit: dict[str, Any] = {}
    methods: set[str] = set()
    if "LEAD_ID" in method and lead_id:
        crit["lead_id"] = int(lead_id)
        methods.add("LEAD_ID")
    if "VENDOR_LEAD_CODE" in method and vlc:
        crit["vendor_lead_code"] = vlc
        methods.add("VENDOR_LEAD_CODE")
    if "PHONE_NUMBER" in method and len(phone) > 5:
        crit["phone_number"] = phone
        methods.add("PHONE_NUMBER")
    insert = call.get("insert_if_not_found") == "Y"
    if not crit and not insert:
        return msg("ERROR", fn, "NO VALID SEARCH METHOD", [u.user, location, lead_id, vlc, phone])
    if location == "LIST":
        crit["list_ids"] = [int(list_raw)]
    elif location == "CAMPAIGN":
        crit["list_ids"] = lists_of_campaign(call, campaign_of_list(call, int(list_raw))) or [int(list_raw)]
    matches = call.store.find_leads(**crit) if methods else []
    if not matches:
        return _not_found(call, fn, insert, lead_id, vlc, phone)
    try:
        records = max(1, int(call.get("records") or 1))
    except ValueError:
        records = 1
    matches = sorted(matches, key=lambda r: r["lead_id"], reverse=True)[:records]
    lines: list[str] = []
    when = call.now
    if call.get("delete_lead") == "Y":
        for lead in matches:
            call.store.delete_lead(lead["lead_id"], when=when)
            side = side_state(call.store)
            with side.lock:
                side.hopper.pop(int(lead["lead_id"]), None)
                side.callbacks.pop(int(lead["lead_id"]), None)
            if call.realism == "real":
                lines.append(msg("SUCCESS", fn, "LEAD HAS BEEN DELETED 0|0", [u.user, lead["lead_id"], 1, 0, 0, ""]))
            else:
                lines.append(msg("SUCCESS", fn, "LEAD HAS BEEN DELETED",
                                 [lead["phone_number"], u.user, lead["list_id"], lead["lead_id"],
                                  fmt_gmt(lead["gmt_offset_now"])]))
        return "".join(lines)
    if call.get("no_update") == "Y":
        for lead in matches:
            lines.append(msg("NOTICE", fn, "LEADS FOUND IN THE SYSTEM",
                             [u.user, lead["lead_id"], lead["vendor_lead_code"] or "", lead["phone_number"],
                              lead["list_id"], lead["entry_list_id"] or 0], sep=": |"))
            lines += hopper_lines(call, fn, lead, campaign_of_list(call, lead["list_id"]), update=True)
        return "".join(lines)
    fields = _update_fields(call, methods)
    for lead in matches:
        cb_lines, cb_fields = callback_lines(call, fn, lead["lead_id"], update=True)
        changes = {**fields, **cb_fields}
        if changes:
            call.store.update_lead(lead["lead_id"], changes, when=when)
            if call.realism == "real":
                lines.append(msg("SUCCESS", fn, "LEAD HAS BEEN UPDATED", [u.user, lead["lead_id"], 1, 0, ""]))
            else:
                lines.append(msg("SUCCESS", fn, "LEAD HAS BEEN UPDATED", [u.user, lead["lead_id"]]))
        if call.get("custom_fields") == "Y":
            lines.append(msg("NOTICE", fn, "CUSTOM FIELDS NOT UPDATED, NO CUSTOM FIELDS DEFINED FOR THIS LIST",
                             [lead["phone_number"], lead["lead_id"], lead["list_id"]]))
        lines += cb_lines
        lines += hopper_lines(call, fn, {**lead, **changes}, campaign_of_list(call, lead["list_id"]), update=True)
    # A found lead with nothing to change: the real server answers an empty body.
    return "".join(lines)


def _not_found(call: Call, fn: str, insert: bool, lead_id: str, vlc: str, phone: str) -> str:
    u = call.user
    where = "IN THE SYSTEM"  # the server says SYSTEM whatever search_location narrowed to
    if not insert:
        if call.realism == "real":
            return msg("ERROR", fn, f"NO MATCHES FOUND {where}", [u.user, lead_id, vlc, phone], sep=": ", wrap=True)
        return msg("ERROR", fn, f"NO MATCHES FOUND {where}", [u.user, lead_id, vlc, phone])
    notice = msg("NOTICE", fn, f"NO MATCHES FOUND {where}", [u.user, lead_id, vlc, phone])
    phone_code = digits(call.get("phone_code"))[:4] or "1"
    list_raw = digits(call.get("list_id"))
    if not (6 <= len(phone) <= 16) or not (3 <= len(list_raw) <= 12):
        return notice + msg("ERROR", fn, "INVALID DATA FOR LEAD INSERTION", [u.user, phone, phone_code, list_raw])
    list_id = int(list_raw)
    f = _lead_fields(call)
    upd = _update_fields(call, set())
    status = upd.get("status") or "NEW"
    gmt = gmt_for(call, f.get("state"))
    fields = {**f, "phone_number": phone, "phone_code": phone_code, "list_id": upd.get("list_id", list_id),
              "gmt_offset_now": gmt, "status": status, "user": upd.get("user", ""), "called_count": 0,
              "called_since_last_reset": "N", "vendor_lead_code": vlc[:20] or None}
    new_id = call.store.add_lead(fields, when=call.now)
    lines = [notice, added_line(call, fn, phone, fields["list_id"], new_id, gmt)]
    lead = {**fields, "lead_id": new_id}
    lines += hopper_lines(call, fn, lead, campaign_of_list(call, fields["list_id"]), update=True)
    return "".join(lines)
