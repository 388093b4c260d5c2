"""The agent side of a generated day: who works when (`work_shifts`), what each work cycle
draws (`draw_cycles`) and which cycles fit the shift, lunch included (`schedule_cycles`).

Model, per working agent: login → LOGIN pause → repeated cycles of
[coded pause?][MANUAL pause if manual dial][WAIT][TALK][DEAD?][DISPO], with a mid-shift
LUNCH; each cycle carries one call the agent handled (Dialer, Manual or Inbound).

Every phase reads the day's `DayFrame` (world, clocks, cut-off, random streams). Each stream
is drawn from in one fixed order across the phases, so a (seed, date) always gives the same
day; a quirk or a campaign's own status draws from a stream of its own, so every other draw
of the day stays what it was without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.events_log import LocalTime, S
from simulator.world import World, calltime_window

#: quirks: the latest a night shift ends, seconds after the next local midnight
NIGHT_END = 6 * 3600
#: campaign_type → code (KIND_NAMES order of the call each type mostly carries)
CAMPAIGN_TYPES = {"outbound": 0, "inbound": 1, "blended": 2}

# status mixes of agent-handled calls per kind (sale drawn separately from campaign rate × skill)
_MIX = {
    0: (["NI", "A", "CALLBK", "DEC", "LD", "DNC", "XFER", "LIP", "VRF", "WIT"],
        [0.30, 0.17, 0.13, 0.08, 0.07, 0.02, 0.03, 0.04, 0.03, 0.03]),
    1: (["NA", "B", "A", "NI", "CALLBK", "DEC", "LD", "LIP", "VRF", "WIT", "DNC"],
        [0.20, 0.04, 0.15, 0.20, 0.12, 0.06, 0.06, 0.05, 0.04, 0.03, 0.02]),
    2: (["NI", "CALLBK", "XFER", "DEC", "LD", "LIP", "VRF", "WIT"],
        [0.25, 0.12, 0.12, 0.08, 0.10, 0.10, 0.12, 0.03]),
}
#: pause code → (weight, median seconds); codes not listed draw _ODD_PAUSE
_PAUSE_MIX = {"BREAK": (0.30, 600), "WC": (0.20, 240), "PRIV": (0.10, 300), "TRAIN": (0.03, 1500),
              "MEETIN": (0.03, 1200), "LAGGED": (0.03, 45), "ANDIAL": (0.08, 15), "": (0.08, 90)}
_ODD_PAUSE = (0.05, 200)
_SYSTEM_NOT_RANDOM = {"LOGIN", "LUNCH", "MANUAL"}


@dataclass(frozen=True, eq=False)
class DayFrame:
    """What every phase of one day's generation reads: the world, the day's clocks, the cut-off,
    the day's random streams and the agent/campaign lookups."""

    world: World
    day: date
    lt: LocalTime
    lt_next: LocalTime  # the next day's clock: night shifts run past midnight
    cutoff: int  # UTC epoch: nothing starts at or after it
    quirks: bool
    rng_a: np.random.Generator  # shifts, agent pace, login pause, lunch
    rng_c: np.random.Generator  # per-cycle draws of handled calls
    rng_x: np.random.Generator  # calls no agent took, queue positions
    rng_l: np.random.Generator  # leads of calls, unknown callers' numbers
    camp_ids: list[str]
    cidx_of: dict[str, int]
    agent_camp: np.ndarray  # world.campaigns row per world.agents row
    users: pa.Array  # world.agents["user"], one chunk

    def stream(self, n: int) -> np.random.Generator:
        """The day's own random stream `n` (6 and up: one per quirk or optional draw)."""
        return np.random.default_rng([self.world.seed, self.day.toordinal(), n])

    def wall_utc(self, wall: np.ndarray) -> np.ndarray:
        """UTC of wall seconds from local midnight (24 h and past: the next day)."""
        return np.where(wall >= 86400, self.lt_next.wall_to_utc(np.maximum(wall - 86400, 0)),
                        self.lt.wall_to_utc(wall))

    def local(self, utc: np.ndarray) -> np.ndarray:
        """Local epoch seconds; a night shift's events after midnight take the next day's offset."""
        return np.where(utc >= self.lt.end, self.lt_next.to_local(utc), self.lt.to_local(utc))


