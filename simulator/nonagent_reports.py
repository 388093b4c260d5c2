"""Report functions of the text APIs, computed from the simulator's day event logs.

agent_stats_export, call_dispo_report, call_status_stats, phone_number_log, did_log_export,
recording_lookup and lead_status_search all read the same `DayLog`s the goAPI reports and
`/_sim/truth` read (`simulator.nonagent_daylogs`), so every surface agrees. Aggregations are
pyarrow group-bys (`simulator.nonagent_agent_totals`, `simulator.nonagent_call_history`); the
only Python loops run over output rows of a few dozen (campaigns, statuses), never over calls.

`realism=real` prints what a running server prints, quirks included (api-facts.md, "Measured
against a running non_agent_api.php"): call_dispo_report's permuted values, agent_stats_export's
talk-includes-dead and first-row dispo double count, Dialer360's 2014-96 form, VDAD,
lead_status_search's HTTP 500 for a campaign-restricted user.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.nonagent_agent_totals import agent_totals, printed_seconds
from simulator.nonagent_auth import limit
from simulator.nonagent_call import Call
from simulator.nonagent_call_history import effective_leads, per_number
from simulator.nonagent_daylogs import calls_between, dash_list, history_start, parse_date, slim_calls, today
from simulator.nonagent_text import (
    PLAIN,
    TextResponse,
    format_fixed1,
    format_pct,
    format_seconds,
    msg,
    natcase_sorted,
    php_number,
    php_round,
    ratio,
    render_table,
    text_response,
)

ALL_MARKERS = {"---ALL---", "ALLCAMPAIGNS", "ALLGROUPS", "ALLDIDS"}


# --------------------------------------------------------------------------- agent_stats_export

REAL_AGENT_COLUMNS = ("user", "full_name", "user_group", "calls", "login_time", "total_talk_time", "avg_talk_time",
                      "avg_wait_time", "pct_of_queue", "pause_time", "sessions", "avg_session", "pauses",
                      "avg_pause_time", "pause_pct", "pauses_per_session", "wait_time", "talk_time", "dispo_time",
                      "dead_time")
DOCS_AGENT_COLUMNS = (*REAL_AGENT_COLUMNS[:16], "total_wait_time")



def agent_stats_export(call: Call) -> str:
    fn = "agent_stats_export"
    u = call.user
    if u.user_level < 7 or not u.view_reports:
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO GET AGENT INFO", [u.user, int(u.view_reports)])
    ds = call.get("datetime_start").replace("+", " ")
    de = call.get("datetime_end").replace("+", " ")
    agent_user = call.get("agent_user")
    data = [u.user, agent_user, ds, de]
    try:
        if len(ds) != 19 or len(de) != 19:
            raise ValueError
        start = datetime.strptime(ds, "%Y-%m-%d %H:%M:%S")
        end = datetime.strptime(de, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return msg("ERROR", fn, "INVALID SEARCH PARAMETERS", data)
    gen2017 = call.surface == "dialer360" and call.realism == "real"  # 2.14-96: no group_by_campaign yet
    by_campaign = call.get("group_by_campaign") == "YES" and not gen2017
    agg = agent_totals(call, start, end, agent_user or None, by_campaign)
    if agg.num_rows == 0:
        return msg("ERROR", fn, "NO RECORDS FOUND", data)
    agg = printed_seconds(agg, double_count=call.realism == "real" and not gen2017 and not by_campaign,
                           zero_when_no_calls=call.realism == "real" and not gen2017)
    tf = call.get("time_format") or "HF"
    agents = call.world.agents
    idx = pc.index_in(agg["user"], value_set=agents["user"])
    full_name = pc.fill_null(pc.take(agents["full_name"], idx), "")
    group = pc.fill_null(pc.take(agents["user_group"], idx), "")
    accounts = call.ctx.users
    if accounts:  # API accounts (6666...) have activity only if configured; keep their names
        unknown = pc.is_null(idx)
        full_name = pc.if_else(unknown, pa.array([(accounts[x].full_name if x in accounts else "") or x
                                                  for x in agg["user"].to_pylist()]), full_name)
    calls = agg["calls"]
    total_calls = pc.sum(calls).as_py() or 0
    total_talk = agg["total_talk"]
    t = lambda arr: format_seconds(arr, tf)  # noqa: E731
    avg = lambda num, den: pc.cast(php_round(ratio(num, den), 0), pa.int64())  # noqa: E731
    out = {
        "user": agg["user"], "full_name": full_name, "user_group": group, "calls": pc.cast(calls, pa.string()),
        "login_time": t(agg["login"]), "total_talk_time": t(total_talk), "avg_talk_time": t(avg(total_talk, calls)),
        "avg_wait_time": t(avg(agg["wait"], calls)),
        "pct_of_queue": format_pct(calls, pa.array([total_calls] * agg.num_rows, pa.int64())),
        "pause_time": pc.cast(agg["pause"], pa.string()),  # always seconds on the real server
        "sessions": pc.cast(agg["sessions"], pa.string()),
        "avg_session": t(avg(agg["login"], agg["sessions"])), "pauses": pc.cast(agg["pauses"], pa.string()),
        "avg_pause_time": t(avg(agg["pause"], agg["pauses"])), "pause_pct": format_pct(agg["pause"], agg["login"]),
        "pauses_per_session": php_number(php_round(ratio(agg["pauses"], agg["sessions"]), 0)),
    }
    if gen2017:  # 16 names in the header, a 17th unnamed value: wait time
        out["wait_time"] = t(agg["wait"])
        return render_table(pa.table(out), call.get("stage"), call.get("header"),
                            header_names=list(out)[:16])
    if call.realism == "real":
        out.update({"wait_time": t(agg["wait"]), "talk_time": t(agg["talk"]), "dispo_time": t(agg["dispo"]),
                    "dead_time": t(agg["dead"])})
    else:
        out["total_wait_time"] = t(agg["wait"])
    if by_campaign:
        out = {"campaign_id": agg["campaign_id"], **out}
    return render_table(pa.table(out), call.get("stage"), call.get("header"))


# --------------------------------------------------------------------------- call_dispo_report


def _select(value: str, universe: Sequence[str]) -> list[str]:
    if not value:
        return []
    if value in ALL_MARKERS:
        return list(universe)
    return dash_list(value)


def _dispo_rows(call: Call, calls: pa.Table) -> list[tuple[str, pa.Table, str]]:
    """(label, its calls, kind of row) in print order: campaigns, in-groups, DIDs."""
    world = call.world
    out: list[tuple[str, pa.Table, str]] = []
    outbound = calls.filter(pc.equal(calls["direction"], "OUT"))
    inbound = calls.filter(pc.equal(calls["direction"], "IN"))
    for c in _select(call.get("campaigns"), world.campaigns["campaign_id"].to_pylist()):
        out.append((c, outbound.filter(pc.equal(outbound["campaign_id"], c)), "campaign"))
    for g in _select(call.get("ingroups"), world.ingroups["group_id"].to_pylist()):
        out.append((g, inbound.filter(pc.equal(inbound["group_id"], g)), "ingroup"))
    dids = world.dids
    did_ids = _select(call.get("did_ids"), [str(x) for x in dids["did_id"].to_pylist()])
    by_id = dict(zip([str(x) for x in dids["did_id"].to_pylist()], dids["did_pattern"].to_pylist(), strict=True))
    patterns = [by_id[i] for i in did_ids if i in by_id]
    patterns += _select(call.get("did_patterns"), dids["did_pattern"].to_pylist())
    for p in dict.fromkeys(patterns):
        out.append((p, inbound.filter(pc.equal(inbound["did"], p)), "did"))
    return out


def _first_seen_statuses(rows: list[tuple[str, pa.Table]]) -> list[str]:
    """The real header's status order: first seen over (campaign, status) of the outbound rows,
    then (in-group, status), then (DID, status) — the SQL's `ORDER BY` per kind of row."""
    seen: dict[str, None] = {}
    for kind in ("campaign", "ingroup", "did"):
        pairs = sorted((label, s) for label, t, k in rows for s in pc.unique(t["status"]).to_pylist() if k == kind)
        seen.update(dict.fromkeys(s for _, s in pairs))
    return list(seen)


