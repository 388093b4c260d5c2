"""Ground truth: what the reports of a day must add up to, straight from the event log.

Computed with DuckDB SQL over the DayLog, independently of goapi.py's report code, and served
as Parquet at `GET /_sim/truth/<name>?date=YYYY-MM-DD` so tests and the demo can reconcile
the warehouse against the simulator without trusting any one report.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from simulator.events import day_log
from simulator.state import LeadStore
from simulator.world import World

if TYPE_CHECKING:
    from simulator.context import SimContext

TRUTH_NAMES = ("calls", "agent_states", "sessions", "agent_daily", "campaign_daily", "pause_daily", "queue_daily")

_SQL = {
    "agent_daily": """
        WITH s AS (
          SELECT "user",
            CAST(sum(seconds) AS BIGINT) AS login_seconds,
            CAST(sum(seconds) FILTER (WHERE state = 'WAIT') AS BIGINT) AS wait_seconds,
            CAST(sum(seconds) FILTER (WHERE state = 'TALK') AS BIGINT) AS talk_seconds,
            CAST(sum(seconds) FILTER (WHERE state = 'DISPO') AS BIGINT) AS dispo_seconds,
            CAST(sum(seconds) FILTER (WHERE state = 'DEAD') AS BIGINT) AS dead_seconds,
            CAST(sum(seconds) FILTER (WHERE state = 'PAUSE') AS BIGINT) AS pause_seconds
          FROM states GROUP BY "user"),
        c AS (
          -- calls: every call the agent dispositioned (the dialer's count); handled and its split by
          -- type: connected to a live person (an inbound caller, or a status flagged human_answered;
          -- not a drop)
          SELECT "user", count(*) AS calls,
            count(*) FILTER (WHERE live) AS handled,
            count(*) FILTER (WHERE live AND call_type = 'Dialer') AS dialer_calls,
            count(*) FILTER (WHERE live AND call_type = 'Manual') AS manual_calls,
            count(*) FILTER (WHERE live AND call_type = 'Inbound') AS inbound_calls,
            count(*) FILTER (WHERE status IN (SELECT status FROM sale_statuses)) AS sales
          FROM (SELECT *, (direction = 'IN' OR status IN (SELECT status FROM human_statuses))
                          AND status <> 'DROP' AS live
                FROM calls)
          WHERE "user" IS NOT NULL GROUP BY "user")
        SELECT s."user", coalesce(c.calls, 0) AS calls, coalesce(c.handled, 0) AS handled,
          coalesce(c.dialer_calls, 0) AS dialer_calls,
          coalesce(c.manual_calls, 0) AS manual_calls, coalesce(c.inbound_calls, 0) AS inbound_calls,
          coalesce(c.sales, 0) AS sales, s.login_seconds, coalesce(s.wait_seconds, 0) AS wait_seconds,
          coalesce(s.talk_seconds, 0) AS talk_seconds, coalesce(s.dispo_seconds, 0) AS dispo_seconds,
          coalesce(s.dead_seconds, 0) AS dead_seconds, coalesce(s.pause_seconds, 0) AS pause_seconds
        FROM s LEFT JOIN c USING ("user") ORDER BY s."user" """,
    "campaign_daily": """
        SELECT campaign_id, count(*) FILTER (WHERE direction = 'OUT') AS dials,
          count(*) FILTER (WHERE direction = 'IN') AS inbound_calls,
          count(*) FILTER (WHERE carrier_disposition = 'Answer' AND NOT is_amd_voicemail) AS contacts,
          count(*) FILTER (WHERE "user" IS NOT NULL) AS agent_calls,
          count(*) FILTER (WHERE "user" IS NOT NULL AND status <> 'DROP'
                           AND (direction = 'IN' OR status IN (SELECT status FROM human_statuses))) AS handled,
          count(*) FILTER (WHERE status = 'DROP') AS drops,
          count(*) FILTER (WHERE status IN (SELECT status FROM sale_statuses)) AS sales,
          coalesce(CAST(sum(agent_talk_seconds) FILTER (WHERE "user" IS NOT NULL AND status <> 'DROP'
                        AND (direction = 'IN' OR status IN (SELECT status FROM human_statuses))) AS BIGINT), 0)
            AS talk_seconds
        FROM calls GROUP BY campaign_id ORDER BY campaign_id""",
    "pause_daily": """
        SELECT "user", coalesce(nullif(pause_code, ''), 'PAUSE') AS pause_code,
          CAST(sum(seconds) AS BIGINT) AS seconds
        FROM states WHERE state = 'PAUSE' GROUP BY ALL ORDER BY 1, 2""",
    "queue_daily": """
        SELECT group_id, count(*) AS calls,
          count(*) FILTER (WHERE "user" IS NOT NULL) AS handled,
          count(*) FILTER (WHERE status = 'DROP') AS abandoned,
          count(*) FILTER (WHERE status = 'DROP' AND queue_seconds > 20) AS abandoned_after_20s,
          count(*) FILTER (WHERE status = 'TIMEOT') AS timeouts,
          count(*) FILTER (WHERE status = 'AFTHRS') AS after_hours,
          coalesce(CAST(sum(queue_seconds) AS BIGINT), 0) AS queue_seconds
        FROM calls WHERE direction = 'IN' GROUP BY group_id ORDER BY group_id""",
}


def truth_table(world: World, store: LeadStore | None, day: date, name: str, ctx: SimContext | None = None) -> pa.Table:
    """Ground-truth table `name` for `day` (under the context's clock when given)."""
    if name not in TRUTH_NAMES:
        raise KeyError(f"unknown truth table {name!r}; known: {', '.join(TRUTH_NAMES)}")
    log = ctx.day_log(day) if ctx is not None else day_log(world, day, store)
    if name == "calls":
        return log.calls
    if name == "agent_states":
        return log.agent_states
    if name == "sessions":
        return log.sessions
    con = duckdb.connect()
    try:
        # a sale is any status flagged sale=Y, campaign statuses (APPSET) included
        sale_statuses = pa.table({"status": world.statuses_flagged("sale")})
        human_statuses = pa.table({"status": world.statuses_flagged("human_answered")})
        tables: dict[str, Any] = {"calls": log.calls, "states": log.agent_states, "sale_statuses": sale_statuses,
                                  "human_statuses": human_statuses}
        for k, v in tables.items():
            con.register(k, v)
        return con.sql(_SQL[name]).to_arrow_table()
    finally:
        con.close()