def day_frame(world: World, day: date, lt: LocalTime, cutoff: int, quirks: bool) -> DayFrame:
    ordinal = day.toordinal()
    camp_ids = world.campaigns["campaign_id"].to_pylist()
    cidx_of = {c: i for i, c in enumerate(camp_ids)}
    return DayFrame(
        world=world, day=day, lt=lt, lt_next=LocalTime(ZoneInfo(world.timezone), day + timedelta(days=1)),
        cutoff=cutoff, quirks=quirks,
        rng_a=np.random.default_rng([world.seed, ordinal, 1]), rng_c=np.random.default_rng([world.seed, ordinal, 2]),
        rng_x=np.random.default_rng([world.seed, ordinal, 3]), rng_l=np.random.default_rng([world.seed, ordinal, 4]),
        camp_ids=camp_ids, cidx_of=cidx_of,
        agent_camp=np.array([cidx_of[c] for c in world.agents["campaign_id"].to_pylist()], dtype=np.int64),
        users=world.agents["user"].combine_chunks(),
    )


def _wall_seconds(hhmm: np.ndarray) -> np.ndarray:
    return hhmm // 100 * 3600 + hhmm % 100 * 60


def _lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    return np.exp(np.log(median) + sigma * rng.standard_normal(n))


# --------------------------------------------------------------------------- shifts


@dataclass(frozen=True, eq=False)
class Shifts:
    """The agents who log in before the cut-off, one entry per working agent."""

    agent: np.ndarray  # world.agents row
    camp: np.ndarray  # world.campaigns row
    ctype: np.ndarray  # CAMPAIGN_TYPES code of the agent's campaign
    skill: np.ndarray
    login: np.ndarray  # UTC epoch
    planned_end: np.ndarray  # UTC epoch the shift ends (may be past the cut-off: still logged in)
    end: np.ndarray  # UTC epoch work stops: the shift's end or the cut-off
    wait_mean: np.ndarray  # mean seconds waiting for a call
    talk_scale: np.ndarray  # talk-time multiplier

    def __len__(self) -> int:
        return len(self.agent)

    @property
    def span(self) -> np.ndarray:
        return (self.end - self.login).astype(float)


