"""The shape of a day's event log: `DayLog`, its table schemas and code vocabularies, the
day's UTC ⇄ local clock (`LocalTime`) and the LRU cache of generated days.

Its own module, importing nothing else of the simulator, so the generator
(`simulator.events_generate`), the quirks (`simulator.quirks`) and the public `day_log`
(`simulator.events`) share it without an import cycle.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

KIND_NAMES = ("Dialer", "Manual", "Inbound")
STATE_NAMES = ("LOGIN", "PAUSE", "WAIT", "TALK", "DEAD", "DISPO")

CALLS_SCHEMA = pa.schema([
    ("uniqueid", pa.string()), ("call_date", pa.timestamp("s")), ("call_epoch", pa.int64()),
    ("direction", pa.string()), ("call_type", pa.string()), ("campaign_id", pa.string()),
    ("portfolio", pa.string()), ("group_id", pa.string()), ("did", pa.string()), ("list_id", pa.int64()),
    ("lead_id", pa.int64()), ("phone_number", pa.string()), ("vendor_lead_code", pa.string()),
    ("entry_date", pa.timestamp("s")), ("user", pa.string()), ("status", pa.string()),
    ("carrier_disposition", pa.string()), ("is_amd_voicemail", pa.bool_()), ("ivr_seconds", pa.int64()),
    ("enter_on_queue", pa.timestamp("s")), ("queue_seconds", pa.int64()), ("queue_position", pa.int64()),
    ("ring_seconds", pa.int64()), ("answer_time", pa.timestamp("s")), ("talk_seconds", pa.int64()),
    ("agent_talk_seconds", pa.int64()), ("dead_seconds", pa.int64()), ("dispo_seconds", pa.int64()),
    ("length_in_sec", pa.int64()), ("term_reason", pa.string()), ("transferred", pa.bool_()),
    ("xfer_in", pa.bool_()), ("carrier", pa.string()),
    # integer codes (world.campaigns row, STATUS_VOCAB index): cheap joins for million-row reports
    ("campaign_code", pa.int16()), ("status_code", pa.int16()),
])
STATES_SCHEMA = pa.schema([
    ("user", pa.string()), ("state", pa.string()), ("pause_code", pa.string()), ("start", pa.timestamp("s")),
    ("start_epoch", pa.int64()), ("seconds", pa.int64()), ("uniqueid", pa.string()),
    ("campaign_id", pa.string()), ("call_type", pa.string()),
])
SESSIONS_SCHEMA = pa.schema([
    ("user", pa.string()), ("campaign_id", pa.string()), ("login", pa.timestamp("s")),
    ("logout", pa.timestamp("s")), ("login_epoch", pa.int64()), ("logout_epoch", pa.int64()),
])

# Categorical columns are generated as small-int codes into these vocabularies (object arrays
# of strings would dominate the run time) and become Arrow strings with one `take` at the end.
STATUS_VOCAB = ("NEW", "SALE", "NI", "DNC", "CALLBK", "A", "AA", "B", "NA", "DC", "DROP", "TIMEOT", "AFTHRS",
                "XFER", "DEC", "LD", "LIP", "VRF", "WIT", "APPSET")
TERM_VOCAB = ("AGENT", "CALLER", "NONE", "ABANDON", "SYSTEM", "QUEUETIMEOUT", "AFTERHOURS")
CARRIER_VOCAB = ("Answer", "No Answer", "Busy", "Failed")
STATE_VOCAB = ("PAUSE", "WAIT", "TALK", "DEAD", "DISPO")
S = {v: i for i, v in enumerate(STATUS_VOCAB)}
T = {v: i for i, v in enumerate(TERM_VOCAB)}
C = {v: i for i, v in enumerate(CARRIER_VOCAB)}


@dataclass(frozen=True, eq=False)
class DayLog:
    """The event log of one local calendar day (partial up to `cutoff` when it is today)."""

    day: date
    timezone: str
    calls: pa.Table
    agent_states: pa.Table
    sessions: pa.Table
    day_start_utc: int
    day_end_utc: int
    cutoff_utc: int

    @property
    def complete(self) -> bool:
        return self.cutoff_utc >= self.day_end_utc

    @property
    def hours(self) -> float:
        """23, 24 or 25 (DST)."""
        return (self.day_end_utc - self.day_start_utc) / 3600


class LocalTime:
    """UTC epoch ⇄ local wall clock for one day; at most one DST transition per day."""

    def __init__(self, tz: ZoneInfo, day: date) -> None:
        d0 = datetime.combine(day, time(), tz)
        d1 = datetime.combine(day + timedelta(days=1), time(), tz)
        self.start = int(d0.timestamp())
        self.end = int(d1.timestamp())
        self.off0 = int(d0.utcoffset().total_seconds())  # type: ignore[union-attr]
        self.off1 = int(datetime.fromtimestamp(self.end - 1, tz).utcoffset().total_seconds())  # type: ignore[union-attr]
        self.trans = self.end
        if self.off0 != self.off1:
            lo, hi = self.start, self.end - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if int(datetime.fromtimestamp(mid, tz).utcoffset().total_seconds()) == self.off1:  # type: ignore[union-attr]
                    hi = mid
                else:
                    lo = mid + 1
            self.trans = lo
        self.midnight_local = self.start + self.off0  # local naive epoch of 00:00

    def to_local(self, utc: np.ndarray) -> np.ndarray:
        return utc + np.where(utc >= self.trans, self.off1, self.off0)

    def wall_to_utc(self, wall_seconds: np.ndarray) -> np.ndarray:
        local = self.midnight_local + wall_seconds
        utc0 = local - self.off0
        return np.where(utc0 >= self.trans, local - self.off1, utc0)

    def local_hour(self, utc: np.ndarray) -> np.ndarray:
        return ((self.to_local(utc) - self.midnight_local) // 3600).clip(0, 23)


def empty_log(day: date, timezone: str, lt: LocalTime, cutoff: int) -> DayLog:
    """A day nobody worked (or that has not started by `cutoff`)."""
    return DayLog(day, timezone, CALLS_SCHEMA.empty_table(), STATES_SCHEMA.empty_table(),
                  SESSIONS_SCHEMA.empty_table(), lt.start, lt.end, cutoff)


def take_vocab(vocab: Any, idx: np.ndarray) -> pa.Array:
    """Strings from codes; negative codes become nulls."""
    idx = np.asarray(idx, dtype=np.int64)
    return pa.array(list(vocab), pa.string()).take(pa.array(idx, mask=idx < 0))


def timestamps(local_epoch: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Naive local timestamps from local epoch seconds; null where not `valid`."""
    arr = pa.array(local_epoch.astype("datetime64[s]"), pa.timestamp("s"))
    if valid is not None:
        arr = pc.if_else(pa.array(valid), arr, pa.scalar(None, pa.timestamp("s")))
    return arr


# --------------------------------------------------------------------------- cache

_CACHE: OrderedDict[tuple[Any, ...], DayLog] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_GEN_LOCKS: dict[tuple[Any, ...], threading.Lock] = {}
#: Day logs kept. A Dagster backfill run asks one endpoint for its 14 days, then the next endpoint
#: for the same days, and a quirky day is built from its own and the previous day's raw log: at 24
#: the run's ~29 logs were regenerated for every endpoint, and the simulator, not the pipeline, was
#: what bench/year.py measured (its CPU twice the pipeline's). 64 covers a run with room to spare.
CACHE_SIZE = 64


def cached(key: tuple[Any, ...], make: Callable[[], DayLog]) -> DayLog:
    """The LRU-cached result of `make` under `key`; concurrent requests for one key generate it once."""
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
        gen_lock = _GEN_LOCKS.setdefault(key, threading.Lock())
    with gen_lock:  # concurrent requests for one day generate it once
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
            if hit is not None:
                return hit
        log = make()
        with _CACHE_LOCK:
            _CACHE[key] = log
            _GEN_LOCKS.pop(key, None)
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
        return log


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
