"""Which calls of which days the text-API reports read: the simulator's day logs (never past
its today, at most a year), the history window the number and recording searches scan, a
per-day projection of the calls those searches need (cached), and the date/list parameters.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from simulator.events_log import CALLS_SCHEMA, DayLog
from simulator.nonagent_call import Call

MAX_DAYS = 366
#: days back from today the number and recording searches scan (they have no date filter)
HISTORY_DAYS = 31


def today(call: Call) -> date:
    return call.now.date()


def day_logs(call: Call, start: date, end: date) -> list[DayLog]:
    """Day logs from `start` to `end` (inclusive, capped), never past the simulator's today."""
    end = min(end, today(call))
    if end < start:
        return []
    if (end - start).days >= MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS - 1)
    return call.ctx.day_logs(start, end)


def history_start(call: Call) -> date:
    """First day with activity the number/recording searches scan (they have no date filter)."""
    return today(call) - timedelta(days=HISTORY_DAYS - 1)


_SLIM: OrderedDict[tuple[Any, ...], pa.Table] = OrderedDict()
_SLIM_LOCK = threading.Lock()
_SLIM_SIZE = 512
SLIM_COLUMNS = ("uniqueid", "call_date", "answer_time", "direction", "campaign_id", "group_id", "did", "list_id",
                "lead_id", "phone_number", "user", "status", "length_in_sec", "talk_seconds", "term_reason")


def slim_calls(call: Call, start: date, end: date) -> pa.Table:
    """Calls of many days, projected to the columns the searches need, cached per day.

    The event-log cache holds a couple dozen days; phone_number_log scans the whole history,
    so a narrow per-day projection is kept here (keyed like the event log: day, store
    revision, and the cut-off minute for today).
    """
    ctx = call.ctx
    store = ctx.store
    parts: list[pa.Table] = []
    last = today(call)
    d = max(start, last - timedelta(days=MAX_DAYS - 1))
    while d <= min(end, last):
        rev = store.revision(d)
        cut = call.now.replace(second=0) if d == last else None
        key = (id(ctx.world), id(store), d, rev, cut)
        with _SLIM_LOCK:
            hit = _SLIM.get(key)
        if hit is None:
            log = day_logs(call, d, d)
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
        return pa.schema([CALLS_SCHEMA.field(c) for c in SLIM_COLUMNS]).empty_table()
    return pa.concat_tables(parts)


def calls_between(call: Call, start: date, end: date) -> pa.Table:
    """Every column of the calls from `start` to `end` (the reports that group by day-log columns)."""
    logs = day_logs(call, start, end)
    tables = [lg.calls for lg in logs if lg.calls.num_rows]
    if not tables:
        return CALLS_SCHEMA.empty_table()
    return pa.concat_tables(tables)


def parse_date(value: str) -> date | None:
    try:
        if len(value) != 10:
            return None
        return date.fromisoformat(value)
    except ValueError:
        return None


def dash_list(value: str) -> list[str]:
    return [v for v in value.split("-") if v]


def timestamp(value: datetime) -> pa.Scalar:
    return pa.scalar(value, pa.timestamp("s"))

