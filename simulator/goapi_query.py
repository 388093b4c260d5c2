"""Shared Arrow/DuckDB building blocks of the goAPI answers: the request's date window,
its calls and agent states from the day logs, tenant/profile/user filters, string columns,
the row limit, and the per-agent totals every agent report (and the dashboard) groups from.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.context import Params, SimContext
from simulator.events_log import STATUS_VOCAB
from simulator.goapi_protocol import ERR_MISSING, ApiError


def sql(query: str, **tables: Any) -> pa.Table:
    """Run DuckDB over Arrow tables (a fresh in-memory connection: thread-safe, ~ms)."""
    con = duckdb.connect()
    try:
        for name, t in tables.items():
            con.register(name, t)
        return con.sql(query).to_arrow_table()
    finally:
        con.close()


def parse_day(v: str | None) -> date | None:
    if not v:
        return None
    try:
        return date.fromisoformat(v.strip()[:10])
    except ValueError:
        raise ApiError(ERR_MISSING) from None


def window(params: Params, ctx: SimContext, required: bool = False) -> tuple[datetime, datetime, date, date]:
    """Local-naive [start, end] and the days it covers. No dates → the last 24 hours."""
    f, t = parse_day(params.get("fromDate")), parse_day(params.get("toDate"))
    if required and (f is None or t is None):
        raise ApiError(ERR_MISSING)
    if f is None and t is None:
        end = ctx.clock.now_local()
        start = end - timedelta(hours=24)
        return start, end, start.date(), end.date()
    f = f or t
    t = t or ctx.clock.today()
    assert f is not None
    if t < f:
        f, t = t, f
    if (t - f).days > 92:
        t = f + timedelta(days=92)
    return datetime.combine(f, datetime.min.time()), datetime.combine(t, datetime.max.time()).replace(
        microsecond=0), f, t


def calls_and_states(ctx: SimContext, params: Params, required: bool = False) -> tuple[pa.Table, pa.Table, date, date]:
    start, end, f, t = window(params, ctx, required)
    logs = ctx.day_logs(f, t)
    calls = pa.concat_tables([lg.calls for lg in logs])
    states = pa.concat_tables([lg.agent_states for lg in logs])
    if (end - start) < timedelta(days=(t - f).days + 1) - timedelta(seconds=1):  # rolling 24 h window
        s, e = pa.scalar(start, pa.timestamp("s")), pa.scalar(end, pa.timestamp("s"))
        calls = calls.filter(pc.and_(pc.greater_equal(calls["call_date"], s), pc.less_equal(calls["call_date"], e)))
        states = states.filter(pc.and_(pc.greater_equal(states["start"], s), pc.less_equal(states["start"], e)))
    return calls, states, f, t


def _upper_set(values: list[str]) -> pa.Array:
    return pa.array([v.upper() for v in values], pa.string())


def filter_calls(calls: pa.Table, ctx: SimContext, params: Params, by_agent: bool = False) -> pa.Table:
    """tenant[] (portfolio), profile[] (campaign profile, or agent profile), user[]."""
    tenants, profiles, users = params.getlist("tenant"), params.getlist("profile"), params.getlist("user")
    if tenants:
        calls = calls.filter(pc.is_in(pc.utf8_upper(calls["portfolio"]), value_set=_upper_set(tenants)))
    if profiles:
        if by_agent:
            ag = ctx.world.agents
            ok = ag.filter(pc.is_in(pc.utf8_upper(ag["profile"]), value_set=_upper_set(profiles)))["user"]
            calls = calls.filter(pc.is_in(calls["user"], value_set=ok.combine_chunks()))
        else:
            cm = ctx.world.campaigns
            ok = cm.filter(pc.is_in(pc.utf8_upper(cm["profile"]), value_set=_upper_set(profiles)))["campaign_id"]
            calls = calls.filter(pc.is_in(calls["campaign_id"], value_set=ok.combine_chunks()))
    if users:
        calls = calls.filter(pc.is_in(pc.utf8_lower(calls["user"]), value_set=pa.array([u.lower() for u in users])))
    return calls


def agent_filter(ctx: SimContext, params: Params) -> pa.Table:
    """world.agents narrowed by tenant[]/profile[]/user[] (case-insensitive)."""
    ag = ctx.world.agents
    if params.getlist("tenant"):
        ag = ag.filter(pc.is_in(pc.utf8_upper(ag["portfolio"]), value_set=_upper_set(params.getlist("tenant"))))
    if params.getlist("profile"):
        ag = ag.filter(pc.is_in(pc.utf8_upper(ag["profile"]), value_set=_upper_set(params.getlist("profile"))))
    if params.getlist("user"):
        ag = ag.filter(pc.is_in(pc.utf8_lower(ag["user"]),
                                value_set=pa.array([u.lower() for u in params.getlist("user")])))
    return ag


def lookup(keys: pa.ChunkedArray | pa.Array, table: pa.Table, key: str, value: str) -> pa.Array:
    idx = pc.index_in(keys, value_set=table[key].combine_chunks())
    return table[value].combine_chunks().take(idx)


def campaign_col(calls: pa.Table, field: str, ctx: SimContext) -> pa.Array:
    """A world.campaigns column per call, via the integer campaign_code (no string hashing)."""
    return ctx.world.campaigns[field].combine_chunks().take(calls["campaign_code"].combine_chunks())


def status_name(calls: pa.Table, ctx: SimContext) -> pa.Array:
    names = ctx.world.status_by_code
    vocab = pa.array([names[s]["status_name"] if s in names else s for s in STATUS_VOCAB], pa.string())
    return vocab.take(calls["status_code"].combine_chunks())


def as_str(col: Any) -> pa.Array:
    """Any column → strings (timestamps as 'YYYY-MM-DD HH:MM:SS'); nulls stay null."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_timestamp(col.type):
        return pc.cast(col, pa.string())  # "YYYY-MM-DD HH:MM:SS", ~20x faster than strftime
    if pa.types.is_string(col.type):
        return col
    return pc.cast(col, pa.string())


