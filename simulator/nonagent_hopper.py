"""The hopper and scheduled callbacks: side state of the lead store the write-back functions
touch (add_to_hopper=Y, callback=Y), read back by the goAPI hopper report via `hopper_rows`.
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from simulator.nonagent_call import Call, fmt_gmt, valid_campaign, valid_user
from simulator.nonagent_text import msg
from simulator.state import LeadStore
from simulator.world import calltime_window


@dataclass
class SideState:
    """Hopper entries and scheduled callbacks the LeadStore does not model itself."""

    hopper: dict[int, dict[str, Any]] = field(default_factory=dict)
    callbacks: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_hopper_id: int = 1_677_922
    next_callback_id: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)


_SIDE: weakref.WeakKeyDictionary[LeadStore, SideState] = weakref.WeakKeyDictionary()
_SIDE_LOCK = threading.Lock()


def side_state(store: LeadStore) -> SideState:
    """Per-LeadStore hopper/callback state (read by the goAPI hopper report via `hopper_rows`)."""
    with _SIDE_LOCK:
        st = _SIDE.get(store)
        if st is None:
            st = SideState()
            _SIDE[store] = st
        return st


def hopper_rows(store: LeadStore) -> list[dict[str, Any]]:
    """Leads the text APIs put in the hopper (lead_id, campaign_id, priority, hopper_id, ...)."""
    st = side_state(store)
    with st.lock:
        return [dict(v) for v in st.hopper.values()]


def add_to_hopper(store: LeadStore, lead: dict[str, Any], campaign_id: str, priority: int, user: str,
                  when: datetime) -> tuple[bool, int]:
    """Put a lead in the hopper; (False, existing_id) if it is already there."""
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
    return True, hid


def in_local_call_time(call: Call, campaign_id: str | None, gmt: float) -> bool:
    """Is it inside the campaign's call time at the lead's local time (hopper_local_call_time_check)?"""
    camp = call.world.campaign_by_id.get(campaign_id or "")
    if not camp:
        return True
    t = datetime.now(call.ctx.tz)
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
