"""A call center that misbehaves like a real one (`SimConfig.call_center_quirks`).

`simulator.events_generate` generates the shifts that *start* on a day, past its end (`OVERFLOW`); this
module turns those into what the dialer shows for a day at a given `now`:

* shifts that cross midnight: a day holds its own shifts' events before its end and the
  previous day's night shifts' events after its start (events belong to the local day they
  start in, as the dialer's reports split them); a session stays on the day it logged in;
* a call shows once it has finished (its disposition is saved): a call started before midnight
  that ends after it appears on its day only when `now` has passed its end;
* late changes to finished days: about half the callbacks (CALLBK) of a day are dispositioned
  on a callback 9–33 h after the day ended, and a few agent dispositions are corrected 1–41 h
  after it; each shows once `now` is past it;
* DST: the log runs on UTC seconds, so the repeated hour of a fall-back day has calls in both
  offsets (the night shift works through it) and the skipped hour of spring-forward has none.

Everything stays one event log, so reports and `/_sim/truth` agree at every `now`. The day's
log is cached by the minute until the last late change can have happened (`HORIZON`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.events_agents import NIGHT_END
from simulator.events_generate import generate
from simulator.events_log import STATUS_VOCAB, DayLog, LocalTime, S, cached
from simulator.state import LeadStore
from simulator.world import World

#: how far past a day's end its own shifts run (night shifts end by NIGHT_END)
OVERFLOW = NIGHT_END + 3600
#: after this long past its end a day changes no more
HORIZON = 42 * 3600
#: (from statuses, share changed, to statuses, earliest and latest hours after the day's end,
#: directions): a callback is an outbound lead's (its call-back can reach a machine, A)
LATE_CHANGES = (
    (("CALLBK",), 0.5, ("SALE", "NI", "A", "DEC"), 9, 33, ("OUT",)),
    (("NI", "A", "DEC"), 0.02, ("DNC", "NI", "SALE"), 1, 41, ("OUT", "IN")),
)


def _raw(world: World, day: date, store: LeadStore | None, calls_scale: float, target: int | None) -> DayLog:
    """Every event of the shifts that start on `day` (never cut by `now`: cut afterwards)."""
    lt = LocalTime(ZoneInfo(world.timezone), day)
    rev = store.revision(day) if store is not None else -1
    key = ("quirks-raw", id(world), world.seed, day, rev, id(store), float(calls_scale), target)
    return cached(key, lambda: generate(world, day, store, lt, lt.end + OVERFLOW, calls_scale, target, quirks=True))


def quirky_day_log(world: World, day: date, store: LeadStore | None, lt: LocalTime, now_epoch: int,
                   calls_scale: float, target: int | None) -> DayLog:
    cutoff = min(max(now_epoch, lt.start), lt.end + HORIZON)
    if cutoff < lt.end + HORIZON:
        cutoff = cutoff // 60 * 60
    revs = tuple(store.revision(d) for d in (day - timedelta(days=1), day)) if store is not None else ()
    key = ("quirks", id(world), world.seed, day, cutoff, revs, id(store), float(calls_scale), target)
    return cached(key, lambda: _day(world, day, store, lt, cutoff, calls_scale, target))


def _day(world: World, day: date, store: LeadStore | None, lt: LocalTime, cutoff: int, calls_scale: float,
         target: int | None) -> DayLog:
    prev = _raw(world, day - timedelta(days=1), store, calls_scale, target)
    cur = _raw(world, day, store, calls_scale, target)

    def own(t: pa.Table, col: str, older: pa.Table) -> pa.Table:  # events that start on `day`
        mine = t.filter(pc.less(t[col], lt.end))
        tail = older.filter(pc.greater_equal(older[col], lt.start))
        return pa.concat_tables([tail, mine]) if tail.num_rows else mine

    calls = own(cur.calls, "call_epoch", prev.calls)
    states = own(cur.agent_states, "start_epoch", prev.agent_states)
    sessions = cur.sessions.filter(pc.less(cur.sessions["login_epoch"], lt.end))

    # what has happened by `cutoff`: finished calls, finished agent states, sessions logged in
    end = calls["call_epoch"]
    for c in ("ivr_seconds", "queue_seconds", "ring_seconds", "talk_seconds", "dead_seconds", "dispo_seconds"):
        end = pc.add(end, pc.fill_null(calls[c], 0))
    calls = calls.filter(pc.less_equal(end, cutoff))
    states = states.filter(pc.less_equal(pc.add(states["start_epoch"], states["seconds"]), cutoff))
    sessions = sessions.filter(pc.less_equal(sessions["login_epoch"], cutoff))
    if sessions.num_rows:
        on = pc.greater(pc.fill_null(sessions["logout_epoch"], cutoff + 1), cutoff)
        for c in ("logout", "logout_epoch"):
            i = sessions.schema.get_field_index(c)
            sessions = sessions.set_column(i, c, pc.if_else(on, pa.scalar(None, sessions[c].type), sessions[c]))
    calls = _late_changes(world.seed, calls, lt.end, cutoff)
    calls = calls.sort_by([("call_epoch", "ascending"), ("uniqueid", "ascending")])
    states = states.sort_by([("user", "ascending"), ("start_epoch", "ascending")])
    return DayLog(day, world.timezone, calls, states, sessions, lt.start, lt.end, min(cutoff, lt.end))


def _unit(seed: int, salt: int, epoch: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """A uniform [0, 1) per call, stable whatever else the day holds (splitmix64 of its uniqueid)."""
    with np.errstate(over="ignore"):
        x = (epoch.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
             ^ (seq.astype(np.uint64) + np.uint64(seed * 1000 + salt)) * np.uint64(0xBF58476D1CE4E5B9))
        x ^= x >> np.uint64(31)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(29)
    return (x >> np.uint64(11)).astype(np.float64) / float(2 ** 53)


def _late_changes(seed: int, calls: pa.Table, day_end: int, cutoff: int) -> pa.Table:
    """Statuses as they stand at `cutoff` (LATE_CHANGES that happened by then)."""
    if calls.num_rows == 0 or cutoff <= day_end:
        return calls
    epoch = calls["call_epoch"].to_numpy()
    seq = pc.cast(pc.list_element(pc.split_pattern(calls["uniqueid"], "."), 1), pa.int64()).to_numpy()
    code = calls["status_code"].to_numpy().astype(np.int16)
    agent = np.asarray(pc.is_valid(calls["user"]))
    direction = calls["direction"].to_numpy(zero_copy_only=False)
    out = code.copy()
    for salt, (frm, share, to, lo, hi, dirs) in enumerate(LATE_CHANGES):
        pick = (np.isin(code, [S[x] for x in frm]) & agent & np.isin(direction, dirs)
                & (_unit(seed, 3 * salt, epoch, seq) < share))
        at = day_end + (lo + (hi - lo) * _unit(seed, 3 * salt + 1, epoch, seq)) * 3600
        new = np.array([S[x] for x in to], np.int16)[(_unit(seed, 3 * salt + 2, epoch, seq) * len(to)).astype(int)]
        out = np.where(pick & (at <= cutoff) & (out == code), new, out)
    if (out == code).all():
        return calls
    statuses: Any = pa.array(list(STATUS_VOCAB), pa.string()).take(pa.array(out.astype(np.int64)))
    calls = calls.set_column(calls.schema.get_field_index("status"), "status", statuses)
    return calls.set_column(calls.schema.get_field_index("status_code"), "status_code", pa.array(out, pa.int16()))