def row_limit(tbl: pa.Table, ctx: SimContext) -> pa.Table:
    """A plain SQL LIMIT on every goReports row set: silently truncates at `goapi_rows` (`rows` when
    unset). Whether croco-dial truncates is undocumented: the simulator assumes it does, like VICIdial."""
    lim = int(ctx.limits.get("goapi_rows", ctx.limits.get("rows", 100000)))
    return tbl.slice(0, lim) if tbl.num_rows > lim else tbl


def hms(seconds: pa.Array) -> pa.Array:
    s = seconds.to_numpy(zero_copy_only=False).astype(np.int64)
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    parts = [pc.utf8_lpad(pc.cast(pa.array(x), pa.string()), 2, "0") for x in (h, m, sec)]
    return pc.binary_join_element_wise(*parts, ":")


def agent_calls(calls: pa.Table) -> pa.Table:
    return calls.filter(pc.is_valid(calls["user"]))


_PER_USER_SQL = """
WITH s AS (
  SELECT "user",
    min(start) AS first_activity, max(start + to_seconds(seconds)) AS last_activity,
    CAST(sum(seconds) AS BIGINT) AS login_time,
    CAST(sum(seconds) FILTER (WHERE state = 'WAIT') AS BIGINT) AS wait,
    CAST(sum(seconds) FILTER (WHERE state = 'TALK') AS BIGINT) AS talk,
    CAST(sum(seconds) FILTER (WHERE state = 'DISPO') AS BIGINT) AS dispo,
    CAST(sum(seconds) FILTER (WHERE state = 'DEAD') AS BIGINT) AS dead,
    CAST(sum(seconds) FILTER (WHERE state = 'PAUSE') AS BIGINT) AS pause_all,
    CAST(sum(seconds) FILTER (WHERE state = 'PAUSE' AND coalesce(pause_code, '') = '') AS BIGINT) AS pause_nocode,
    CAST(sum(seconds) FILTER (WHERE state = 'TALK' AND call_type = 'Manual') AS BIGINT) AS manual_talk,
    count(DISTINCT CAST(start AS DATE)) AS logged_days
  FROM states GROUP BY "user"),
c AS (
  SELECT "user", count(*) AS total_calls,
    count(*) FILTER (WHERE call_type = 'Manual') AS manual,
    count(*) FILTER (WHERE call_type = 'Inbound') AS inbound,
    count(*) FILTER (WHERE call_type = 'Dialer') AS dialer,
    count(*) FILTER (WHERE status = 'SALE') AS sales,
    count(*) FILTER (WHERE status = 'DEC') AS denied,
    count(*) FILTER (WHERE status = 'LIP') AS lip,
    count(*) FILTER (WHERE status = 'VRF') AS vrf,
    count(*) FILTER (WHERE status = 'A') AS voicemail,
    count(*) FILTER (WHERE status = 'NA') AS noa,
    count(*) FILTER (WHERE status = 'WIT') AS wit,
    count(*) FILTER (WHERE transferred) AS xfer_out,
    count(*) FILTER (WHERE xfer_in) AS xfer_in,
    CAST(sum(agent_talk_seconds) AS BIGINT) AS call_talk,
    mode(status) AS most_dispo
  FROM calls GROUP BY "user")
SELECT s.*, coalesce(c.total_calls, 0) AS total_calls, coalesce(c.manual, 0) AS manual,
  coalesce(c.inbound, 0) AS inbound, coalesce(c.dialer, 0) AS dialer, coalesce(c.sales, 0) AS sales,
  coalesce(c.denied, 0) AS denied, coalesce(c.lip, 0) AS lip, coalesce(c.vrf, 0) AS vrf,
  coalesce(c.voicemail, 0) AS voicemail, coalesce(c.noa, 0) AS noa, coalesce(c.wit, 0) AS wit,
  coalesce(c.xfer_out, 0) AS xfer_out, coalesce(c.xfer_in, 0) AS xfer_in, c.most_dispo
FROM s LEFT JOIN c USING ("user") ORDER BY "user"
"""


def per_user(calls: pa.Table, states: pa.Table) -> pa.Table:
    """Per-agent totals of one window: the shared basis of the agent reports (and truth)."""
    t = sql(_PER_USER_SQL, calls=agent_calls(calls).select(
        ["user", "call_type", "status", "transferred", "xfer_in", "agent_talk_seconds"]),
        states=states.select(["user", "state", "pause_code", "start", "seconds", "call_type"]))
    fill = {c: pc.fill_null(t[c], 0) for c in ("wait", "talk", "dispo", "dead", "pause_all", "pause_nocode",
                                               "manual_talk")}
    for c, v in fill.items():
        t = t.set_column(t.schema.get_field_index(c), c, v)
    return t


def users_in(ctx: SimContext, params: Params, t: pa.Table) -> pa.Table:
    ag = agent_filter(ctx, params)
    t = t.filter(pc.is_in(t["user"], value_set=ag["user"].combine_chunks()))
    return t


def attach_agent(t: pa.Table, ctx: SimContext,
                  cols: tuple[str, ...] = ("portfolio", "profile")) -> dict[str, pa.Array]:
    return {c: lookup(t["user"], ctx.world.agents, "user", c) for c in cols}
