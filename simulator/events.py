"""One day of call-center activity, generated columnar from (seed, date).

Every report of a day is a group-by over this one log, so reports agree with each other and
with `/_sim/truth`. Generation is vectorised numpy (no per-call Python), deterministic per
(seed, date, lead-store revision), and LRU-cached because a sync pulls many reports of the
same day. Times are simulated in UTC epoch seconds and converted to the installation's local
wall time at the end, so 23- and 25-hour DST days come out right.

Model, per working agent: login → LOGIN pause → repeated cycles of
[coded pause?][MANUAL pause if manual dial][WAIT][TALK][DEAD?][DISPO], with a mid-shift
LUNCH; each cycle carries one call the agent handled (Dialer, Manual or Inbound). The
dialer's unanswered attempts (no answer, busy, AMD machines, drops) and inbound abandons,
queue timeouts and after-hours calls are added around the handled calls.

One module past 500 lines because the generator is one pass over shared arrays: splitting it
would pass two dozen arrays between files. With `quirks` (`SimConfig.call_center_quirks`),
`simulator.quirks` builds each day from the shifts of that day and the night shifts of the day
before, as of `now` (late changes included).
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

from simulator.state import DIALABLE_STATUSES, LeadStore
from simulator.world import World, calltime_window

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


class _LocalTime:
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


_CACHE: OrderedDict[tuple[Any, ...], DayLog] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_GEN_LOCKS: dict[tuple[Any, ...], threading.Lock] = {}
CACHE_SIZE = 24
#: quirks: the latest a night shift ends, seconds after the next local midnight
NIGHT_END = 6 * 3600


def day_log(world: World, day: date, store: LeadStore | None = None, now: datetime | None = None, *,
            calls_scale: float = 1.0, outbound_calls_per_day: int | None = None, quirks: bool = False) -> DayLog:
    """The (cached) event log of `day`. `now` (aware, or naive local) cuts today short; default real clock.

    `calls_scale` multiplies the dialer's unanswered attempts and inbound abandons;
    `outbound_calls_per_day` instead sizes the day's outbound rows to about that many (benchmarks).
    `quirks`: the call center misbehaves like a real one (`simulator.quirks`).
    """
    tz = ZoneInfo(world.timezone)
    if now is None:
        now = datetime.now(tz)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=tz)
    lt = _LocalTime(tz, day)
    now_epoch = int(now.timestamp())
    if quirks:
        from simulator.quirks import quirky_day_log

        return quirky_day_log(world, day, store, lt, now_epoch, calls_scale, outbound_calls_per_day)
    cutoff = min(max(now_epoch, lt.start), lt.end)
    if cutoff < lt.end:
        cutoff = cutoff // 60 * 60  # a partial day is regenerated at most once a minute
    rev = store.revision(day) if store is not None else -1
    key = (id(world), world.seed, day, cutoff, rev, id(store), float(calls_scale), outbound_calls_per_day)
    return cached(key, lambda: _generate(world, day, store, lt, cutoff, calls_scale, outbound_calls_per_day))


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


def _empty(day: date, world: World, lt: _LocalTime, cutoff: int) -> DayLog:
    return DayLog(day, world.timezone, CALLS_SCHEMA.empty_table(), STATES_SCHEMA.empty_table(),
                  SESSIONS_SCHEMA.empty_table(), lt.start, lt.end, cutoff)


def _lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    return np.exp(np.log(median) + sigma * rng.standard_normal(n))


def _ts(local_epoch: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(local_epoch.astype("datetime64[s]"), pa.timestamp("s"))
    if valid is not None:
        arr = pc.if_else(pa.array(valid), arr, pa.scalar(None, pa.timestamp("s")))
    return arr


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


def _take(vocab: Any, idx: np.ndarray) -> pa.Array:
    """Strings from codes; negative codes become nulls."""
    idx = np.asarray(idx, dtype=np.int64)
    return pa.array(list(vocab), pa.string()).take(pa.array(idx, mask=idx < 0))


def _pick(rng: np.random.Generator, names: list[str], probs: list[float], n: int) -> np.ndarray:
    p = np.asarray(probs, float)
    return np.array([S[x] for x in names], np.int16)[rng.choice(len(names), size=n, p=p / p.sum())]


# status mixes of agent-handled calls (sale drawn separately from campaign rate × skill)
_MIX = {
    0: (["NI", "A", "CALLBK", "DEC", "LD", "DNC", "XFER", "LIP", "VRF", "WIT"],
        [0.30, 0.17, 0.13, 0.08, 0.07, 0.02, 0.03, 0.04, 0.03, 0.03]),
    1: (["NA", "B", "A", "NI", "CALLBK", "DEC", "LD", "LIP", "VRF", "WIT", "DNC"],
        [0.20, 0.04, 0.15, 0.20, 0.12, 0.06, 0.06, 0.05, 0.04, 0.03, 0.02]),
    2: (["NI", "CALLBK", "XFER", "DEC", "LD", "LIP", "VRF", "WIT"],
        [0.25, 0.12, 0.12, 0.08, 0.10, 0.10, 0.12, 0.03]),
}
_PAUSE_MIX = {"BREAK": (0.30, 600), "WC": (0.20, 240), "PRIV": (0.10, 300), "TRAIN": (0.03, 1500),
              "MEETIN": (0.03, 1200), "LAGGED": (0.03, 45), "ANDIAL": (0.08, 15), "": (0.08, 90)}
_ODD_PAUSE = (0.05, 200)
_SYSTEM_NOT_RANDOM = {"LOGIN", "LUNCH", "MANUAL"}


def _generate(world: World, day: date, store: LeadStore | None, lt: _LocalTime, cutoff: int,
              calls_scale: float, target_outbound: int | None, quirks: bool = False) -> DayLog:
    """The log of the shifts that start on `day`, up to `cutoff`. With `quirks` (cutoff past the
    day's end: `simulator.quirks` cuts and merges days) some inbound agents work a night shift
    into the next day, and answered dialer calls wait less than the campaign's drop timer."""
    if cutoff <= lt.start:
        return _empty(day, world, lt, cutoff)
    ordinal = day.toordinal()
    rng_a = np.random.default_rng([world.seed, ordinal, 1])
    rng_c = np.random.default_rng([world.seed, ordinal, 2])
    rng_x = np.random.default_rng([world.seed, ordinal, 3])
    rng_l = np.random.default_rng([world.seed, ordinal, 4])

    ag = world.agents
    n_ag = ag.num_rows
    camps = world.campaigns
    camp_ids = camps["campaign_id"].to_pylist()
    cidx_of = {c: i for i, c in enumerate(camp_ids)}
    ctype_list = camps["campaign_type"].to_pylist()
    agent_camp = np.array([cidx_of[c] for c in ag["campaign_id"].to_pylist()], dtype=np.int64)
    ctype = np.array([{"outbound": 0, "inbound": 1, "blended": 2}[t] for t in ctype_list])[agent_camp]
    skill = ag["skill"].to_numpy()
    windows = [calltime_window(world.calltimes, ct, day) for ct in camps["calltime_id"].to_pylist()]
    win_start = np.array([w[0] // 100 * 3600 + w[0] % 100 * 60 for w in windows])[agent_camp]
    win_stop = np.array([w[1] // 100 * 3600 + w[1] % 100 * 60 for w in windows])[agent_camp]

    # --- who works, when -----------------------------------------------------------------
    dow = day.weekday()
    p_work = 0.93 if dow < 5 else (0.35 if dow == 5 else 0.15)
    works = rng_a.random(n_ag) < p_work * ag["attendance"].to_numpy()
    start_wall = ag["shift_start_min"].to_numpy() * 60 + rng_a.normal(0, 600, n_ag)
    shift_len = ag["shift_hours"].to_numpy() * 3600 + rng_a.normal(0, 1200, n_ag)
    start_wall = np.maximum(start_wall, win_start + rng_a.integers(0, 420, n_ag)).astype(np.int64)
    end_wall = np.minimum(start_wall + shift_len, np.minimum(win_stop, 23 * 3600 + 1800)).astype(np.int64)
    lt_next = _LocalTime(ZoneInfo(world.timezone), day + timedelta(days=1))

    def wall_utc(wall: np.ndarray) -> np.ndarray:  # wall seconds from local midnight, past 24 h: tomorrow
        return np.where(wall >= 86400, lt_next.wall_to_utc(np.maximum(wall - 86400, 0)), lt.wall_to_utc(wall))

    if quirks:  # an overnight team on the 24-hour inbound queues: 20:00–22:00 starts, past midnight
        rng_q = np.random.default_rng([world.seed, ordinal, 7])
        night = (ctype == 1) & (win_stop - win_start >= 23 * 3600) & (rng_q.random(n_ag) < 0.4)
        works = np.where(night, rng_q.random(n_ag) < 0.9, works)
        start_wall = np.where(night, 20 * 3600 + rng_q.integers(0, 7200, n_ag), start_wall).astype(np.int64)
        end_wall = np.where(night, np.minimum(start_wall + shift_len, 24 * 3600 + NIGHT_END),
                            end_wall).astype(np.int64)
    works &= (end_wall - start_wall) >= 1800
    w_idx = np.flatnonzero(works)
    login_utc = wall_utc(start_wall[w_idx])
    shift_end_utc = np.minimum(wall_utc(end_wall[w_idx]), cutoff)
    keep_ag = login_utc < cutoff
    w_idx, login_utc, shift_end_utc = w_idx[keep_ag], login_utc[keep_ag], shift_end_utc[keep_ag]
    na = len(w_idx)
    if na == 0:
        return _empty(day, world, lt, cutoff)
    a_ctype = ctype[w_idx]
    a_skill = skill[w_idx]
    wait_mean = np.array([30.0, 75.0, 50.0])[a_ctype] * rng_a.lognormal(0, 0.2, na) / a_skill ** 0.3
    talk_scale = (1 / a_skill) ** 0.3 * rng_a.lognormal(0, 0.1, na)
    est = wait_mean + 1.4 * 80 * talk_scale + 25
    span = (shift_end_utc - login_utc).astype(float)
    K = (span / est * 1.8).astype(np.int64) + 20
    M = int(K.sum())
    a = np.repeat(np.arange(na), K)
    first = np.concatenate([[0], np.cumsum(K)[:-1]])

    # --- cycles ----------------------------------------------------------------------------
    mshare = ag["manual_share"].to_numpy()[w_idx]
    u = rng_c.random(M)
    kind = np.zeros(M, np.int8)
    kind[u < mshare[a]] = 1
    inbound = (a_ctype[a] == 1) | ((a_ctype[a] == 2) & (rng_c.random(M) < 0.45))
    kind[inbound & (kind != 1)] = 2
    kind[a_ctype[a] == 1] = 2

    codes = [c for c in world.pause_code_list if c not in _SYSTEM_NOT_RANDOM] + [""]
    cw = np.array([_PAUSE_MIX.get(c, _ODD_PAUSE)[0] for c in codes])
    cmed = np.array([_PAUSE_MIX.get(c, _ODD_PAUSE)[1] for c in codes], float)
    has_pause = rng_c.random(M) < 0.03 * ag["pause_propensity"].to_numpy()[w_idx][a]
    code_i = rng_c.choice(len(codes), size=M, p=cw / cw.sum())
    p1 = np.where(has_pause, _lognormal(rng_c, cmed[code_i], 0.5, M), 0).round().astype(np.int64)
    code_vocab = [*codes, "LUNCH", "MANUAL", "LOGIN"]
    lunch_i, manual_i, login_i = len(codes), len(codes) + 1, len(codes) + 2
    p1_code = code_i.astype(np.int64)
    p2 = np.where(kind == 1, 3 + _lognormal(rng_c, 12.0, 0.6, M), 0).round().astype(np.int64)
    wait = np.where(kind == 1, 0, rng_c.exponential(wait_mean[a])).round().astype(np.int64)
    ring = np.select([kind == 0, kind == 1], [rng_c.integers(4, 26, M), rng_c.integers(5, 31, M)], 0)
    q_in = (rng_c.exponential(22.0, M) * np.where(rng_c.random(M) < 0.1, 4, 1)).round().astype(np.int64)
    q_dial = np.where(rng_c.random(M) < 0.25, rng_c.integers(1, 9, M), 0)
    if quirks:  # an answered call waits for an agent within the drop timer, or it is a drop: a
        # predictive dialer connects most within the TSR's 2 s, about 1 % later (own generator:
        # every other draw of the day stays)
        drop_s = camps["drop_call_seconds"].to_numpy()[agent_camp[w_idx][a]]
        rng_w = np.random.default_rng([world.seed, ordinal, 8])
        late = rng_w.random(M) < 0.04
        q_dial = np.where(q_dial > 0, np.where(late, q_dial, 1 + (q_dial > 4)), 0)
        q_dial = np.minimum(q_dial, np.maximum(drop_s - 1, 0))
    queue = np.select([kind == 2, kind == 0], [q_in, q_dial], 0).astype(np.int64)
    med_talk = np.array([60.0, 75.0, 140.0])[kind] * talk_scale[a]
    talk = np.maximum(1, _lognormal(rng_c, med_talk, 0.85, M).round()).astype(np.int64)
    dead = np.where(rng_c.random(M) < 0.25, rng_c.integers(1, 21, M), 0).astype(np.int64)
    dispo = (2 + _lognormal(rng_c, 8.0, 0.6, M)).round().astype(np.int64)

    # statuses
    c_of_cycle = agent_camp[w_idx][a]
    p_sale = camps["sale_rate"].to_numpy()[c_of_cycle] * a_skill[a]
    status = np.zeros(M, np.int16)
    for k, (names, probs) in _MIX.items():
        m = kind == k
        status[m] = _pick(rng_c, names, probs, int(m.sum()))
    status[rng_c.random(M) < p_sale] = S["SALE"]
    # a campaign's own sale status (world.campaign_statuses): half of its sales are APPSET; a
    # generator of its own keeps every other draw of the day unchanged
    own = world.campaign_statuses
    appset_camps = [cidx_of[c] for c in own.filter(pc.equal(own["status"], "APPSET"))["campaign_id"].to_pylist()]
    rng_s = np.random.default_rng([world.seed, ordinal, 6])
    appset = (status == S["SALE"]) & np.isin(c_of_cycle, appset_camps) & (rng_s.random(M) < 0.5)
    status[appset] = S["APPSET"]
    no_conn = (kind == 1) & np.isin(status, [S["NA"], S["B"]])
    talk = np.where(no_conn, 0, talk)
    talk = np.where(status == S["A"], np.minimum(talk, rng_c.integers(5, 40, M)), talk)
    agent_talk = talk + np.where(kind == 1, ring, 0)
    dead = np.where(no_conn, 0, dead)

    # durations, lunch, truncation
    login_pause = rng_a.integers(8, 90, na)

    def rel_bounds(dur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cs = np.cumsum(dur)
        base = cs[first] - dur[first]
        rel_end = cs - base[a] + login_pause[a]
        return rel_end - dur, rel_end

    dur = p1 + p2 + wait + agent_talk + dead + dispo
    _, rel_end = rel_bounds(dur)
    long_shift = span >= 6 * 3600
    mid = span * rng_a.uniform(0.42, 0.58, na)
    cond = (rel_end > mid[a]) & long_shift[a]
    hits = np.flatnonzero(cond)
    if len(hits):
        _, fi = np.unique(a[hits], return_index=True)
        li = hits[fi]
        p1[li] = _lognormal(rng_a, 2400.0, 0.25, len(li)).round().astype(np.int64)
        p1_code[li] = lunch_i
        has_pause[li] = True
        dur = p1 + p2 + wait + agent_talk + dead + dispo
    rel_start, rel_end = rel_bounds(dur)
    keep = (login_utc[a] + rel_end) <= shift_end_utc[a]
    ki = np.flatnonzero(keep)
    a_k = a[ki]
    cyc_start = login_utc[a_k] + rel_start[ki]
    p1k, p2k, waitk = p1[ki], p2[ki], wait[ki]
    atalk, deadk, dispok = agent_talk[ki], dead[ki], dispo[ki]
    talk_start = cyc_start + p1k + p2k + waitk
    kindk = kind[ki]
    nk = len(ki)
    users_pa = ag["user"].combine_chunks()
    a_users = w_idx  # agent row index per working agent
    a_camp = agent_camp[w_idx]

    # --- agent calls -----------------------------------------------------------------------
    ringk, queuek, talkk = ring[ki], queue[ki], talk[ki]
    ivr = np.where(kindk == 2, rng_c.integers(0, 31, M)[ki], 0)
    call_epoch = np.select([kindk == 0, kindk == 1], [talk_start - queuek - ringk, talk_start],
                           talk_start - queuek - ivr)
    answer = np.where(kindk == 1, talk_start + ringk, talk_start)
    statusk = status[ki]
    term = np.where(rng_c.random(M)[ki] < 0.55, T["AGENT"], T["CALLER"]).astype(np.int8)
    term[no_conn[ki]] = T["NONE"]
    carrier_disp = np.full(nk, C["Answer"], np.int8)
    carrier_disp[statusk == S["NA"]] = C["No Answer"]
    carrier_disp[(statusk == S["B"]) & (kindk == 1)] = C["Busy"]
    agent_calls = {
        "kind": kindk, "camp": agent_camp[w_idx][a_k], "user": a_users[a_k], "epoch": call_epoch,
        "status": statusk, "carrier_disposition": carrier_disp, "amd": np.zeros(nk, bool), "ivr": ivr,
        "queue": queuek, "ring": ringk, "answer": answer, "has_answer": ~no_conn[ki], "talk": talkk,
        "agent_talk": atalk, "dead": deadk, "dispo": dispok, "term": term, "cycle": np.arange(nk),
    }

    # --- dialer's unanswered attempts (no agent) ------------------------------------------------
    n_camp = len(camp_ids)
    dial_c = agent_calls["camp"][kindk == 0]
    dial_t = call_epoch[kindk == 0]
    per_c = np.bincount(dial_c, minlength=n_camp)
    outcomes = (("NA", 1.2), ("B", 0.12), ("DC", 0.05), ("AA", 0.55))
    drop_rate = rng_x.uniform(0.01, 0.03, n_camp)
    exp_per_handled = sum(r for _, r in outcomes) + drop_rate / (1 - drop_rate)
    scale = float(calls_scale)
    if target_outbound is not None:
        n_agent_out = int((kindk != 2).sum())
        denom = float((per_c * exp_per_handled).sum())
        scale = max(0.0, (target_outbound - n_agent_out) / denom) if denom else 0.0
    order_d = np.argsort(dial_c, kind="stable")
    dial_t_sorted = dial_t[order_d]
    c_first = np.concatenate([[0], np.cumsum(per_c)[:-1]])
    x_parts: list[dict[str, Any]] = []
    for ci in np.flatnonzero(per_c):
        rates = [(s, r) for s, r in outcomes] + [("DROP", drop_rate[ci] / (1 - drop_rate[ci]))]
        for st, r in rates:
            cnt = int(rng_x.poisson(per_c[ci] * r * scale))
            if cnt == 0:
                continue
            parent = dial_t_sorted[c_first[ci] + rng_x.integers(0, per_c[ci], cnt)]
            t = np.clip(parent + rng_x.normal(0, 180, cnt).astype(np.int64), lt.start, cutoff - 90)
            ring_x = {"NA": rng_x.integers(20, 46, cnt), "B": rng_x.integers(0, 3, cnt),
                      "DC": rng_x.integers(0, 4, cnt)}.get(st, rng_x.integers(4, 21, cnt))
            talk_x = rng_x.integers(3, 26, cnt) if st == "AA" else np.zeros(cnt, np.int64)
            queue_x = (np.full(cnt, int(camps["drop_call_seconds"][ci].as_py()))
                       if st == "DROP" else np.zeros(cnt, np.int64))
            x_parts.append({
                "kind": np.zeros(cnt, np.int8), "camp": np.full(cnt, ci), "user": np.full(cnt, -1),
                "epoch": t, "status": np.full(cnt, S[st], np.int16),
                "carrier_disposition": np.full(
                    cnt, C[{"NA": "No Answer", "B": "Busy", "DC": "Failed"}.get(st, "Answer")], np.int8),
                "amd": np.full(cnt, st == "AA"), "ivr": np.zeros(cnt, np.int64), "queue": queue_x,
                "ring": ring_x, "answer": t, "has_answer": np.zeros(cnt, bool), "talk": talk_x,
                "agent_talk": np.zeros(cnt, np.int64), "dead": np.zeros(cnt, np.int64),
                "dispo": np.zeros(cnt, np.int64),
                "term": np.full(cnt, T[{"DROP": "ABANDON", "AA": "SYSTEM"}.get(st, "NONE")], np.int8),
                "cycle": np.full(cnt, -1),
            })

    # --- inbound: groups for handled calls, abandons, timeouts, after-hours -----------------------
    ing = world.ingroups
    g_ids = ing["group_id"].to_pylist()
    g_camp = np.array([cidx_of[c] for c in ing["campaign_id"].to_pylist()])
    g_weight = ing["traffic_weight"].to_numpy()
    g_windows = [calltime_window(world.calltimes, ct, day) for ct in ing["calltime_id"].to_pylist()]
    group = np.full(nk, -1)
    inb = np.flatnonzero(kindk == 2)
    inb_camp = agent_calls["camp"][inb]
    for ci in np.unique(inb_camp):
        gs = np.flatnonzero(g_camp == ci)
        m = inb[inb_camp == ci]
        if len(gs):
            group[m] = gs[rng_x.choice(len(gs), size=len(m), p=g_weight[gs] / g_weight[gs].sum())]
    agent_calls["group"] = group
    for part in x_parts:
        part["group"] = np.full(len(part["epoch"]), -1)
    handled_per_g = np.bincount(group[group >= 0], minlength=len(g_ids))
    inb_t = call_epoch[inb]
    for gi in range(len(g_ids)):
        ci = int(g_camp[gi])
        hg = int(handled_per_g[gi])
        gstart = g_windows[gi][0] // 100 * 3600 + g_windows[gi][0] % 100 * 60
        gstop = g_windows[gi][1] // 100 * 3600 + g_windows[gi][1] % 100 * 60
        # abandons and timeouts around the staffed hours
        parents = inb_t[group[inb] == gi]
        for st, r in (("DROP", 0.12), ("TIMEOT", 0.01)):
            cnt = int(rng_x.poisson(hg * r * scale)) if hg else 0
            if cnt == 0:
                continue
            t = np.clip(parents[rng_x.integers(0, len(parents), cnt)] + rng_x.normal(0, 600, cnt).astype(np.int64),
                        lt.start, cutoff - 400)
            q = (np.full(cnt, 300) if st == "TIMEOT"
                 else 1 + rng_x.exponential(30.0, cnt).round().astype(np.int64))
            x_parts.append(_inbound_part(rng_x, cnt, ci, gi, t, st, q,
                                         "QUEUETIMEOUT" if st == "TIMEOT" else "ABANDON"))
        # a thin stream over the whole day (night traffic; after-hours outside the call time)
        cnt = int(rng_x.poisson(max(hg, 20) * 0.05 * scale))
        if cnt:
            t = rng_x.integers(lt.start, max(lt.start + 1, min(cutoff, lt.end) - 400), cnt)
            wall = lt.to_local(t) - lt.midnight_local
            inside = (wall >= gstart) & (wall < gstop)
            q = np.where(inside, 1 + rng_x.exponential(40.0, cnt).round().astype(np.int64), 0)
            part = _inbound_part(rng_x, cnt, ci, gi, t, "DROP", q, "ABANDON")
            part["status"] = np.where(inside, S["DROP"], S["AFTHRS"]).astype(np.int16)
            part["term"] = np.where(inside, T["ABANDON"], T["AFTERHOURS"]).astype(np.int8)
            x_parts.append(part)

    # --- assemble ----------------------------------------------------------------------------
    cols = {k: np.concatenate([agent_calls[k]] + [p[k] for p in x_parts]) for k in agent_calls}
    order = np.lexsort((cols["cycle"], cols["epoch"]))
    cols = {k: v[order] for k, v in cols.items()}
    n = len(order)
    kind_all = cols["kind"].astype(np.int64)
    camp_all = cols["camp"]

    # leads
    leads = store.leads(as_of=day) if store is not None else world.leads
    lists = store.lists(as_of=day) if store is not None else world.lists
    lead_row = _assign_leads(rng_l, leads, lists, camp_ids, camp_all, kind_all, cols["epoch"],
                             np.random.default_rng([world.seed, ordinal, 9]))
    has_lead = lead_row >= 0
    lr = pa.array(np.where(has_lead, lead_row, 0))
    valid = pa.array(has_lead)

    def lead_col(name: str) -> pa.Array:
        col = leads[name].take(lr) if leads.num_rows else pa.nulls(n, leads.schema.field(name).type)
        return pc.if_else(valid, col, pa.scalar(None, col.type))

    unknown_phone = pc.cast(pa.array(rng_l.integers(2012000000, 9899999999, n)), pa.string())
    phone = pc.coalesce(lead_col("phone_number"), unknown_phone)

    seq = pc.utf8_lpad(pc.cast(pa.array(np.arange(n) + 1), pa.string()), 6, "0")
    uniqueid = pc.binary_join_element_wise(pc.cast(pa.array(cols["epoch"]), pa.string()), seq, ".")
    def loc(utc: np.ndarray) -> np.ndarray:  # a night shift's events after midnight: tomorrow's offsets
        return np.where(utc >= lt.end, lt_next.to_local(utc), lt.to_local(utc))

    is_in = kind_all == 2
    grp = cols["group"]
    dids_by_group = dict(zip(world.dids["group_id"].to_pylist(), world.dids["did_pattern"].to_pylist(), strict=True))
    did_list = [dids_by_group.get(g) for g in g_ids]
    has_agent = cols["user"] >= 0
    enter_q = cols["epoch"] + cols["ivr"]
    length = np.where(has_agent, cols["talk"] + cols["dead"], cols["talk"]) + cols["queue"]
    qpos = np.where(cols["queue"] > 0, 1 + rng_x.poisson(cols["queue"] / 25.0), np.where(is_in, 1, 0))
    calls = pa.table({
        "uniqueid": uniqueid,
        "call_date": _ts(loc(cols["epoch"])),
        "call_epoch": pa.array(cols["epoch"], pa.int64()),
        "direction": pa.array(np.where(is_in, "IN", "OUT")),
        "call_type": _take(KIND_NAMES, kind_all),
        "campaign_id": _take(camp_ids, camp_all),
        "portfolio": _take(camps["portfolio"].to_pylist(), camp_all),
        "group_id": _take(g_ids, grp),
        "did": _take(did_list, grp),
        "list_id": lead_col("list_id"),
        "lead_id": lead_col("lead_id"),
        "phone_number": phone,
        "vendor_lead_code": lead_col("vendor_lead_code"),
        "entry_date": lead_col("entry_date"),
        "user": users_pa.take(pa.array(cols["user"], mask=cols["user"] < 0)),
        "status": _take(STATUS_VOCAB, cols["status"]),
        "carrier_disposition": _take(CARRIER_VOCAB, cols["carrier_disposition"]),
        "is_amd_voicemail": pa.array(cols["amd"].astype(bool)),
        "ivr_seconds": pa.array(cols["ivr"], pa.int64()),
        "enter_on_queue": _ts(loc(enter_q), is_in),
        "queue_seconds": pa.array(cols["queue"], pa.int64()),
        "queue_position": pa.array(qpos, pa.int64()),
        "ring_seconds": pa.array(cols["ring"], pa.int64()),
        "answer_time": _ts(loc(cols["answer"]), has_agent & cols["has_answer"].astype(bool)),
        "talk_seconds": pa.array(cols["talk"], pa.int64()),
        "agent_talk_seconds": pa.array(cols["agent_talk"], pa.int64()),
        "dead_seconds": pa.array(cols["dead"], pa.int64()),
        "dispo_seconds": pa.array(cols["dispo"], pa.int64()),
        "length_in_sec": pa.array(length, pa.int64()),
        "term_reason": _take(TERM_VOCAB, cols["term"]),
        "transferred": pa.array(cols["status"] == S["XFER"]),
        "xfer_in": pa.array(grp == (g_ids.index("AGENTDIRECT") if "AGENTDIRECT" in g_ids else -2)),
        "carrier": pc.binary_join_element_wise("SIP/VOIPTRUNK1", seq, "-"),
        "campaign_code": pa.array(camp_all.astype(np.int16)),
        "status_code": pa.array(cols["status"].astype(np.int16)),
    }, schema=CALLS_SCHEMA)

    # --- agent states --------------------------------------------------------------------------
    cyc_pos = np.full(nk, -1)
    ac = cols["cycle"]
    cyc_pos[ac[ac >= 0]] = np.flatnonzero(ac >= 0)
    uid_of_cycle = uniqueid.take(pa.array(cyc_pos))
    ctype_k = kindk.astype(np.int64)
    seg_state = (0, 0, 1, 2, 3, 4)  # STATE_VOCAB codes
    seg_secs = (p1k, p2k, waitk, atalk, deadk, dispok)
    offs = np.cumsum([np.zeros(nk, np.int64), p1k, p2k, waitk, atalk, deadk], axis=0)
    p1codes = p1_code[ki]
    st_user, st_state, st_code, st_start, st_secs, st_uid, st_camp, st_ct = [], [], [], [], [], [], [], []
    for j in range(6):
        m = seg_secs[j] > 0
        st_user.append(a_users[a_k][m])
        st_state.append(np.full(int(m.sum()), seg_state[j]))
        st_code.append(p1codes[m] if j == 0 else np.full(int(m.sum()), manual_i if j == 1 else -1))
        st_start.append((cyc_start + offs[j])[m])
        st_secs.append(seg_secs[j][m])
        st_uid.append(np.flatnonzero(m) if j >= 3 else np.full(int(m.sum()), -1))
        st_camp.append(a_camp[a_k][m])
        st_ct.append(ctype_k[m] if j >= 3 else np.full(int(m.sum()), -1))
    # login pause per agent that kept at least one cycle
    worked = np.unique(a_k)
    st_user.append(a_users[worked])
    st_state.append(np.zeros(len(worked), np.int64))
    st_code.append(np.full(len(worked), login_i))
    st_start.append(login_utc[worked])
    st_secs.append(login_pause[worked])
    st_uid.append(np.full(len(worked), -1))
    st_camp.append(a_camp[worked])
    st_ct.append(np.full(len(worked), -1))
    s_user = np.concatenate(st_user)
    s_start = np.concatenate(st_start)
    s_uid_idx = np.concatenate(st_uid)
    name_rank = np.empty(n_ag, np.int64)
    name_rank[np.argsort(np.asarray(users_pa.to_pylist(), dtype=object))] = np.arange(n_ag)
    s_order = np.lexsort((s_start, name_rank[s_user]))
    linked = (uid_of_cycle.take(pa.array(np.maximum(s_uid_idx[s_order], 0))) if nk
              else pa.nulls(len(s_order), pa.string()))
    s_uid = pc.if_else(pa.array(s_uid_idx[s_order] >= 0), linked, pa.scalar(None, pa.string()))
    agent_states = pa.table({
        "user": users_pa.take(pa.array(s_user[s_order])),
        "state": _take(STATE_VOCAB, np.concatenate(st_state)[s_order]),
        "pause_code": _take(code_vocab, np.concatenate(st_code)[s_order]),
        "start": _ts(loc(s_start[s_order])),
        "start_epoch": pa.array(s_start[s_order], pa.int64()),
        "seconds": pa.array(np.concatenate(st_secs)[s_order], pa.int64()),
        "uniqueid": s_uid,
        "campaign_id": _take(camp_ids, np.concatenate(st_camp)[s_order]),
        "call_type": _take(KIND_NAMES, np.concatenate(st_ct)[s_order]),
    }, schema=STATES_SCHEMA)

    # --- sessions --------------------------------------------------------------------------------
    last_end = np.zeros(na, np.int64)
    np.maximum.at(last_end, a_k, cyc_start + dur[ki])
    still_on = wall_utc(end_wall[w_idx]) > cutoff
    ws = worked
    logout = np.where(still_on[ws], 0, last_end[ws])
    sessions = pa.table({
        "user": users_pa.take(pa.array(a_users[ws])), "campaign_id": _take(camp_ids, a_camp[ws]),
        "login": _ts(loc(login_utc[ws])), "logout": _ts(loc(logout), ~still_on[ws]),
        "login_epoch": pa.array(login_utc[ws], pa.int64()),
        "logout_epoch": pc.if_else(pa.array(~still_on[ws]), pa.array(logout, pa.int64()), pa.scalar(None, pa.int64())),
    }, schema=SESSIONS_SCHEMA)
    return DayLog(day, world.timezone, calls, agent_states, sessions, lt.start, lt.end, cutoff)


def _inbound_part(rng: np.random.Generator, cnt: int, ci: int, gi: int, t: np.ndarray, status: str,
                  queue: np.ndarray, term: str) -> dict[str, Any]:
    ivr = rng.integers(0, 31, cnt)
    return {
        "kind": np.full(cnt, 2, np.int8), "camp": np.full(cnt, ci), "user": np.full(cnt, -1),
        "epoch": t.astype(np.int64), "status": np.full(cnt, S[status], np.int16),
        "carrier_disposition": np.full(cnt, C["Answer"], np.int8), "amd": np.zeros(cnt, bool), "ivr": ivr,
        "queue": queue.astype(np.int64), "ring": np.zeros(cnt, np.int64), "answer": t,
        "has_answer": np.zeros(cnt, bool), "talk": np.zeros(cnt, np.int64), "agent_talk": np.zeros(cnt, np.int64),
        "dead": np.zeros(cnt, np.int64), "dispo": np.zeros(cnt, np.int64), "term": np.full(cnt, T[term], np.int8),
        "cycle": np.full(cnt, -1), "group": np.full(cnt, gi),
    }


def _assign_leads(rng: np.random.Generator, leads: pa.Table, lists: pa.Table, camp_ids: list[str],
                  camp_all: np.ndarray, kind_all: np.ndarray, epoch: np.ndarray,
                  rng_dup: np.random.Generator) -> np.ndarray:
    """Row index into `leads` per call (-1: unknown caller). Outbound: dialable leads of active lists.

    One lead is never in two calls of the same second (a dialer does not dial a lead twice at
    once, and such calls would print identical report rows): a repeat draws again from its
    campaign's pool (`rng_dup`, so every other draw of the day stays), an inbound one becomes an
    unknown caller."""
    n = len(camp_all)
    out = np.full(n, -1, np.int64)
    if leads.num_rows == 0 or lists.num_rows == 0:
        return out
    lid = leads["list_id"].to_numpy(zero_copy_only=False)
    l_ids = lists["list_id"].to_numpy(zero_copy_only=False)
    l_camp = np.array([camp_ids.index(c) if c in camp_ids else -1 for c in lists["campaign_id"].to_pylist()])
    l_active = np.asarray(pc.equal(lists["active"], "Y").to_numpy(zero_copy_only=False), bool)
    srt = np.argsort(l_ids)
    pos = np.searchsorted(l_ids[srt], lid)
    pos = np.clip(pos, 0, len(l_ids) - 1)
    found = l_ids[srt][pos] == lid
    lead_camp = np.where(found, l_camp[srt][pos], -1)
    lead_active = found & l_active[srt][pos]
    dialable = np.asarray(pc.is_in(leads["status"], value_set=pa.array(DIALABLE_STATUSES))
                          .to_numpy(zero_copy_only=False), bool)
    inbound_known = rng.random(n) < 0.65
    pools: dict[int, np.ndarray] = {}
    for ci in np.unique(camp_all):
        m = np.flatnonzero(camp_all == ci)
        pool = np.flatnonzero((lead_camp == ci) & lead_active & dialable)
        if len(pool) == 0:
            pool = np.flatnonzero(lead_camp == ci)
        if len(pool) == 0:
            continue
        pick = pool[rng.integers(0, len(pool), len(m))]
        inb = kind_all[m] == 2
        out[m] = np.where(inb & ~inbound_known[m], -1, pick)
        pools[int(ci)] = pool
    for _ in range(16):
        dup = _same_second_repeats(out, epoch)
        if not dup.any():
            break
        out[dup & (kind_all == 2)] = -1
        for ci, pool in pools.items():
            m = np.flatnonzero(dup & (kind_all != 2) & (camp_all == ci))
            if len(m):
                out[m] = pool[rng_dup.integers(0, len(pool), len(m))]
    return out


def _same_second_repeats(lead_row: np.ndarray, epoch: np.ndarray) -> np.ndarray:
    """Calls whose (lead, second) an earlier call already has."""
    order = np.lexsort((np.arange(len(epoch)), epoch, lead_row))
    lr, ep = lead_row[order], epoch[order]
    rep = np.zeros(len(order), bool)
    rep[1:] = (lr[1:] == lr[:-1]) & (ep[1:] == ep[:-1]) & (lr[1:] >= 0)
    out = np.zeros(len(order), bool)
    out[order] = rep
    return out
