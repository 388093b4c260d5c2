"""goUsers, goCampaigns, goCalltimes: the installation's dimensions (agents, portfolios,
profiles, campaigns, the hopper, call times), with today's figures where the real API adds them.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from simulator.context import Params, SimContext
from simulator.goapi_dashboard import live_status
from simulator.goapi_protocol import ERR_ACCESS, ERR_MISSING, TS_FMT, ApiError, headers
from simulator.goapi_query import per_user
from simulator.nonagent_hopper import hopper_rows
from simulator.state import DIALABLE_STATUSES


# =============================================================================== goUsers
def get_all_users(params: Params, ctx: SimContext) -> dict[str, Any]:
    w = ctx.world
    inactive = (params.get("only_inactives") or "0") == "1"
    names = dict(zip(w.campaigns["campaign_id"].to_pylist(), w.campaigns["campaign_name"].to_pylist(), strict=True))
    prof_id = dict(zip(w.profiles["profile_id"].to_pylist(), w.profiles["id"].to_pylist(), strict=True))
    ports = w.portfolios["portfolio"].to_pylist()
    users = []
    if not inactive:
        for r in w.agents.to_pylist():
            camp = w.campaign_by_id[r["campaign_id"]]
            users.append({
                "user_id": r["user_id"], "user": r["user"], "name": r["full_name"], "exten": r["exten"],
                "level": r["user_level"], "active": "Y", "campaign_id": r["campaign_id"],
                "campaign_name": names[r["campaign_id"]], "rank": 0, "profile_id": prof_id.get(r["profile"], 0),
                "allowed_companys": [r["portfolio"]] if r["user_level"] < 7 else ports,
                "inbound": int(camp["campaign_type"] != "outbound"), "dialer": int(camp["campaign_type"] != "inbound"),
                "xfer": 1, "manual_dial_only": 0,
                "closer_campaigns": " " + " ".join(g for g, c in zip(w.ingroups["group_id"].to_pylist(),
                                                                      w.ingroups["campaign_id"].to_pylist(),
                                                                      strict=True) if c == r["campaign_id"]) + " ",
                "agentcall_manual": "1",
            })
    active_c = w.campaigns.filter(pc.equal(w.campaigns["active"], "Y"))
    preview = active_c.filter(pc.equal(active_c["dial_method"], "PREVIEW"))
    n = w.n_agents
    return {"result": "success", "data": {
        "user_list": users, "all_campaigns": active_c["campaign_name"].to_pylist(),
        "all_preview_campaigns": [{"campaign_id": c, "campaign_name": nm} for c, nm in
                                  zip(preview["campaign_id"].to_pylist(), preview["campaign_name"].to_pylist(),
                                      strict=True)],
        "total_users": n, "total_active_users": n, "total_inactive_users": 0}}


def get_all_portfolios(params: Params, ctx: SimContext) -> dict[str, Any]:
    return {"result": "success", "data": ctx.world.portfolios.to_pylist()}


def get_all_profiles(params: Params, ctx: SimContext) -> dict[str, Any]:
    p = ctx.world.profiles.to_pylist()
    rows = [{**r, "action": f'<button class="btn btn-success btn-normal edit_profile" profile="{r["profile_id"]}" '
                            f'profile_type="profile" profile_id="{r["id"]}" title="Edit"><i class="fa fa-pencil">'
                            "</i></button>"} for r in p]
    data = [{"profile_id": r["profile_id"], "profile_name": r["profile_name"]} for r in p]
    return {"result": "success", "data": data,
            "use_profile": 1, "profiles": {"headers": headers(list(rows[0])), "rows": rows}}


def _agent_row(ctx: SimContext, user: str | None) -> dict[str, Any]:
    if not user:
        raise ApiError(ERR_MISSING)
    i = ctx.world.agent_index.get(user)
    if i is None:
        lower = {u.lower(): j for u, j in ctx.world.agent_index.items()}
        i = lower.get(user.lower())
    if i is None:
        raise ApiError(ERR_ACCESS)
    return ctx.world.agents.slice(i, 1).to_pylist()[0]


def _hhmmss(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def get_user_info(params: Params, ctx: SimContext) -> dict[str, Any]:
    r = _agent_row(ctx, params.get("user"))
    w = ctx.world
    log = ctx.day_log(ctx.clock.today())
    t = per_user(log.calls, log.agent_states)
    st = t.filter(pc.equal(t["user"], r["user"])).to_pylist()
    s = st[0] if st else None
    closer = [g for g, c in zip(w.ingroups["group_id"].to_pylist(), w.ingroups["campaign_id"].to_pylist(),
                                strict=True) if c == r["campaign_id"]]
    info = {
        "user_id": r["user_id"], "user": r["user"], "pass": "********", "pass_hash": "",
        "email": f"{r['user'].lower()}@example.com", "voicemail_id": "", "phone_login": str(r["exten"]),
        "phone_pass": "********", "full_name": r["full_name"], "user_level": r["user_level"], "territory": "",
        "tenant": r["portfolio"], "user_code": str(r["user_id"]), "hotkeys_active": "1",
        "agent_choose_ingroups": "0", "scheduled_callbacks": "1", "agentonly_callbacks": "1",
        "agentcall_manual": "1", "dialer_recording": "1", "dialer_transfers": "1", "closer_default_blended": "0",
        "user_group": r["user_group"], "dialer_recording_override": "DISABLED",
        "alter_custphone_override": "NOT_ACTIVE", "alert_enabled": "0",
        "agent_shift_enforcement_override": "DISABLED", "shift_override_flag": "0", "allow_alerts": "0",
        "closer_campaigns": " " + " ".join(closer) + " -", "agent_choose_territories": "0", "custom_one": "",
        "custom_two": "", "custom_three": "", "custom_four": "", "custom_five": "",
        "agent_call_log_view_override": "DISABLED", "agent_choose_blended": "1",
        "agent_lead_search_override": "NOT_ACTIVE", "preset_contact_search": "NOT_ACTIVE", "voicemail_pass": "",
    }
    if s:
        tc = s["total_calls"]
        stats = {
            "first_activity": s["first_activity"].strftime("%H:%M:%S"),
            "last_activity": s["last_activity"].strftime("%H:%M:%S"),
            "login_time": _hhmmss(s["login_time"]), "after_call": _hhmmss(s["dispo"] + s["dead"]),
            "break": _hhmmss(s["pause_all"] - s["pause_nocode"]), "pause": _hhmmss(s["pause_nocode"]),
            "avalible": _hhmmss(s["wait"]), "avg_wait": _hhmmss(s["wait"] // tc if tc else 0),
            "talk": _hhmmss(s["talk"]), "talk_avalible": _hhmmss(s["talk"] + s["wait"]), "total_calls": tc,
            "denied": s["denied"], "lip": s["lip"], "vrf": s["vrf"], "sales": s["sales"],
            "sla_productivity": f"{round(100 * (s['talk'] + s['wait']) / max(s['login_time'], 1))}%",
        }
    else:
        zero = "00:00:00"
        stats = {"first_activity": zero, "last_activity": zero, "login_time": zero, "after_call": zero,
                 "break": zero, "pause": zero, "avalible": zero, "avg_wait": zero, "talk": zero,
                 "talk_avalible": zero, "total_calls": 0, "denied": 0, "lip": 0, "vrf": 0, "sales": 0,
                 "sla_productivity": "0%"}
    return {"result": "success", "data": {"user_info": info, "user_stats": stats}}


def get_live_agent_info(params: Params, ctx: SimContext) -> dict[str, Any]:
    r = _agent_row(ctx, params.get("user"))
    status = live_status(ctx).get(r["user"], "LOGGED OUT")
    color = {"IN CALL": "green", "READY": "primary", "PAUSED": "warning", "DISPO": "info"}.get(status, "default")
    data: dict[str, Any] = {"status": status, "color": color, "in_call_with": "", "campaign_id": "",
                            "campaign_name": "", "call_type": "", "caller_id": "", "conf_exten": f"86{r['exten']:05d}",
                            "server_ip": "127.0.0.1", "vendor_lead_code": "", "lead_id": 0}
    if status == "IN CALL":
        log = ctx.day_log(ctx.clock.today())
        mine = log.calls.filter(pc.equal(log.calls["user"], r["user"]))
        if mine.num_rows:
            last = mine.slice(mine.num_rows - 1, 1).to_pylist()[0]
            camp = ctx.world.campaign_by_id[last["campaign_id"]]
            data.update({"in_call_with": last["phone_number"], "campaign_id": last["campaign_id"],
                         "campaign_name": camp["campaign_name"], "call_type": last["call_type"].upper(),
                         "caller_id": camp["campaign_cid"], "vendor_lead_code": last["vendor_lead_code"] or "",
                         "lead_id": last["lead_id"] or 0})
    return {"result": "success", "data": data}


# =============================================================================== goCampaigns
def get_all_campaigns(params: Params, ctx: SimContext) -> dict[str, Any]:
    rows = [{"id": c["campaign_id"], "campaign_name": c["campaign_name"],
             "dialer": "N" if c["dial_method"] == "MANUAL" else "Y", "campaign_vdad_exten": "Y",
             "list_order_mix": "Y" if c["lead_order"] == "RANDOM" else "N",
             "dial_method": c["dial_method"], "auto_dial_level": c["auto_dial_level"], "active": c["active"]}
            for c in ctx.world.campaigns.to_pylist()]
    return {"result": "success", "data": {"rows": rows}}


def _campaign(ctx: SimContext, params: Params) -> dict[str, Any]:
    cid = params.get("campaign_id")
    if not cid:
        raise ApiError(ERR_MISSING)
    c = ctx.world.campaign_by_id.get(cid)
    if c is None:
        raise ApiError(ERR_ACCESS)
    return c


def get_campaign_info(params: Params, ctx: SimContext) -> dict[str, Any]:
    c = _campaign(ctx, params)
    w = ctx.world
    closer = [g for g, cc in zip(w.ingroups["group_id"].to_pylist(), w.ingroups["campaign_id"].to_pylist(),
                                 strict=True) if cc == c["campaign_id"]]
    log = ctx.day_log(ctx.clock.today())
    mine = log.calls.filter(pc.equal(log.calls["campaign_id"], c["campaign_id"]))
    last = pc.max(mine["call_date"]).as_py() if mine.num_rows else None
    data = {
        "campaign_id": c["campaign_id"], "campaign_name": c["campaign_name"], "active": c["active"],
        "dial_status_a": "NEW", "dial_status_b": "NA", "dial_status_c": "CALLBK", "dial_status_d": "",
        "dial_status_e": "",
        "lead_order": c["lead_order"], "hopper_level": c["hopper_level"], "auto_dial_level": c["auto_dial_level"],
        "next_agent_call": "longest_wait_time", "local_call_time": c["calltime_id"], "dial_timeout": c["dial_timeout"],
        "dial_prefix": "9", "campaign_cid": c["campaign_cid"], "campaign_script": "", "campaign_recording":
        c["campaign_recording"], "closer_campaigns": ", ".join(closer), "drop_call_seconds": c["drop_call_seconds"],
        "drop_action": "IN_GROUP" if closer else "HANGUP", "wrapup_seconds": 0, "wrapup_message": "",
        "manual_dial_list_id": c["manual_dial_list_id"], "queue_priority": 50,
        "default_xfer_group": closer[0] if closer else "---NONE---", "survey_method": "AGENT_XFER",
        "survey_dtmf_digits": "1238", "survey_xfer_exten": "8300", "use_internal_dnc": "Y",
        "manual_dial_timeout": str(c["dial_timeout"]), "three_way_call_cid": "CAMPAIGN", "three_way_dial_prefix": "9",
        "callback_days_limit": 0, "campaign_description": None,
        "campaign_calldate": last.strftime(TS_FMT) if last else None,
    }
    return {"result": "success", "data": data, "campaign_type": c["campaign_type"].upper(),
            "custom_fields_launch": "ONCALL"}


def get_leads_on_hopper(params: Params, ctx: SimContext) -> dict[str, Any]:
    c = _campaign(ctx, params)
    lists = ctx.store.lists()
    mine = lists.filter(pc.and_(pc.equal(lists["campaign_id"], c["campaign_id"]), pc.equal(lists["active"], "Y")))
    leads = ctx.store.leads()
    sel = leads.filter(pc.and_(pc.is_in(leads["list_id"], value_set=mine["list_id"].combine_chunks()),
                               pc.and_(pc.is_in(leads["status"], value_set=pa.array(DIALABLE_STATUSES)),
                                       pc.equal(leads["called_since_last_reset"], "N"))))
    # leads a write-back put in the hopper (add_lead/update_lead add_to_hopper=Y) come first
    pinned = sorted((h for h in hopper_rows(ctx.store) if h["campaign_id"] == c["campaign_id"]),
                    key=lambda h: (-int(h["priority"]), h["hopper_id"]))
    pinned_ids = pa.array([int(h["lead_id"]) for h in pinned], pa.int64())
    if len(pinned_ids):
        sel = sel.filter(pc.invert(pc.is_in(pc.cast(sel["lead_id"], pa.int64()), value_set=pinned_ids)))
    n = max(0, min(sel.num_rows, int(c["hopper_level"]) - len(pinned), 500 - len(pinned)))
    sel = sel.slice(0, n)
    n += len(pinned)
    names = dict(zip(mine["list_id"].to_pylist(), mine["list_name"].to_pylist(), strict=True))
    btn = '<button class="btn btn-delete"><i class="fa fa-trash" aria-hidden="true"></i></button>'
    rows = []
    for h in pinned:
        rows.append({
            "lead_id": str(h["lead_id"]), "last_local_call_time": None, "loan_id": h.get("vendor_lead_code"),
            "phone_number": h.get("phone_number"), "state": h.get("state"), "disposition": "NEW", "count": "0",
            "gmt_offset_now": f"{float(h.get('gmt_offset_now') or 0):.2f}", "hopper_id": str(h["hopper_id"]),
            "alt_dial": "MAIN", "list_name": names.get(h.get("list_id"), ""), "list_id": str(h.get("list_id")),
            "priority": int(h["priority"]), "source": h.get("source"), "numrows": n, "delete": btn})
    for i, r in enumerate(sel.to_pylist()):
        rows.append({
            "lead_id": str(r["lead_id"]), "last_local_call_time": r["last_local_call_time"],
            "loan_id": r["vendor_lead_code"], "phone_number": r["phone_number"], "state": r["state"],
            "disposition": r["status"], "count": r["called_count"], "gmt_offset_now": f"{r['gmt_offset_now']:.2f}",
            "hopper_id": str(5001 + len(pinned) + i), "alt_dial": "MAIN", "list_name": names.get(r["list_id"], ""),
            "list_id": str(r["list_id"]), "priority": 0 if r["status"] != "CALLBK" else 50,
            "source": r["source_id"], "numrows": n, "delete": btn})
    heads = [{"title": t, "field": f} for t, f in (("Loan ID", "loan_id"), ("Phone Number", "phone_number"),
                                                   ("Disposition", "disposition"), ("Count", "count"),
                                                   ("Source", "source"), ("List Name", "list_name"),
                                                   ("Lead ID", "lead_id"))]
    heads.append({"title": "Delete", "field": "delete", "formatter": "html"})
    return {"result": "success", "data": {"rows": rows, "headers": heads,
                                          "html": '<div class="toggleTitlesAction" style="width: 90%">...</div>',
                                          "content": "table"}}


# =============================================================================== goCalltimes
def get_all_calltimes(params: Params, ctx: SimContext) -> dict[str, Any]:
    ct = ctx.world.calltimes.drop_columns(["call_time_comments"])
    return {"result": "success", **{c: ct[c].to_pylist() for c in ct.column_names}}


def get_calltime_info(params: Params, ctx: SimContext) -> dict[str, Any]:
    cid = params.get("call_time_id") or params.get("call-time-id")
    if not cid:
        raise ApiError(ERR_MISSING)
    ct = ctx.world.calltimes
    rows = ct.filter(pc.equal(ct["call_time_id"], cid)).to_pylist()
    if not rows:
        raise ApiError(ERR_ACCESS)
    r = rows[0]
    ids = ct["call_time_id"].to_pylist()
    out: dict[str, Any] = {"result": "success", "id": ids.index(cid) + 1}
    out.update({k: r[k] for k in ("call_time_id", "call_time_name", "call_time_comments", "ct_default_start",
                                  "ct_default_stop")})
    for d in ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"):
        out[f"ct_{d}_start"] = r[f"ct_{d}_start"]
        out[f"ct_{d}_stop"] = r[f"ct_{d}_stop"]
    out["ct_state_call_times"] = ""
    out["default_afterhours_filename_override"] = ""
    for d in ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"):
        out[f"{d}_afterhours_filename_override"] = ""
    out["user_group"] = r["user_group"]
    out["ct_holidays"] = ""
    return out
