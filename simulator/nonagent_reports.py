"""Report functions of the text APIs, computed from the simulator's day event logs.

agent_stats_export, call_dispo_report, call_status_stats, phone_number_log, did_log_export,
recording_lookup and lead_status_search all read the same `DayLog`s the goAPI reports and
`/_sim/truth` read, so every surface agrees. Aggregations are pyarrow group-bys; the only
Python loops run over output rows of a few dozen (campaigns, statuses), never over calls.

`realism=real` prints what a running server prints, quirks included (api-facts.md, "Measured
against a running non_agent_api.php"): call_dispo_report's permuted values, agent_stats_export's
talk-includes-dead and first-row dispo double count, Dialer360's 2014-96 form, VDAD,
lead_status_search's HTTP 500 for a campaign-restricted user. One module past 500 lines because
the functions share the day-log access and its caches.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.nonagent_auth import limit
from simulator.nonagent_call import Call
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

MAX_DAYS = 366
ALL_MARKERS = {"---ALL---", "ALLCAMPAIGNS", "ALLGROUPS", "ALLDIDS"}


# --------------------------------------------------------------------------- day logs


def _today(call: Call) -> date:
    return call.now.date()


def _logs(call: Call, start: date, end: date) -> list[Any]:
    """Day logs from `start` to `end` (inclusive, capped), never past the simulator's today."""
    end = min(end, _today(call))
    if end < start:
        return []
    if (end - start).days >= MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS - 1)
    ctx = call.ctx
    if hasattr(ctx, "day_logs"):
        return list(ctx.day_logs(start, end))
    from simulator.events import day_log

    return [day_log(ctx.world, start + timedelta(days=i), ctx.store, call.now) for i in range((end - start).days + 1)]


def history_start(call: Call) -> date:
    """First day with activity the number/recording searches scan (they have no date filter)."""
    cfg = getattr(call.ctx, "config", None)
    days = getattr(cfg, "history_days", None) or 31
    return _today(call) - timedelta(days=int(days) - 1)


_SLIM: OrderedDict[tuple[Any, ...], pa.Table] = OrderedDict()
_SLIM_LOCK = threading.Lock()
_SLIM_SIZE = 512
SLIM_COLUMNS = ("uniqueid", "call_date", "answer_time", "direction", "campaign_id", "group_id", "did", "list_id",
                "lead_id", "phone_number", "user", "status", "length_in_sec", "talk_seconds", "term_reason")


def _slim_calls(call: Call, start: date, end: date) -> pa.Table:
    """Calls of many days, projected to the columns the searches need, cached per day.

    The event-log cache holds a couple dozen days; phone_number_log scans the whole history,
    so a narrow per-day projection is kept here (keyed like the event log: day, store
    revision, and the cut-off minute for today).
    """
    ctx = call.ctx
    store = ctx.store
    parts: list[pa.Table] = []
    today = _today(call)
    d = max(start, today - timedelta(days=MAX_DAYS - 1))
    while d <= min(end, today):
        rev = store.revision(d) if hasattr(store, "revision") else 0
        cut = call.now.replace(second=0) if d == today else None
        key = (id(ctx.world), id(store), d, rev, cut)
        with _SLIM_LOCK:
            hit = _SLIM.get(key)
        if hit is None:
            log = _logs(call, d, d)
            calls = log[0].calls if log else None
            hit = calls.select(list(SLIM_COLUMNS)) if calls is not None and calls.num_rows else None
            if hit is None:
                hit = pa.table({})
            with _SLIM_LOCK:
                _SLIM[key] = hit
                while len(_SLIM) > _SLIM_SIZE:
                    _SLIM.popitem(last=False)
        if hit.num_columns:
            parts.append(hit)
        d += timedelta(days=1)
    if not parts:
        from simulator.events import CALLS_SCHEMA

        return pa.schema([CALLS_SCHEMA.field(c) for c in SLIM_COLUMNS]).empty_table()
    return pa.concat_tables(parts)


