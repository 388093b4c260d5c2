"""The seconds behind agent_stats_export: per user (× campaign) the event-log states, pauses,
sessions and handled calls of a window (`agent_totals`), and how the real server turns them
into printed seconds (`printed_seconds`, api-facts.md, measured).
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from simulator.nonagent_auth import limit
from simulator.nonagent_call import Call
from simulator.nonagent_daylogs import day_logs, timestamp


def agent_totals(call: Call, start: datetime, end: datetime, agent_user: str | None,
                 by_campaign: bool) -> pa.Table:
    """Seconds per event-log state, pauses, sessions and handled calls per user (× campaign).

    `talk` is the TALK state (dead excluded); `first_dispo` is the seconds of the user's first
    DISPO segment in the window (the row 2.14-202 counts twice). How these become the printed
    columns is `agent_stats_export`'s business.
    """
    logs = day_logs(call, start.date(), end.date())
    keys = ["user", "campaign_id"] if by_campaign else ["user"]
    lo, hi = timestamp(start), timestamp(end)
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



def printed_seconds(agg: pa.Table, *, double_count: bool, zero_when_no_calls: bool) -> pa.Table:
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