def work_shifts(f: DayFrame) -> Shifts | None:
    """Who works the day and when, within their campaign's call time; None when nobody does.

    With quirks, an overnight team on the 24-hour inbound queues starts 20:00–22:00 and works
    past midnight (to NIGHT_END at the latest)."""
    ag, camps, day = f.world.agents, f.world.campaigns, f.day
    n_ag = ag.num_rows
    rng = f.rng_a
    ctype = np.array([CAMPAIGN_TYPES[t] for t in camps["campaign_type"].to_pylist()])[f.agent_camp]
    windows = [calltime_window(f.world.calltimes, ct, day) for ct in camps["calltime_id"].to_pylist()]
    win_start = _wall_seconds(np.array([w[0] for w in windows]))[f.agent_camp]
    win_stop = _wall_seconds(np.array([w[1] for w in windows]))[f.agent_camp]
    dow = day.weekday()
    p_work = 0.93 if dow < 5 else (0.35 if dow == 5 else 0.15)
    works = rng.random(n_ag) < p_work * ag["attendance"].to_numpy()
    start_wall = ag["shift_start_min"].to_numpy() * 60 + rng.normal(0, 600, n_ag)
    shift_len = ag["shift_hours"].to_numpy() * 3600 + rng.normal(0, 1200, n_ag)
    start_wall = np.maximum(start_wall, win_start + rng.integers(0, 420, n_ag)).astype(np.int64)
    end_wall = np.minimum(start_wall + shift_len, np.minimum(win_stop, 23 * 3600 + 1800)).astype(np.int64)
    if f.quirks:
        rng_q = f.stream(7)
        night = (ctype == 1) & (win_stop - win_start >= 23 * 3600) & (rng_q.random(n_ag) < 0.4)
        works = np.where(night, rng_q.random(n_ag) < 0.9, works)
        start_wall = np.where(night, 20 * 3600 + rng_q.integers(0, 7200, n_ag), start_wall).astype(np.int64)
        end_wall = np.where(night, np.minimum(start_wall + shift_len, 24 * 3600 + NIGHT_END),
                            end_wall).astype(np.int64)
    works &= (end_wall - start_wall) >= 1800
    w_idx = np.flatnonzero(works)
    login = f.wall_utc(start_wall[w_idx])
    planned_end = f.wall_utc(end_wall[w_idx])
    keep = login < f.cutoff
    w_idx, login, planned_end = w_idx[keep], login[keep], planned_end[keep]
    na = len(w_idx)
    if na == 0:
        return None
    a_ctype = ctype[w_idx]
    a_skill = ag["skill"].to_numpy()[w_idx]
    wait_mean = np.array([30.0, 75.0, 50.0])[a_ctype] * rng.lognormal(0, 0.2, na) / a_skill ** 0.3
    talk_scale = (1 / a_skill) ** 0.3 * rng.lognormal(0, 0.1, na)
    return Shifts(agent=w_idx, camp=f.agent_camp[w_idx], ctype=a_ctype, skill=a_skill, login=login,
                  planned_end=planned_end, end=np.minimum(planned_end, f.cutoff), wait_mean=wait_mean,
                  talk_scale=talk_scale)


# --------------------------------------------------------------------------- cycle draws


@dataclass(frozen=True, eq=False)
class CycleDraws:
    """Every cycle an agent could fit in the shift (more than fit: the schedule cuts), drawn."""

    owner: np.ndarray  # Shifts index per cycle
    first: np.ndarray  # first cycle of each working agent
    kind: np.ndarray  # KIND_NAMES code
    pause: np.ndarray  # seconds of the coded pause before the call (0: none)
    pause_code: np.ndarray  # index into pause_vocab
    manual: np.ndarray  # seconds of the MANUAL pause (manual dials)
    wait: np.ndarray
    ring: np.ndarray
    queue: np.ndarray
    talk: np.ndarray  # customer talk
    agent_talk: np.ndarray  # the agent's TALK state (a manual dial's ring included)
    dead: np.ndarray
    dispo: np.ndarray
    status: np.ndarray  # STATUS_VOCAB code
    no_conn: np.ndarray  # a manual dial that reached nobody (NA, B)
    pause_vocab: tuple[str, ...]  # the random pause codes, then LUNCH, MANUAL, LOGIN

    def __len__(self) -> int:
        return len(self.owner)

    @property
    def lunch_code(self) -> int:
        return len(self.pause_vocab) - 3

    @property
    def manual_code(self) -> int:
        return len(self.pause_vocab) - 2

    @property
    def login_code(self) -> int:
        return len(self.pause_vocab) - 1