def _calls(call: Call, start: date, end: date) -> pa.Table:
    logs = _logs(call, start, end)
    tables = [lg.calls for lg in logs if lg.calls.num_rows]
    if not tables:
        from simulator.events import CALLS_SCHEMA

        return CALLS_SCHEMA.empty_table()
    return pa.concat_tables(tables)


def _parse_date(value: str) -> date | None:
    try:
        if len(value) != 10:
            return None
        return date.fromisoformat(value)
    except ValueError:
        return None


def _dash_list(value: str) -> list[str]:
    return [v for v in value.split("-") if v]


def _ts(value: datetime) -> pa.Scalar:
    return pa.scalar(value, pa.timestamp("s"))


# --------------------------------------------------------------------------- agent_stats_export

REAL_AGENT_COLUMNS = ("user", "full_name", "user_group", "calls", "login_time", "total_talk_time", "avg_talk_time",
                      "avg_wait_time", "pct_of_queue", "pause_time", "sessions", "avg_session", "pauses",
                      "avg_pause_time", "pause_pct", "pauses_per_session", "wait_time", "talk_time", "dispo_time",
                      "dead_time")
DOCS_AGENT_COLUMNS = (*REAL_AGENT_COLUMNS[:16], "total_wait_time")


def agent_totals(call: Call, start: datetime, end: datetime, agent_user: str | None,
                 by_campaign: bool) -> pa.Table:
    """Seconds per event-log state, pauses, sessions and handled calls per user (× campaign).

    `talk` is the TALK state (dead excluded); `first_dispo` is the seconds of the user's first
    DISPO segment in the window (the row 2.14-202 counts twice). How these become the printed
    columns is `agent_stats_export`'s business.
    """
    logs = _logs(call, start.date(), end.date())
    keys = ["user", "campaign_id"] if by_campaign else ["user"]
    lo, hi = _ts(start), _ts(end)
    records = limit(call.ctx, "records", 10_000_000)
    states_parts, sess_parts, calls_parts = [], [], []
    for lg in logs:
        st = lg.agent_states
        if st.num_rows:
            states_parts.append(st.filter(pc.and_(pc.greater_equal(st["start"], lo), pc.less_equal(st["start"], hi))))
        se = lg.sessions
        if se.num_rows:
            sess_parts.append(se.filter(pc.and_(pc.greater_equal(se["login"], lo), pc.less_equal(se["login"], hi))))
        ca = lg.calls
        if ca.num_rows:
            calls_parts.append(ca.filter(pc.and_(pc.and_(pc.greater_equal(ca["call_date"], lo),
                                                         pc.less_equal(ca["call_date"], hi)),
                                                 pc.is_valid(ca["user"]))).select(["user", "campaign_id"]))
    if not states_parts:
        return pa.table({})
    states = pa.concat_tables(states_parts).slice(0, records)  # "records analysed" limit, silent
    sessions = pa.concat_tables(sess_parts) if sess_parts else None
    handled = pa.concat_tables(calls_parts) if calls_parts else None
    if agent_user:
        states = states.filter(pc.equal(states["user"], agent_user))
        sessions = sessions.filter(pc.equal(sessions["user"], agent_user)) if sessions is not None else None
        handled = handled.filter(pc.equal(handled["user"], agent_user)) if handled is not None else None
    if states.num_rows == 0:
        return pa.table({})
    secs = states["seconds"]
    zero = pa.scalar(0, pa.int64())
    cols = {k: states[k] for k in keys}
    for name in ("PAUSE", "WAIT", "TALK", "DEAD", "DISPO"):
        is_s = pc.equal(states["state"], name)
        cols[name.lower()] = pc.if_else(is_s, secs, zero)
    cols["pauses"] = pc.cast(pc.equal(states["state"], "PAUSE"), pa.int64())
    agg = pa.table(cols).group_by(keys).aggregate(
        [(c, "sum") for c in ("pause", "wait", "talk", "dead", "dispo", "pauses")])
    agg = agg.rename_columns([c.removesuffix("_sum") for c in agg.column_names])
    if sessions is not None and sessions.num_rows:
        s_agg = sessions.group_by(keys).aggregate([("login", "count")]).rename_columns([*keys, "sessions"])
        agg = agg.join(s_agg, keys, join_type="left outer")
    else:
        agg = agg.append_column("sessions", pa.array([0] * agg.num_rows, pa.int64()))
    if handled is not None and handled.num_rows:
        c_agg = handled.group_by(keys).aggregate([("user", "count")]).rename_columns([*keys, "calls"])
        agg = agg.join(c_agg, keys, join_type="left outer")
    else:
        agg = agg.append_column("calls", pa.array([0] * agg.num_rows, pa.int64()))
    for c in ("sessions", "calls"):
        agg = agg.set_column(agg.schema.get_field_index(c), c, pc.cast(pc.fill_null(agg[c], 0), pa.int64()))
    dispo = states.filter(pc.equal(states["state"], "DISPO")).sort_by([("start", "ascending")])
    first = dispo.group_by("user", use_threads=False).aggregate([("seconds", "first")])
    idx = pc.index_in(agg["user"], value_set=first["user"])
    agg = agg.append_column("first_dispo", pc.fill_null(pc.take(first["seconds_first"], idx), 0))
    return agg.sort_by([(k, "ascending") for k in keys])


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
    agg = _printed_seconds(agg, double_count=call.realism == "real" and not gen2017 and not by_campaign,
                           zero_when_no_calls=call.realism == "real" and not gen2017)
    tf = call.get("time_format") or "HF"
    agents = call.world.agents
    idx = pc.index_in(agg["user"], value_set=agents["user"])
    full_name = pc.fill_null(pc.take(agents["full_name"], idx), "")
    group = pc.fill_null(pc.take(agents["user_group"], idx), "")
    api_users = {a.user: a for a in _api_accounts(call)}
    if api_users:  # API accounts (6666...) have activity only if configured; keep their names
        unknown = pc.is_null(idx)
        full_name = pc.if_else(unknown, pa.array([getattr(api_users.get(x), "full_name", "") or x
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


def _printed_seconds(agg: pa.Table, *, double_count: bool, zero_when_no_calls: bool) -> pa.Table:
    """The event-log seconds as the real server prints them (api-facts.md, measured).

    agent_log's talk_sec contains dead_sec: `talk` becomes talk+dead and `total_talk` talk−dead
    (customer talk); login = pause+wait+talk+dispo. 2.14-202 without group_by_campaign adds the
    first agent-log row's dispo twice (`double_count`), and an agent with calls = 0 prints
    wait/talk/dispo/dead as 0 while login and pause still hold them (`zero_when_no_calls`).
    """
    talk = pc.add(agg["talk"], agg["dead"])
    dispo = pc.add(agg["dispo"], agg["first_dispo"]) if double_count else agg["dispo"]
    login = pc.add(pc.add(pc.add(agg["pause"], agg["wait"]), talk), dispo)
    cols = {"talk": talk, "total_talk": agg["talk"], "dispo": dispo, "wait": agg["wait"], "dead": agg["dead"]}
    if zero_when_no_calls:
        none = pc.equal(agg["calls"], 0)
        cols = {k: pc.if_else(none, 0, v) for k, v in cols.items()}
    out = agg
    for name, col in cols.items():
        i = out.schema.get_field_index(name)
        out = out.set_column(i, name, col) if i >= 0 else out.append_column(name, col)
    return out.append_column("login", login)


def _api_accounts(call: Call) -> list[Any]:
    raw = getattr(call.ctx, "users", None)
    return list(raw.values()) if isinstance(raw, dict) else []


# --------------------------------------------------------------------------- call_dispo_report


def _select(value: str, universe: Sequence[str]) -> list[str]:
    if not value:
        return []
    if value in ALL_MARKERS:
        return list(universe)
    return _dash_list(value)


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
    today = _today(call)
    d0 = _parse_date(call.get("query_date")) or today
    d1 = _parse_date(call.get("end_date")) or today
    calls = _calls(call, d0, d1).select(["call_date", "direction", "campaign_id", "group_id", "did", "user",
                                         "status"])
    statuses = _dash_list(call.get("statuses"))
    if statuses:
        calls = calls.filter(pc.is_in(calls["status"], value_set=pa.array(statuses)))
    cats = _dash_list(call.get("categories"))
    if cats:
        st = call.world.statuses
        in_cat = st.filter(pc.is_in(st["category"], value_set=pa.array(cats)))["status"]
        calls = calls.filter(pc.is_in(calls["status"], value_set=in_cat))
    users = _dash_list(call.get("users"))
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
    day = _parse_date(call.get("query_date")) or _today(call)
    ing = world.ingroups
    if call.get("ingroups"):
        groups = _select(call.get("ingroups"), ing["group_id"].to_pylist())
    else:
        groups = ing.filter(pc.is_in(ing["campaign_id"], value_set=pa.array(camps)))["group_id"].to_pylist()
    calls = _calls(call, day, day).select(["call_date", "direction", "campaign_id", "group_id", "status"])
    statuses = _dash_list(call.get("statuses"))
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


def _latest_by_lead(calls: pa.Table) -> pa.Table:
    """Per lead: status, user and date of its most recent call in `calls`."""
    t = calls.filter(pc.is_valid(calls["lead_id"])).select(["lead_id", "call_date", "uniqueid", "status", "user"])
    t = t.sort_by([("call_date", "ascending"), ("uniqueid", "ascending")])
    return t.group_by("lead_id", use_threads=False).aggregate(
        [("status", "last"), ("user", "last"), ("call_date", "last")])


def _effective_leads(leads: pa.Table, calls: pa.Table) -> pa.Table:
    """Lead rows as the dialer would hold them: a call updates status/user/last call time.

    The LeadStore only records write-backs; a real dialer also writes each call's outcome
    into vicidial_list. A write-back newer than the lead's last call wins.
    """
    if leads.num_rows == 0 or calls.num_rows == 0:
        return leads
    last = _latest_by_lead(calls)
    cols = {c.removesuffix("_last"): last[c] for c in last.column_names}
    status_l, user_l, when_l = cols["status"], cols["user"], cols["call_date"]
    idx = pc.index_in(leads["lead_id"], value_set=cols["lead_id"])
    st, us, wh = pc.take(status_l, idx), pc.take(user_l, idx), pc.take(when_l, idx)
    when_s = pc.strftime(wh, "%Y-%m-%d %H:%M:%S")
    modified = pc.fill_null(leads["modify_date"], "")
    use = pc.and_(pc.is_valid(st), pc.less(modified, pc.fill_null(when_s, "")))
    use = pc.fill_null(use, False)
    out = leads
    for name, new in (("status", st), ("user", pc.fill_null(us, "VDAD")), ("last_local_call_time", when_s)):
        i = out.schema.get_field_index(name)
        if i >= 0:
            out = out.set_column(i, name, pc.if_else(use, pc.cast(new, out.schema.field(i).type), out[name]))
    return out


def _per_number(calls: pa.Table, numbers: list[str], directions: list[str], per: int) -> pa.Table:
    """The answer's rows in one sort: numbers in the order asked, within a number the asked
    directions in order, newest call first, at most ``per`` rows per number and direction.

    One grouped pass instead of a filter per number × direction: a 200-number batch over a
    month of a 500-seat center must cost the simulator little, so a benchmark measures dialsync.
    """
    t = calls.filter(pc.is_in(calls["direction"], value_set=pa.array(directions)))
    t = t.append_column("_n", pc.index_in(t["phone_number"], value_set=pa.array(numbers)))
    t = t.append_column("_d", pc.cast(pc.index_in(t["direction"], value_set=pa.array(directions)), pa.int64()))
    t = t.sort_by([("_n", "ascending"), ("_d", "ascending"), ("call_date", "descending"),
                   ("uniqueid", "descending")])
    if t.num_rows == 0:
        return t
    group = t["_n"].to_numpy().astype(np.int64) * len(directions) + t["_d"].to_numpy()
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    rank = np.arange(len(group)) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    return t.filter(pa.array(rank < per))


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
    calls = _slim_calls(call, history_start(call), _today(call))
    calls = calls.filter(pc.is_in(calls["phone_number"], value_set=pa.array(numbers)))
    directions = {"OUT": ["OUT"], "IN": ["IN"], "ALL": ["OUT", "IN"]}[kind]
    t = _per_number(calls, numbers, directions, per)
    if t.num_rows == 0:
        kind_ = "NOTICE" if call.realism == "real" else "ERROR"
        return msg(kind_, fn, "NO RECORDS FOUND", [u.user, ",".join(numbers)])
    leads = call.store.leads()
    involved = leads.filter(pc.is_in(leads["lead_id"], value_set=pc.unique(pc.drop_null(t["lead_id"]))))
    involved = _effective_leads(involved, calls)
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
    day = _parse_date(day_s)
    if not (2 <= len(did) <= 20) or day is None:
        return msg("ERROR", fn, "INVALID SEARCH PARAMETERS", [u.user, did, day_s])
    calls = _calls(call, day, day)
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


def _recording_host(call: Call) -> str:
    cfg = getattr(call.ctx, "config", None)
    return f"{getattr(cfg, 'host', None) or '127.0.0.1'}"


def recording_lookup(call: Call) -> str:
    """Recordings of answered agent calls (campaigns record ALLFORCE)."""
    fn = "recording_lookup"
    u = call.user
    if u.user_level < 7 or not u.view_reports:
        return msg("ERROR", fn, "USER DOES NOT HAVE PERMISSION TO GET RECORDING INFO", [u.user, int(u.view_reports)])
    agent_user, lead_id, day_s, uid = (call.get("agent_user"), call.get("lead_id"), call.get("date"),
                                       call.get("uniqueid"))
    data = [u.user, agent_user, lead_id, day_s, uid]
    day = _parse_date(day_s) if day_s else None
    if (day_s and day is None) or not (agent_user or lead_id or uid) or (lead_id and not lead_id.isdigit()):
        return msg("ERROR", fn, "INVALID SEARCH PARAMETERS", data)
    calls = _slim_calls(call, day, day) if day is not None else _slim_calls(call, history_start(call), _today(call))
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
    host = _recording_host(call)
    stamp = pc.strftime(start, "%Y%m%d-%H%M%S")
    location = pc.binary_join_element_wise(f"http://{host}/RECORDINGS/MP3/", stamp, "_", t["phone_number"], "_",
                                           t["user"], "-all.mp3", "")
    out = pa.table({"start_time": pc.strftime(start, "%Y-%m-%d %H:%M:%S"), "user": t["user"],
                    "recording_id": rec_id, "lead_id": t["lead_id"], "location": location})
    return render_table(out, call.get("stage"), call.get("header"))


def list_last_call(call: Call, list_id: int) -> str | None:
    """list_lastcalldate: the list's most recent call, searched back day by day from today."""
    d, first = _today(call), history_start(call)
    store = call.store
    while d >= first:
        if int(list_id) not in store.lists(as_of=d)["list_id"].to_pylist():
            d -= timedelta(days=1)  # the day's calls only dial lists that existed at its start
            continue
        calls = _slim_calls(call, d, d)
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
    day = _parse_date(day_s)
    leads = call.store.leads()
    if status and day is not None:
        calls = _slim_calls(call, day, day)
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
        calls = _slim_calls(call, day, _today(call))
        rows = _effective_leads(rows, calls.filter(pc.is_in(calls["lead_id"], value_set=rows["lead_id"])))
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
