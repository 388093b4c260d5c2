"""goReports: CDRs, agent, pause and summary reports.

Every report is a group-by over the day logs (`SimContext.day_log`), never a separate random
draw, so e.g. agent_cdr rows per agent = exportAgentReport total_calls and the pause report
equals the summed pause events.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.context import Params, SimContext
from simulator.encode import Rows
from simulator.goapi_protocol import headers
from simulator.goapi_query import (
    agent_calls,
    as_str,
    attach_agent,
    calls_and_states,
    campaign_col,
    filter_calls,
    hms,
    per_user,
    row_limit,
    sql,
    status_name,
    users_in,
)
from simulator.state import DIALABLE_STATUSES


def outbound_cdr(params: Params, ctx: SimContext) -> dict[str, Any]:
    calls, _, _, _ = calls_and_states(ctx, params)
    need = ["call_date", "phone_number", "user", "call_type", "carrier_disposition", "term_reason",
            "queue_seconds", "portfolio", "vendor_lead_code", "lead_id", "list_id", "entry_date", "campaign_id",
            "campaign_code", "status", "status_code"]
    calls = calls.select(need).filter(pc.equal(calls["direction"], "OUT"))  # narrow first: cheaper filter
    calls = filter_calls(calls, ctx, params)
    calls = row_limit(calls, ctx)
    agent = pc.fill_null(calls["user"], "VDAD")
    rows = pa.table({
        "call_date": as_str(calls["call_date"]),
        "src": campaign_col(calls, "campaign_cid", ctx),
        "dst": calls["phone_number"].combine_chunks(),
        "agent": agent.combine_chunks() if isinstance(agent, pa.ChunkedArray) else agent,
        "campaign": campaign_col(calls, "campaign_name", ctx),
        "call_type": calls["call_type"].combine_chunks(),
        "disposition": status_name(calls, ctx),
        "carrier_disposition": calls["carrier_disposition"].combine_chunks(),
        "term_reason": calls["term_reason"].combine_chunks(),
        "queue_time": as_str(calls["queue_seconds"]),
        "portfolio": calls["portfolio"].combine_chunks(),
        "vendor_lead_code": calls["vendor_lead_code"].combine_chunks(),
        "lead_id": as_str(calls["lead_id"]),
        "list_id": as_str(calls["list_id"]),
        "entry_date": as_str(calls["entry_date"]),
    })
    summary = _outbound_summary(calls, ctx)
    return {"result": "success", "data": {
        "rows": Rows(rows), "headers": headers(rows.column_names),
        "summary_headers": headers(list(summary[0]) if summary else _SUMMARY_FIELDS),
        "summary_rows": summary,
    }}


_SUMMARY_FIELDS = ["campaign_name", "total_leads", "dialable", "pending", "total_calls", "dialer", "dialed",
                   "manual_calls", "handled_calls", "total_removed", "removed", "remove_all_period"]
_REMOVED = ("SALE", "DNC", "NI", "DC", "WIT", "DEC", "XFER", "LIP", "VRF")


def _outbound_summary(calls: pa.Table, ctx: SimContext) -> list[dict[str, Any]]:
    if calls.num_rows == 0:
        return []
    agg = sql(f"""
        SELECT campaign_id, count(*) AS total_calls,
               count(*) FILTER (WHERE call_type = 'Dialer') AS dialer,
               count(*) FILTER (WHERE call_type = 'Manual') AS manual_calls,
               count(*) FILTER (WHERE "user" IS NOT NULL) AS handled_calls,
               count(DISTINCT lead_id) AS leads_dialed,
               count(DISTINCT lead_id) FILTER (WHERE status IN {_REMOVED}) AS removed
        FROM calls GROUP BY campaign_id""", calls=calls.select(["campaign_id", "call_type", "user", "lead_id",
                                                                 "status"]))
    leads, lists = ctx.store.leads(), ctx.store.lists()
    per_list = sql(f"""
        SELECT l.campaign_id, count(*) AS total_leads,
               count(*) FILTER (WHERE d.status IN {DIALABLE_STATUSES} AND d.called_since_last_reset = 'N')
                 AS dialable
        FROM leads d JOIN lists l ON d.list_id = l.list_id WHERE l.active = 'Y' GROUP BY l.campaign_id""",
                    leads=leads.select(["list_id", "status", "called_since_last_reset"]),
                    lists=lists.select(["list_id", "campaign_id", "active"]))
    lead_counts = {r["campaign_id"]: r for r in per_list.to_pylist()}
    names = {r["campaign_id"]: r["campaign_name"] for r in ctx.world.campaigns.to_pylist()}
    out = []
    for r in sorted(agg.to_pylist(), key=lambda r: names.get(r["campaign_id"], "")):
        lc = lead_counts.get(r["campaign_id"], {"total_leads": 0, "dialable": 0})
        out.append({
            "campaign_name": names.get(r["campaign_id"], r["campaign_id"]), "total_leads": lc["total_leads"],
            "dialable": lc["dialable"], "pending": max(0, lc["dialable"] - r["leads_dialed"]),
            "total_calls": r["total_calls"], "dialer": r["dialer"], "dialed": r["total_calls"],
            "manual_calls": r["manual_calls"], "handled_calls": r["handled_calls"], "total_removed": 0,
            "removed": r["removed"], "remove_all_period": r["removed"],
        })
    return out


def inbound_cdr(params: Params, ctx: SimContext) -> dict[str, Any]:
    calls, _, _, _ = calls_and_states(ctx, params)
    calls = calls.filter(pc.equal(calls["direction"], "IN"))
    calls = row_limit(filter_calls(calls, ctx, params), ctx)
    rows = pa.table({
        "call_date": as_str(calls["call_date"]), "enter_on_queue": as_str(calls["enter_on_queue"]),
        "src": calls["phone_number"].combine_chunks(), "dst": calls["did"].combine_chunks(),
        "carrier": calls["carrier"].combine_chunks(), "uniq1": calls["uniqueid"].combine_chunks(),
        "queue": calls["group_id"].combine_chunks(), "agent": calls["user"].combine_chunks(),
        "campaign": campaign_col(calls, "campaign_name", ctx),
        "disposition": status_name(calls, ctx),
        "term_reason": calls["term_reason"].combine_chunks(), "queue_time": as_str(calls["queue_seconds"]),
        "call_duration": as_str(calls["length_in_sec"]), "queue_position": as_str(calls["queue_position"]),
        "portfolio": calls["portfolio"].combine_chunks(), "lead_id": as_str(calls["lead_id"]),
        "list_id": as_str(calls["list_id"]), "vendor_lead_code": calls["vendor_lead_code"].combine_chunks(),
    })
    return {"result": "success", "data": {"rows": Rows(rows), "headers": headers(rows.column_names)}}


def agent_cdr(params: Params, ctx: SimContext) -> dict[str, Any]:
    calls, _, _, _ = calls_and_states(ctx, params)
    calls = row_limit(filter_calls(agent_calls(calls), ctx, params, by_agent=True), ctx)
    answer = pc.coalesce(calls["answer_time"], calls["call_date"])
    rows = pa.table({
        "user": calls["user"].combine_chunks(), "answer_time": as_str(answer),
        "disposition": status_name(calls, ctx),
        "phone_number": calls["phone_number"].combine_chunks(),
        "loan_number": calls["vendor_lead_code"].combine_chunks(),
        "call_type": pc.utf8_upper(calls["call_type"]).combine_chunks(),
        "call_duration": hms(calls["agent_talk_seconds"].combine_chunks()),
        "lead_id": calls["lead_id"].combine_chunks(),
        "term_reason": calls["term_reason"].combine_chunks(), "portfolio": calls["portfolio"].combine_chunks(),
        "campaign_name": campaign_col(calls, "campaign_name", ctx),
    })
    return {"result": "success", "data": {"rows": Rows(rows),
                                          "headers": headers(rows.column_names, upper=True, formatter="html")}}


def export_agent_report(params: Params, ctx: SimContext) -> dict[str, Any]:
    calls, states, _, _ = calls_and_states(ctx, params)
    t = row_limit(users_in(ctx, params, per_user(calls, states)), ctx)
    a = attach_agent(t, ctx)
    tc = t["total_calls"].to_numpy()
    talk = t["talk"].to_numpy()
    wait = t["wait"].to_numpy()
    after = t["dispo"].to_numpy() + t["dead"].to_numpy()
    brk = t["pause_all"].to_numpy() - t["pause_nocode"].to_numpy()
    safe = np.maximum(tc, 1)
    num = {
        "avalible": wait, "avail_between_calls": np.where(tc > 0, wait // safe, 0), "talk": talk,
        "avg_talk": np.where(tc > 0, talk // safe, 0), "talk_+_avail": talk + wait, "aftercall": after,
        "total_calls": tc, "break": brk, "pause": t["pause_nocode"].to_numpy(),
        "login_time": t["login_time"].to_numpy(), "sales": t["sales"].to_numpy(),
        "denied": t["denied"].to_numpy(), "lip": t["lip"].to_numpy(), "vrf": t["vrf"].to_numpy(),
    }
    order = ["user", "portfolio", "first_activity", "last_activity", "avalible", "avail_between_calls", "talk",
             "avg_talk", "talk_+_avail", "wp_sec", "aftercall", "total_calls", "break", "pause", "login_time",
             "sales", "denied", "lip", "vrf", "profile"]
    cols: dict[str, pa.Array] = {
        "user": t["user"].combine_chunks(), "portfolio": a["portfolio"],
        "first_activity": as_str(t["first_activity"]), "last_activity": as_str(t["last_activity"]),
        "wp_sec": pa.nulls(t.num_rows, pa.string()), "profile": a["profile"],
    }
    cols.update({k: pc.cast(pa.array(v, pa.int64()), pa.string()) for k, v in num.items()})
    rows = pa.table({k: cols[k] for k in order})
    summary = _summary_rows(order, num, t)
    return {"result": "success", "data": {
        "headers": headers(order, frozen=True), "rows": Rows(rows),
        "summary_headers": headers(["type", *order], frozen=True), "summary_rows": summary}}


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else round(float(x), 2)


def _summary_rows(order: list[str], num: dict[str, np.ndarray], t: pa.Table) -> list[dict[str, Any]]:
    """Summary/Average/Max/Min like the PHP: non-numeric columns 0, dates summed as their year."""
    n = t.num_rows
    if n == 0:
        return []
    years = {c: np.array([int(str(v)[:4]) for v in t[c].to_pylist()]) for c in ("first_activity", "last_activity")}
    out = []
    for typ, fn in (("Summary", np.sum), ("Average", np.mean), ("Max", np.max), ("Min", np.min)):
        row: dict[str, Any] = {"type": typ}
        for c in order:
            if c in num:
                row[c] = _num(fn(num[c]))
            elif c in years:
                row[c] = _num(fn(years[c]))
            else:
                row[c] = 0
        out.append(row)
    return out


def agent_calls_report(params: Params, ctx: SimContext) -> dict[str, Any]:
    calls, states, _, _ = calls_and_states(ctx, params)
    t = per_user(calls, states)
    t = row_limit(users_in(ctx, params, t.filter(pc.greater(t["total_calls"], 0))), ctx)
    a = attach_agent(t, ctx)
    tc = t["total_calls"].to_numpy()
    avg = np.where(tc > 0, t["talk"].to_numpy() // np.maximum(tc, 1), 0)
    rows = pa.table({
        "user": t["user"].combine_chunks(), "profile": a["profile"], "portfolio": a["portfolio"],
        "avg_talk": pc.cast(pa.array(avg, pa.int64()), pa.string()), "total_calls": as_str(t["total_calls"]),
        "manual": as_str(t["manual"]), "inbound": as_str(t["inbound"]), "dialer": as_str(t["dialer"]),
    })
    return {"result": "success", "data": {
        "agent_report": {"headers": headers(rows.column_names), "rows": Rows(rows)},
        "frequency_report": {"headers": [], "rows": []}}}


def pause_columns(ctx: SimContext) -> list[str]:
    """Installation order of the pause-code columns (`pause` = no code)."""
    return ["pause"] + [c.lower() for c in ctx.world.pause_code_list]


def export_pause_report(params: Params, ctx: SimContext) -> dict[str, Any]:
    calls, states, _, _ = calls_and_states(ctx, params, required=True)
    t = row_limit(users_in(ctx, params, per_user(calls, states)), ctx)
    pauses = sql("""SELECT "user", lower(coalesce(nullif(pause_code, ''), 'pause')) AS code,
                            CAST(sum(seconds) AS BIGINT) AS s
                     FROM states WHERE state = 'PAUSE' GROUP BY ALL""",
                  states=states.select(["user", "state", "pause_code", "seconds"]))
    by_user: dict[str, dict[str, int]] = {}
    for r in pauses.to_pylist():
        by_user.setdefault(r["user"], {})[r["code"]] = int(r["s"])
    billable = {p.lower() for p, b in zip(ctx.world.pause_codes["pause_code"].to_pylist(),
                                          ctx.world.pause_codes["billable"].to_pylist(), strict=True) if b == "Y"}
    cols = pause_columns(ctx)
    rows = []
    for r in t.to_pylist():
        p = by_user.get(r["user"], {})
        work = r["wait"] + r["talk"] + r["dispo"] + r["dead"]
        bill = work + sum(v for k, v in p.items() if k in billable)
        total = r["login_time"]
        row: dict[str, Any] = {
            "user": r["user"], "logged_days": r["logged_days"], "pause_sec": r["pause_all"], "wait_sec": r["wait"],
            "talk_sec": r["talk"], "wp_sec": 0, "dispo_sec": r["dispo"], "dead_sec": r["dead"],
            "manual_talk": r["manual_talk"],
        }
        # like the real report: `pause` first, codes used alphabetically, then unused codes in
        # installation order — so the key order differs from row to row.
        row["pause"] = p.get("pause", 0)
        for k in sorted(k for k in cols[1:] if p.get(k)):
            row[k] = p[k]
        for k in cols[1:]:
            row.setdefault(k, 0)
        row.update({"billable_time": bill, "no_billable_time": total - bill, "total_time": total})
        rows.append(row)
    fields = ["user", "logged_days", "pause_sec", "wait_sec", "talk_sec", "wp_sec", "dispo_sec", "dead_sec",
              "manual_talk", *cols, "billable_time", "no_billable_time", "total_time"]
    return {"result": "success", "data": {"headers": headers(fields, frozen=True), "rows": rows}}


def inbound_summary_stats(params: Params, ctx: SimContext) -> dict[str, Any]:
    calls, _, _, _ = calls_and_states(ctx, params)
    calls = filter_calls(calls.filter(pc.equal(calls["direction"], "IN")), ctx, params)
    t = sql("""
        SELECT strftime(CAST(call_date AS DATE), '%Y-%m-%d') AS calldate, count(*) AS total_calls,
          count(*) FILTER (WHERE status <> 'AFTHRS') AS queued_calls,
          count(*) FILTER (WHERE status = 'DROP' AND queue_seconds > 20) AS abandon1,
          count(*) FILTER (WHERE status = 'DROP') AS abandon2,
          count(*) FILTER (WHERE "user" IS NOT NULL) AS handled_calls,
          coalesce(avg(queue_seconds) FILTER (WHERE status <> 'AFTHRS'), 0) AS avg_hold_time,
          coalesce(avg(agent_talk_seconds + dead_seconds + dispo_seconds) FILTER (WHERE "user" IS NOT NULL), 0)
            AS avg_handle_time
        FROM calls GROUP BY 1 ORDER BY 1""",
             calls=calls.select(["call_date", "status", "queue_seconds", "user", "agent_talk_seconds",
                                 "dead_seconds", "dispo_seconds"]))
    rows = [{k: (f"{v:.2f}" if k.startswith("avg") else str(v)) for k, v in r.items()} for r in t.to_pylist()]
    return {"result": "success", "data": {"rows": rows, "headers": headers(
        ["calldate", "total_calls", "queued_calls", "abandon1", "abandon2", "handled_calls", "avg_hold_time",
         "avg_handle_time"])}}


def agent_summary_stats(params: Params, ctx: SimContext) -> dict[str, Any]:
    today = ctx.clock.today()
    log = ctx.day_log(today)
    t = row_limit(users_in(ctx, params, per_user(log.calls, log.agent_states)), ctx)
    a = attach_agent(t, ctx)
    names = dict(zip(ctx.world.statuses["status"].to_pylist(), ctx.world.statuses["status_name"].to_pylist(),
                     strict=True))
    brk = pc.subtract(t["pause_all"], t["pause_nocode"])
    rows = pa.table({
        "USER": t["user"].combine_chunks(), "calls_handled": as_str(t["total_calls"]),
        "manual_calls": as_str(t["manual"]), "inbound_calls": as_str(t["inbound"]),
        "dialer_calls": as_str(t["dialer"]), "xfer_out": as_str(t["xfer_out"]), "xfer_in": as_str(t["xfer_in"]),
        "voicemail": as_str(t["voicemail"]), "denied": as_str(t["denied"]), "noa": as_str(t["noa"]),
        "sales": as_str(t["sales"]), "WIT": as_str(t["wit"]), "login_time": as_str(t["login_time"]),
        "pause": as_str(t["pause_nocode"]), "break": as_str(brk), "talk": as_str(t["talk"]),
        "most_dispo": pa.array([names.get(s) if s else None for s in t["most_dispo"].to_pylist()], pa.string()),
        "portfolio": a["portfolio"], "profile": a["profile"],
    })
    d = today.isoformat()
    return {"result": "success", "data": {"dates": f"'{d}' AND '{d} 23:59:59'",
                                          "headers": headers(rows.column_names), "rows": Rows(rows)}}