def draw_cycles(f: DayFrame, sh: Shifts) -> CycleDraws:
    """Kind, pauses, wait, ring, queue, talk, dead and dispo seconds and the status of each cycle.

    With quirks an answered dialer call waits for an agent within the campaign's drop timer
    (most within the TSR's 2 s, about 1 % later)."""
    ag, camps, world = f.world.agents, f.world.campaigns, f.world
    rng = f.rng_c
    est = sh.wait_mean + 1.4 * 80 * sh.talk_scale + 25
    K = (sh.span / est * 1.8).astype(np.int64) + 20
    M = int(K.sum())
    a = np.repeat(np.arange(len(sh)), K)
    first = np.concatenate([[0], np.cumsum(K)[:-1]])

    mshare = ag["manual_share"].to_numpy()[sh.agent]
    u = rng.random(M)
    kind = np.zeros(M, np.int8)
    kind[u < mshare[a]] = 1
    inbound = (sh.ctype[a] == 1) | ((sh.ctype[a] == 2) & (rng.random(M) < 0.45))
    kind[inbound & (kind != 1)] = 2
    kind[sh.ctype[a] == 1] = 2

    codes = [c for c in world.pause_code_list if c not in _SYSTEM_NOT_RANDOM] + [""]
    cw = np.array([_PAUSE_MIX.get(c, _ODD_PAUSE)[0] for c in codes])
    cmed = np.array([_PAUSE_MIX.get(c, _ODD_PAUSE)[1] for c in codes], float)
    has_pause = rng.random(M) < 0.03 * ag["pause_propensity"].to_numpy()[sh.agent][a]
    code_i = rng.choice(len(codes), size=M, p=cw / cw.sum())
    pause = np.where(has_pause, _lognormal(rng, cmed[code_i], 0.5, M), 0).round().astype(np.int64)
    manual = np.where(kind == 1, 3 + _lognormal(rng, 12.0, 0.6, M), 0).round().astype(np.int64)
    wait = np.where(kind == 1, 0, rng.exponential(sh.wait_mean[a])).round().astype(np.int64)
    ring = np.select([kind == 0, kind == 1], [rng.integers(4, 26, M), rng.integers(5, 31, M)], 0)
    q_in = (rng.exponential(22.0, M) * np.where(rng.random(M) < 0.1, 4, 1)).round().astype(np.int64)
    q_dial = np.where(rng.random(M) < 0.25, rng.integers(1, 9, M), 0)
    if f.quirks:
        drop_s = camps["drop_call_seconds"].to_numpy()[sh.camp[a]]
        late = f.stream(8).random(M) < 0.04
        q_dial = np.where(q_dial > 0, np.where(late, q_dial, 1 + (q_dial > 4)), 0)
        q_dial = np.minimum(q_dial, np.maximum(drop_s - 1, 0))
    queue = np.select([kind == 2, kind == 0], [q_in, q_dial], 0).astype(np.int64)
    med_talk = np.array([60.0, 75.0, 140.0])[kind] * sh.talk_scale[a]
    talk = np.maximum(1, _lognormal(rng, med_talk, 0.85, M).round()).astype(np.int64)
    dead = np.where(rng.random(M) < 0.25, rng.integers(1, 21, M), 0).astype(np.int64)
    dispo = (2 + _lognormal(rng, 8.0, 0.6, M)).round().astype(np.int64)

    status = _statuses(f, sh, kind, a)
    no_conn = (kind == 1) & np.isin(status, [S["NA"], S["B"]])
    talk = np.where(no_conn, 0, talk)
    talk = np.where(status == S["A"], np.minimum(talk, rng.integers(5, 40, M)), talk)
    return CycleDraws(
        owner=a, first=first, kind=kind, pause=pause, pause_code=code_i.astype(np.int64), manual=manual, wait=wait,
        ring=ring, queue=queue, talk=talk, agent_talk=talk + np.where(kind == 1, ring, 0),
        dead=np.where(no_conn, 0, dead), dispo=dispo, status=status, no_conn=no_conn,
        pause_vocab=(*codes, "LUNCH", "MANUAL", "LOGIN"),
    )


