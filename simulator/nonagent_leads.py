"""Write-back and lead/list functions of the text APIs: add_lead, update_lead, add_list,
update_list, list_info, plus the hopper/callback side state they touch.

They change the shared LeadStore (timestamped with the simulator clock), so later list_info,
lead_status_search, getLeadsOnHopper and later days' calls see the change. Message lines
follow the real server by default and the document with realism="docs"; where the two
differ the choice is made in one place per message, named `real`/`docs`.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from simulator.nonagent_auth import ApiUser, now, tz
from simulator.nonagent_text import Realism, msg, render_table
from simulator.world import STATE_GMT, calltime_window

BLANK = "--BLANK--"

#: add_lead/update_lead optional fields and their documented maximum lengths (longer values
#: are cut, like the real database columns do; the API itself does not reject them).
LEAD_FIELD_MAX = {
    "vendor_lead_code": 20, "source_id": 50, "title": 4, "first_name": 30, "middle_initial": 1,
    "last_name": 30, "address1": 100, "address2": 100, "address3": 100, "city": 50, "state": 2,
    "province": 50, "postal_code": 10, "country_code": 3, "date_of_birth": 10, "alt_phone": 12,
    "email": 70, "security_phrase": 100, "comments": 255, "owner": 20,
}


def digits(value: str | None) -> str:
    return re.sub(r"[^0-9]", "", value or "")


def fmt_gmt(value: float | None) -> str:
    """gmt offset as VICIdial prints it in add_lead lines: `-5`, `-3.5`."""
    v = float(value if value is not None else 0.0)
    return str(int(v)) if v.is_integer() else str(v)


# --------------------------------------------------------------------------- side state


@dataclass
class SideState:
    """Hopper entries and scheduled callbacks the LeadStore does not model itself."""

    hopper: dict[int, dict[str, Any]] = field(default_factory=dict)
    callbacks: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_hopper_id: int = 1_677_922
    next_callback_id: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)


_SIDE: weakref.WeakKeyDictionary[Any, SideState] = weakref.WeakKeyDictionary()
_SIDE_LOCK = threading.Lock()


def side_state(store: Any) -> SideState:
    """Per-LeadStore hopper/callback state (read by the goAPI hopper report via `hopper_rows`)."""
    with _SIDE_LOCK:
        st = _SIDE.get(store)
        if st is None:
            st = SideState()
            _SIDE[store] = st
        return st


def hopper_rows(store: Any) -> list[dict[str, Any]]:
    """Leads the text APIs put in the hopper (lead_id, campaign_id, priority, hopper_id, ...)."""
    st = side_state(store)
    with st.lock:
        return [dict(v) for v in st.hopper.values()]


def add_to_hopper(store: Any, lead: dict[str, Any], campaign_id: str, priority: int, user: str,
                  when: datetime) -> tuple[bool, int]:
    """Put a lead in the hopper; (False, existing_id) if it is already there."""
    native: Callable[..., Any] | None = getattr(store, "add_to_hopper", None)
    st = side_state(store)
    with st.lock:
        lead_id = int(lead["lead_id"])
        if lead_id in st.hopper:
            return False, st.hopper[lead_id]["hopper_id"]
        hid = st.next_hopper_id
        st.next_hopper_id += 1
        st.hopper[lead_id] = {"hopper_id": hid, "lead_id": lead_id, "campaign_id": campaign_id,
                              "list_id": lead.get("list_id"), "priority": priority, "status": "READY",
                              "user": user, "source": "A", "added": when.isoformat(sep=" "),
                              "phone_number": lead.get("phone_number"),
                              "vendor_lead_code": lead.get("vendor_lead_code"),
                              "gmt_offset_now": lead.get("gmt_offset_now"), "state": lead.get("state")}
    if native is not None:
        try:
            native(lead_id, campaign_id=campaign_id, priority=priority, when=when)
        except TypeError:
            native(lead_id, campaign_id, priority)
    return True, hid


# --------------------------------------------------------------------------- request view


@dataclass
class Call:
    """What a function handler sees: params (first value wins), context, account, realism."""

    params: Any
    ctx: Any
    user: ApiUser
    realism: Realism
    function: str
    surface: str = "vicidial"

    def get(self, name: str, default: str = "") -> str:
        p = self.params
        value = None
        if hasattr(p, "getlist"):
            vals = p.getlist(name)
            value = vals[0] if vals else None
        else:
            value = p.get(name)
            if isinstance(value, list | tuple):
                value = value[0] if value else None
        return default if value is None else str(value)

    def has(self, name: str) -> bool:
        return self.get(name) != ""

    def keys(self) -> list[str]:
        return list(self.params.keys())

    @property
    def store(self) -> Any:
        return self.ctx.store

    @property
    def world(self) -> Any:
        return self.ctx.world

    @property
    def now(self) -> datetime:
        return now(self.ctx)


def _standard_offset(call: Call) -> float:
    t = datetime.now(tz(call.ctx))
    off = (t.utcoffset() or timedelta()) - (t.dst() or timedelta())
    return off.total_seconds() / 3600.0


def gmt_for(call: Call, state: str | None) -> float:
    """gmt_offset_now of a new lead: the state's zone when known, else the dialer's own zone."""
    if state and state.upper() in STATE_GMT:
        return STATE_GMT[state.upper()]
    return _standard_offset(call)


def campaign_of_list(call: Call, list_id: int) -> str | None:
    row = call.store.get_list(int(list_id))
    return row.get("campaign_id") if row else None


def lists_of_campaign(call: Call, campaign_id: str | None) -> list[int]:
    if not campaign_id:
        return []
    tbl = call.store.lists()
    return tbl.filter(pc.equal(tbl["campaign_id"], campaign_id))["list_id"].to_pylist()


def valid_campaign(call: Call, campaign_id: str) -> bool:
    return campaign_id in call.world.campaign_by_id


def valid_user(call: Call, user: str) -> bool:
    return user in call.world.agent_index or user in _api_users(call)


def _api_users(call: Call) -> set[str]:
    from simulator.nonagent_auth import users

    return set(users(call.ctx))


# --------------------------------------------------------------------------- add_lead


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


def in_local_call_time(call: Call, campaign_id: str | None, gmt: float) -> bool:
    """Is it inside the campaign's call time at the lead's local time (hopper_local_call_time_check)?"""
    camp = call.world.campaign_by_id.get(campaign_id or "")
    if not camp:
        return True
    t = datetime.now(tz(call.ctx))
    dialer_off = (t.utcoffset() or timedelta()).total_seconds() / 3600.0
    dst = (t.dst() or timedelta()).total_seconds() / 3600.0  # leads keep standard offsets
    lead_time = call.now + timedelta(hours=gmt + dst - dialer_off)
    start, stop = calltime_window(call.world.calltimes, camp["calltime_id"], lead_time.date())
    hhmm = lead_time.hour * 100 + lead_time.minute
    return start <= hhmm < stop


def hopper_lines(call: Call, fn: str, lead: dict[str, Any], campaign_id: str | None, *, update: bool) -> list[str]:
    """NOTICE lines for add_to_hopper=Y (documented forms)."""
    if call.get("add_to_hopper") != "Y":
        return []
    phone, lead_id, user = lead.get("phone_number"), lead["lead_id"], call.user.user
    gmt = lead.get("gmt_offset_now") or 0.0
    if call.get("hopper_local_call_time_check") == "Y" and not in_local_call_time(call, campaign_id, gmt):
        if update:
            return [msg("NOTICE", fn, "NOT ADDED TO HOPPER, OUTSIDE OF LOCAL TIME",
                        [phone, lead_id, fmt_gmt(gmt), 0, user])]
        return [msg("NOTICE", fn, "NOT ADDED TO HOPPER, OUTSIDE OF LOCAL TIME",
                    [phone, user, lead_id, fmt_gmt(gmt), 0])]
    try:
        priority = max(-99, min(99, int(call.get("hopper_priority") or 0)))
    except ValueError:
        priority = 0
    added, hid = add_to_hopper(call.store, lead, campaign_id or "", priority, user, call.now)
    if not added:
        return [msg("NOTICE", fn, "NOT ADDED TO HOPPER, LEAD IS ALREADY IN THE HOPPER", [phone, lead_id, user])]
    return [msg("NOTICE", fn, "ADDED TO HOPPER", [phone, user, lead_id, hid])]


def _callback_datetime(call: Call) -> str | None:
    raw = call.get("callback_datetime").replace("+", " ").strip()
    if raw.upper() == "NOW":
        return call.now.strftime("%Y-%m-%d %H:%M:%S")
    m = re.fullmatch(r"(\d+)DAYS", raw.upper())
    if m:
        return (call.now + timedelta(days=int(m.group(1)))).strftime("%Y-%m-%d %H:%M:%S")
    try:
        return datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def callback_lines(call: Call, fn: str, lead_id: int, *, update: bool) -> tuple[list[str], dict[str, Any]]:
    """NOTICE lines for callback=Y (and REMOVE on update_lead); returns lead fields to change."""
    cb = call.get("callback").upper()
    st = side_state(call.store)
    if update and cb == "REMOVE":
        with st.lock:
            st.callbacks.pop(int(lead_id), None)
        return [msg("NOTICE", fn, "SCHEDULED CALLBACK DELETED", [lead_id])], {}
    if cb != "Y":
        return [], {}
    campaign_id = call.get("campaign_id")
    if not valid_campaign(call, campaign_id):
        return [msg("NOTICE", fn, "SCHEDULED CALLBACK NOT ADDED, CAMPAIGN NOT VALID", [lead_id, campaign_id])], {}
    when = _callback_datetime(call)
    if when is None:
        if update:
            return [msg("NOTICE", fn, "SCHEDULED CALLBACK NOT UPDATED, NO FIELDS SPECIFIED", [lead_id, ""])], {}
        return [msg("NOTICE", fn, "SCHEDULED CALLBACK NOT ADDED, CAMPAIGN NOT VALID", [lead_id, campaign_id])], {}
    cb_type = call.get("callback_type", "ANYONE").upper()
    cb_type = cb_type if cb_type in {"USERONLY", "ANYONE"} else "ANYONE"
    cb_user = call.get("callback_user")
    if cb_type == "USERONLY" and not valid_user(call, cb_user):
        return [msg("NOTICE", fn, "SCHEDULED CALLBACK NOT ADDED, USER NOT VALID",
                    [lead_id, campaign_id, cb_user, ""])], {}
    status = (call.get("callback_status") or "CALLBK")[:6]
    with st.lock:
        existed = int(lead_id) in st.callbacks
        st.callbacks[int(lead_id)] = {"lead_id": int(lead_id), "callback_time": when, "campaign_id": campaign_id,
                                      "user": cb_user, "recipient": cb_type, "status": status,
                                      "comments": call.get("callback_comments")}
    text = "SCHEDULED CALLBACK UPDATED" if (update and existed) else "SCHEDULED CALLBACK ADDED"
    return [msg("NOTICE", fn, text, [lead_id, when, campaign_id, cb_user, cb_type, status])], {"status": "CBHOLD"}


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


# --------------------------------------------------------------------------- lists

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


__all__ = ["Call", "add_lead", "add_list", "hopper_rows", "list_info", "side_state", "update_lead", "update_list"]