def call_dispo_report(call: Call) -> TextResponse:
    """CSV by campaign, then in-group, then DID, then TOTAL; no trailing newline; text/plain.

    Real form: the header lists statuses first-seen (`_first_seen_statuses`) but every row
    prints its values in PHP `strnatcasecmp` order of the status names (api-facts.md, measured).
    Docs form: the header is printed in that same natural order, so header and values agree.
    """
    fn = "call_dispo_report"
    u = call.user
    if u.user_level < 9 or not u.view_reports:
        return text_response(msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO VIEW STATS", ""), PLAIN)
    if not any(call.get(p) for p in ("campaigns", "ingroups", "did_ids", "did_patterns")):
        return text_response(msg("ERROR", fn, "INVALID OR MISSING CAMPAIGNS, INGROUPS, OR DIDS", ""), PLAIN)
    this_day = today(call)
    d0 = parse_date(call.get("query_date")) or this_day
    d1 = parse_date(call.get("end_date")) or this_day
    calls = calls_between(call, d0, d1).select(["call_date", "direction", "campaign_id", "group_id", "did", "user",
                                         "status"])
    statuses = dash_list(call.get("statuses"))
    if statuses:
        calls = calls.filter(pc.is_in(calls["status"], value_set=pa.array(statuses)))
    cats = dash_list(call.get("categories"))
    if cats:
        st = call.world.statuses
        in_cat = st.filter(pc.is_in(st["category"], value_set=pa.array(cats)))["status"]
        calls = calls.filter(pc.is_in(calls["status"], value_set=in_cat))
    users = dash_list(call.get("users"))
    if users:
        calls = calls.filter(pc.is_in(calls["user"], value_set=pa.array(users)))
    rows = [r for r in _dispo_rows(call, calls) if r[1].num_rows]
    if not rows:
        return text_response("CAMPAIGN,TOTAL CALLS\nTOTAL,0", PLAIN)
    breakdown = call.get("status_breakdown") == "1"
    pct = breakdown and call.get("show_percentages") == "1"
    header_statuses = _first_seen_statuses(rows)
    value_statuses = natcase_sorted(header_statuses)
    if call.realism == "docs":  # the documented form: values under their own header names
        header_statuses = value_statuses
    counts = np.zeros((len(rows), len(value_statuses)), np.int64)
    pos = {s: i for i, s in enumerate(value_statuses)}
    for r, (_, t, _) in enumerate(rows):
        for item in pc.value_counts(t["status"]).to_pylist():
            counts[r, pos[item["values"]]] = item["counts"]
    totals = counts.sum(axis=1)
    labels = [label for label, _, _ in rows] + ["TOTAL"]
    counts = np.vstack([counts, counts.sum(axis=0)])
    totals = np.append(totals, totals.sum())
    head = ["CAMPAIGN", "TOTAL CALLS"] + (header_statuses if breakdown else [])
    cols = [pa.array(labels), pc.cast(pa.array(totals), pa.string())]
    if breakdown:
        for j in range(len(value_statuses)):
            v = pa.array(counts[:, j])
            if pct:
                p = format_fixed1(pc.multiply(ratio(v, pa.array(totals)), 100.0))
                cols.append(pc.binary_join_element_wise(pc.cast(v, pa.string()), " (", p, "%)", ""))
            else:
                cols.append(pc.cast(v, pa.string()))
    lines = [",".join(head), *pc.binary_join_element_wise(*cols, ",").to_pylist()]
    return text_response("\n".join(lines), PLAIN)


# --------------------------------------------------------------------------- call_status_stats


def call_status_stats(call: Call) -> str:
    """`id|total|human answered|HH-n,...|STATUS-n,...|` per campaign, then per in-group."""
    fn = "call_status_stats"
    u = call.user
    if u.user_level < 8 or not u.view_reports:
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO VIEW STATS", "")
    camps_raw = call.get("campaigns")
    world = call.world
    all_camps = world.campaigns["campaign_id"].to_pylist()
    camps = _select(camps_raw, all_camps)
    camps = [c for c in camps if c in all_camps]
    if not camps:
        return msg("ERROR", fn, "INVALID OR MISSING CAMPAIGNS", "")
    day = parse_date(call.get("query_date")) or today(call)
    ing = world.ingroups
    if call.get("ingroups"):
        groups = _select(call.get("ingroups"), ing["group_id"].to_pylist())
    else:
        groups = ing.filter(pc.is_in(ing["campaign_id"], value_set=pa.array(camps)))["group_id"].to_pylist()
    calls = calls_between(call, day, day).select(["call_date", "direction", "campaign_id", "group_id", "status"])
    statuses = dash_list(call.get("statuses"))
    if statuses:
        calls = calls.filter(pc.is_in(calls["status"], value_set=pa.array(statuses)))
    human = world.statuses_flagged("human_answered")  # campaign statuses carry their own flag
    calls = calls.append_column("hour", pc.hour(calls["call_date"]))
    calls = calls.append_column("human", pc.cast(pc.is_in(calls["status"], value_set=human), pa.int64()))
    outbound = calls.filter(pc.equal(calls["direction"], "OUT"))
    inbound = calls.filter(pc.equal(calls["direction"], "IN"))
    sel = [(c, outbound.filter(pc.equal(outbound["campaign_id"], c))) for c in camps]
    sel += [(g, inbound.filter(pc.equal(inbound["group_id"], g))) for g in groups]
    lines = []
    for label, t in sel:
        hours = np.bincount(t["hour"].to_numpy(), minlength=24)[:24] if t.num_rows else np.zeros(24, np.int64)
        hourly = ",".join(f"{h:02d}-{n}" for h, n in enumerate(hours.tolist()))
        vc = sorted((r["values"], r["counts"]) for r in pc.value_counts(t["status"]).to_pylist()) if t.num_rows else []
        human_n = pc.sum(t["human"]).as_py() or 0
        lines.append(f"{label}|{t.num_rows}|{human_n}|{hourly}|{','.join(f'{s}-{n}' for s, n in vc)}|\n")
    return "".join(lines)


# --------------------------------------------------------------------------- phone_number_log

PHONE_LOG_COLUMNS = ("phone_number", "call_date", "list_id", "length_in_sec", "lead_status", "hangup_reason",
                     "call_status", "source_id", "user")


def phone_number_log(call: Call) -> str:
    fn = "phone_number_log"
    u = call.user
    if u.user_level < 7 or not u.view_reports:
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO GET CALL LOG INFO", [u.user, int(u.view_reports)])
    raw = call.get("phone_number")
    numbers = [n for n in ("".join(ch for ch in p if ch.isdigit()) for p in raw.split(",")) if len(n) > 3]
    numbers = list(dict.fromkeys(numbers))
    if not numbers:
        return msg("ERROR", fn, "NO VALID PHONE NUMBERS DEFINED", [u.user, raw])
    kind = call.get("type", "OUT").upper() or "OUT"
    kind = kind if kind in {"IN", "OUT", "ALL"} else "OUT"
    per = 1 if call.get("detail").upper() == "LAST" else limit(call.ctx, "rows", 100_000)
    calls = slim_calls(call, history_start(call), today(call))
    calls = calls.filter(pc.is_in(calls["phone_number"], value_set=pa.array(numbers)))
    directions = {"OUT": ["OUT"], "IN": ["IN"], "ALL": ["OUT", "IN"]}[kind]
    t = per_number(calls, numbers, directions, per)
    if t.num_rows == 0:
        kind_ = "NOTICE" if call.realism == "real" else "ERROR"
        return msg(kind_, fn, "NO RECORDS FOUND", [u.user, ",".join(numbers)])
    leads = call.store.leads()
    involved = leads.filter(pc.is_in(leads["lead_id"], value_set=pc.unique(pc.drop_null(t["lead_id"]))))
    involved = effective_leads(involved, calls)
    idx = pc.index_in(t["lead_id"], value_set=involved["lead_id"])
    lead = {n: pc.take(involved[n], idx) for n in ("status", "source_id")}
    out = pa.table({
        "phone_number": t["phone_number"], "call_date": pc.strftime(t["call_date"], "%Y-%m-%d %H:%M:%S"),
        "list_id": t["list_id"], "length_in_sec": t["length_in_sec"], "lead_status": lead["status"],
        "hangup_reason": t["term_reason"], "call_status": t["status"], "source_id": lead["source_id"],
        "user": pc.coalesce(t["user"], pa.scalar("VDAD")),  # measured: VDAD when no agent took the call
    })
    return render_table(out, call.get("stage"), call.get("header"))


# --------------------------------------------------------------------------- did_log_export


def did_log_export(call: Call) -> str:
    fn = "did_log_export"
    u = call.user
    if u.user_level < 7 or not u.view_reports:
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO GET DID INFO", [u.user, int(u.view_reports)])
    did = call.get("phone_number")
    day_s = call.get("date")
    day = parse_date(day_s)
    if not (2 <= len(did) <= 20) or day is None:
        return msg("ERROR", fn, "INVALID SEARCH PARAMETERS", [u.user, did, day_s])
    calls = calls_between(call, day, day)
    t = calls.filter(pc.and_(pc.equal(calls["direction"], "IN"), pc.equal(calls["did"], did)))
    t = t.sort_by([("call_date", "ascending"), ("uniqueid", "ascending")]).slice(0, limit(call.ctx, "rows", 100_000))
    if t.num_rows == 0:
        return msg("ERROR", fn, "NO RECORDS FOUND", [u.user, did, day_s])
    when = pc.strftime(t["call_date"], "%Y-%m-%d %H:%M:%S")
    header = ["did_number", "call_date", "caller_id_number", "length_in_sec"]
    if call.realism == "real":  # the real data rows swap columns 2 and 3 against the header
        cols = {"did_number": t["did"], "caller_id_number": t["phone_number"], "call_date": when,
                "length_in_sec": t["length_in_sec"]}
    else:
        cols = {"did_number": t["did"], "call_date": when, "caller_id_number": t["phone_number"],
                "length_in_sec": t["length_in_sec"]}
    return render_table(pa.table(cols), call.get("stage"), call.get("header"), header_names=header)


# --------------------------------------------------------------------------- recording_lookup


def recording_lookup(call: Call) -> str:
    """Recordings of answered agent calls (campaigns record ALLFORCE)."""
    fn = "recording_lookup"
    u = call.user
    if u.user_level < 7 or not u.view_reports:
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO GET RECORDING INFO", [u.user, int(u.view_reports)])
    agent_user, lead_id, day_s, uid = (call.get("agent_user"), call.get("lead_id"), call.get("date"),
                                       call.get("uniqueid"))
    data = [u.user, agent_user, lead_id, day_s, uid]
    day = parse_date(day_s) if day_s else None
    if (day_s and day is None) or not (agent_user or lead_id or uid) or (lead_id and not lead_id.isdigit()):
        return msg("ERROR", fn, "INVALID SEARCH PARAMETERS", data)
    calls = slim_calls(call, day, day) if day is not None else slim_calls(call, history_start(call), today(call))
    mask = pc.and_(pc.is_valid(calls["user"]), pc.greater(calls["talk_seconds"], 0))
    if agent_user:
        mask = pc.and_(mask, pc.equal(calls["user"], agent_user))
    if lead_id:
        mask = pc.and_(mask, pc.equal(calls["lead_id"], int(lead_id)))
    if uid:
        mask = pc.and_(mask, pc.equal(calls["uniqueid"], uid))
    t = calls.filter(mask).sort_by([("call_date", "ascending"), ("uniqueid", "ascending")])
    t = t.slice(0, limit(call.ctx, "rows", 100_000))
    if t.num_rows == 0:
        return msg("ERROR", fn, "NO RECORDINGS FOUND", data)
    start = pc.coalesce(t["answer_time"], t["call_date"])
    # recording_id: stable per call (epoch seconds and sequence of its uniqueid)
    parts = pc.split_pattern(t["uniqueid"], ".")
    epoch = pc.cast(pc.list_element(parts, 0), pa.int64())
    seq = pc.cast(pc.list_element(parts, 1), pa.int64())
    rec_id = pc.add(pc.multiply(pc.subtract(pc.divide(epoch, 86400), 19000), 1_000_000), seq)
    host = call.ctx.config.host or "127.0.0.1"
    stamp = pc.strftime(start, "%Y%m%d-%H%M%S")
    location = pc.binary_join_element_wise(f"http://{host}/RECORDINGS/MP3/", stamp, "_", t["phone_number"], "_",
                                           t["user"], "-all.mp3", "")
    out = pa.table({"start_time": pc.strftime(start, "%Y-%m-%d %H:%M:%S"), "user": t["user"],
                    "recording_id": rec_id, "lead_id": t["lead_id"], "location": location})
    return render_table(out, call.get("stage"), call.get("header"))


def list_last_call(call: Call, list_id: int) -> str | None:
    """list_lastcalldate: the list's most recent call, searched back day by day from today."""
    d, first = today(call), history_start(call)
    store = call.store
    while d >= first:
        if int(list_id) not in store.lists(as_of=d)["list_id"].to_pylist():
            d -= timedelta(days=1)  # the day's calls only dial lists that existed at its start
            continue
        calls = slim_calls(call, d, d)
        dates = calls.filter(pc.equal(calls["list_id"], int(list_id)))["call_date"]
        if len(dates):
            return pc.max(dates).as_py().strftime("%Y-%m-%d %H:%M:%S")
        d -= timedelta(days=1)
    return None


# --------------------------------------------------------------------------- lead_status_search

LEAD_FIELDS_ORDER = ("lead_id", "entry_date", "modify_date", "status", "user", "vendor_lead_code", "source_id",
                     "list_id", "gmt_offset_now", "called_since_last_reset", "phone_code", "phone_number", "title",
                     "first_name", "middle_initial", "last_name", "address1", "address2", "address3", "city",
                     "state", "province", "postal_code", "country_code", "gender", "date_of_birth", "alt_phone",
                     "email", "security_phrase", "comments", "called_count", "last_local_call_time", "rank", "owner",
                     "entry_list_id")


def lead_status_search(call: Call) -> str | TextResponse:
    """Leads whose calls on `date` ended with `status` (outbound and inbound logs), current fields."""
    fn = "lead_status_search"
    u = call.user
    if u.user_level < 7 or not u.modify_leads:
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO GET LEAD INFO", [u.user, int(u.modify_leads)])
    if u.allowed_campaigns is not None and call.realism == "real":
        # The campaign restriction is spliced into the SQL in a way MySQL rejects; PHP 8 turns the
        # mysqli exception into a fatal error: HTTP 500, empty body (api-facts.md, measured).
        return TextResponse(body=b"", status=500)
    status, day_s, lead_id = call.get("status"), call.get("date"), call.get("lead_id")
    data = [u.user, status, day_s, lead_id]
    day = parse_date(day_s)
    leads = call.store.leads()
    if status and day is not None:
        calls = slim_calls(call, day, day)
        hit = calls.filter(pc.and_(pc.equal(calls["status"], status), pc.is_valid(calls["lead_id"])))
        hit = hit.sort_by([("call_date", "ascending"), ("uniqueid", "ascending")])
        ids = pa.array(list(dict.fromkeys(hit["lead_id"].to_pylist())), pa.int64())
    elif not status and not day_s and lead_id.isdigit():
        ids = pa.array([int(lead_id)], pa.int64())
    else:
        return msg("ERROR", fn, "INVALID SEARCH PARAMETERS", data)
    default_cap = 1000 if call.realism == "real" else 2000
    ids = ids.slice(0, limit(call.ctx, "lead_search", default_cap))
    idx = pc.index_in(ids, value_set=leads["lead_id"])
    idx = idx.filter(pc.is_valid(idx))  # deleted leads drop out
    if len(idx) == 0:
        return msg("ERROR", fn, "NO RESULTS FOUND", data)
    rows = leads.take(idx)
    if day is not None:
        calls = slim_calls(call, day, today(call))
        rows = effective_leads(rows, calls.filter(pc.is_in(calls["lead_id"], value_set=rows["lead_id"])))
    names = [n for n in LEAD_FIELDS_ORDER if n in rows.column_names]
    cols = []
    for n in names:
        col = rows[n]
        if n == "gmt_offset_now":  # DECIMAL(4,2) in vicidial_list: -5.00 (at most 1000 rows)
            col = pa.array([f"{v:.2f}" if v is not None else "" for v in col.to_pylist()])
        elif pa.types.is_timestamp(col.type):
            col = pc.strftime(col, "%Y-%m-%d %H:%M:%S")
        col = pc.fill_null(pc.cast(col, pa.string()), "")
        cols.append(pc.binary_join_element_wise(n, col, " => "))
    per_field = [c.to_pylist() for c in cols]
    out = []
    for r in range(rows.num_rows):
        out.append(f";---------- START OF RECORD {r + 1} ----------\n")
        out.extend(f"{per_field[j][r]}\n" for j in range(len(names)))
    return "".join(out)


__all__ = ["agent_stats_export", "agent_totals", "call_dispo_report", "call_status_stats", "did_log_export",
           "lead_status_search", "list_last_call", "phone_number_log", "recording_lookup"]