def _statuses(f: DayFrame, sh: Shifts, kind: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Status per cycle: the kind's mix, a sale at campaign rate × skill, half of the sales of a
    campaign with its own APPSET status (world.campaign_statuses) made APPSET (own stream)."""
    rng, M = f.rng_c, len(kind)
    c_of_cycle = sh.camp[a]
    p_sale = f.world.campaigns["sale_rate"].to_numpy()[c_of_cycle] * sh.skill[a]
    status = np.zeros(M, np.int16)
    for k, (names, probs) in _MIX.items():
        m = kind == k
        p = np.asarray(probs, float)
        status[m] = np.array([S[x] for x in names], np.int16)[rng.choice(len(names), size=int(m.sum()), p=p / p.sum())]
    status[rng.random(M) < p_sale] = S["SALE"]
    own = f.world.campaign_statuses
    appset_camps = [f.cidx_of[c] for c in own.filter(pc.equal(own["status"], "APPSET"))["campaign_id"].to_pylist()]
    appset = (status == S["SALE"]) & np.isin(c_of_cycle, appset_camps) & (f.stream(6).random(M) < 0.5)
    status[appset] = S["APPSET"]
    return status


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True, eq=False)
class Cycles:
    """The cycles that end before their agent's shift does (or the cut-off), one per handled call."""

    drawn: int  # len(CycleDraws): per-cycle draws of later phases are drawn for all, then kept
    kept: np.ndarray  # CycleDraws index per kept cycle
    owner: np.ndarray  # Shifts index per kept cycle
    start: np.ndarray  # UTC epoch the cycle starts
    end: np.ndarray  # UTC epoch it ends
    kind: np.ndarray
    pause: np.ndarray  # lunch included
    pause_code: np.ndarray
    manual: np.ndarray
    wait: np.ndarray
    ring: np.ndarray
    queue: np.ndarray
    talk: np.ndarray
    agent_talk: np.ndarray
    dead: np.ndarray
    dispo: np.ndarray
    status: np.ndarray
    no_conn: np.ndarray
    login_pause: np.ndarray  # LOGIN pause seconds per working agent (Shifts index)
    pause_vocab: tuple[str, ...]
    manual_code: int
    login_code: int

    def __len__(self) -> int:
        return len(self.kept)

    @property
    def talk_start(self) -> np.ndarray:
        return self.start + self.pause + self.manual + self.wait


def schedule_cycles(f: DayFrame, sh: Shifts, cy: CycleDraws) -> Cycles:
    """Lay the cycles end to end after a LOGIN pause, put a LUNCH near mid-shift of shifts of 6 h
    or more, and keep the cycles that end by the shift's end."""
    rng = f.rng_a
    a, first = cy.owner, cy.first
    login_pause = rng.integers(8, 90, len(sh))

    def rel_bounds(dur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cs = np.cumsum(dur)
        base = cs[first] - dur[first]
        rel_end = cs - base[a] + login_pause[a]
        return rel_end - dur, rel_end

    pause, pause_code = cy.pause.copy(), cy.pause_code.copy()
    rest = cy.manual + cy.wait + cy.agent_talk + cy.dead + cy.dispo
    dur = pause + rest
    _, rel_end = rel_bounds(dur)
    span = sh.span
    long_shift = span >= 6 * 3600
    mid = span * rng.uniform(0.42, 0.58, len(sh))
    hits = np.flatnonzero((rel_end > mid[a]) & long_shift[a])
    if len(hits):
        _, fi = np.unique(a[hits], return_index=True)
        li = hits[fi]  # each long shift's first cycle past its middle starts with lunch
        pause[li] = _lognormal(rng, 2400.0, 0.25, len(li)).round().astype(np.int64)
        pause_code[li] = cy.lunch_code
        dur = pause + rest
    rel_start, rel_end = rel_bounds(dur)
    ki = np.flatnonzero((sh.login[a] + rel_end) <= sh.end[a])
    a_k = a[ki]
    start = sh.login[a_k] + rel_start[ki]
    return Cycles(
        drawn=len(cy), kept=ki, owner=a_k, start=start, end=start + dur[ki], kind=cy.kind[ki], pause=pause[ki],
        pause_code=pause_code[ki], manual=cy.manual[ki], wait=cy.wait[ki], ring=cy.ring[ki], queue=cy.queue[ki],
        talk=cy.talk[ki], agent_talk=cy.agent_talk[ki], dead=cy.dead[ki], dispo=cy.dispo[ki], status=cy.status[ki],
        no_conn=cy.no_conn[ki], login_pause=login_pause, pause_vocab=cy.pause_vocab,
        manual_code=cy.manual_code, login_code=cy.login_code,
    )
