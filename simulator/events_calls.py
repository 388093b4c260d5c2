"""The calls of a generated day as column parts (`Part`: column → array, one row per call):
the calls agents handled (`handled_calls`), the dialer's unanswered attempts
(`dialer_attempts`) and the inbound calls no agent took (`inbound_calls`: abandons, queue
timeouts, night and after-hours traffic), added around the handled ones.
"""

from __future__ import annotations

import numpy as np

from simulator.events_agents import Cycles, DayFrame, Shifts
from simulator.events_log import C, S, T
from simulator.world import calltime_window

#: one row per call: kind, camp (campaigns row), user (agents row, -1 none), epoch, status,
#: carrier_disposition, amd, ivr, queue, ring, answer, has_answer, talk, agent_talk, dead, dispo,
#: term, cycle (Cycles index, -1 none), group (ingroups row, -1 none)
Part = dict[str, np.ndarray]
#: unanswered outcomes of the dialer, per call an agent handled
DIALER_OUTCOMES = (("NA", 1.2), ("B", 0.12), ("DC", 0.05), ("AA", 0.55))


def handled_calls(f: DayFrame, sh: Shifts, cy: Cycles) -> Part:
    """One call per kept cycle, timed so its talk starts when the agent's TALK state does (no
    `group` yet: `inbound_calls` routes the inbound ones)."""
    rng, nk, kind = f.rng_c, len(cy), cy.kind
    ivr = np.where(kind == 2, rng.integers(0, 31, cy.drawn)[cy.kept], 0)
    talk_start = cy.talk_start
    call_epoch = np.select([kind == 0, kind == 1], [talk_start - cy.queue - cy.ring, talk_start],
                           talk_start - cy.queue - ivr)
    answer = np.where(kind == 1, talk_start + cy.ring, talk_start)
    term = np.where(rng.random(cy.drawn)[cy.kept] < 0.55, T["AGENT"], T["CALLER"]).astype(np.int8)
    term[cy.no_conn] = T["NONE"]
    carrier_disp = np.full(nk, C["Answer"], np.int8)
    carrier_disp[cy.status == S["NA"]] = C["No Answer"]
    carrier_disp[(cy.status == S["B"]) & (kind == 1)] = C["Busy"]
    return {
        "kind": kind, "camp": sh.camp[cy.owner], "user": sh.agent[cy.owner], "epoch": call_epoch,
        "status": cy.status, "carrier_disposition": carrier_disp, "amd": np.zeros(nk, bool), "ivr": ivr,
        "queue": cy.queue, "ring": cy.ring, "answer": answer, "has_answer": ~cy.no_conn, "talk": cy.talk,
        "agent_talk": cy.agent_talk, "dead": cy.dead, "dispo": cy.dispo, "term": term, "cycle": np.arange(nk),
    }


def dialer_attempts(f: DayFrame, handled: Part, calls_scale: float,
                    target_outbound: int | None) -> tuple[list[Part], float]:
    """The dialer's attempts no agent took, around each campaign's dialer calls, and the scale
    used (`calls_scale`, or what makes the day's outbound rows about `target_outbound`)."""
    rng, lt, cutoff = f.rng_x, f.lt, f.cutoff
    camps = f.world.campaigns
    n_camp = len(f.camp_ids)
    dialer = handled["kind"] == 0
    dial_c = handled["camp"][dialer]
    dial_t = handled["epoch"][dialer]
    per_c = np.bincount(dial_c, minlength=n_camp)
    drop_rate = rng.uniform(0.01, 0.03, n_camp)
    exp_per_handled = sum(r for _, r in DIALER_OUTCOMES) + drop_rate / (1 - drop_rate)
    scale = float(calls_scale)
    if target_outbound is not None:
        n_agent_out = int((handled["kind"] != 2).sum())
        denom = float((per_c * exp_per_handled).sum())
        scale = max(0.0, (target_outbound - n_agent_out) / denom) if denom else 0.0
    dial_t_sorted = dial_t[np.argsort(dial_c, kind="stable")]
    c_first = np.concatenate([[0], np.cumsum(per_c)[:-1]])
    parts: list[Part] = []
    for ci in np.flatnonzero(per_c):
        rates = [*DIALER_OUTCOMES, ("DROP", drop_rate[ci] / (1 - drop_rate[ci]))]
        for st, r in rates:
            cnt = int(rng.poisson(per_c[ci] * r * scale))
            if cnt == 0:
                continue
            parent = dial_t_sorted[c_first[ci] + rng.integers(0, per_c[ci], cnt)]
            t = np.clip(parent + rng.normal(0, 180, cnt).astype(np.int64), lt.start, cutoff - 90)
            ring = {"NA": rng.integers(20, 46, cnt), "B": rng.integers(0, 3, cnt),
                    "DC": rng.integers(0, 4, cnt)}.get(st, rng.integers(4, 21, cnt))
            talk = rng.integers(3, 26, cnt) if st == "AA" else np.zeros(cnt, np.int64)
            queue = (np.full(cnt, int(camps["drop_call_seconds"][ci].as_py()))
                     if st == "DROP" else np.zeros(cnt, np.int64))
            parts.append({
                "kind": np.zeros(cnt, np.int8), "camp": np.full(cnt, ci), "user": np.full(cnt, -1),
                "epoch": t, "status": np.full(cnt, S[st], np.int16),
                "carrier_disposition": np.full(
                    cnt, C[{"NA": "No Answer", "B": "Busy", "DC": "Failed"}.get(st, "Answer")], np.int8),
                "amd": np.full(cnt, st == "AA"), "ivr": np.zeros(cnt, np.int64), "queue": queue,
                "ring": ring, "answer": t, "has_answer": np.zeros(cnt, bool), "talk": talk,
                "agent_talk": np.zeros(cnt, np.int64), "dead": np.zeros(cnt, np.int64),
                "dispo": np.zeros(cnt, np.int64),
                "term": np.full(cnt, T[{"DROP": "ABANDON", "AA": "SYSTEM"}.get(st, "NONE")], np.int8),
                "cycle": np.full(cnt, -1), "group": np.full(cnt, -1),
            })
    return parts, scale


def inbound_calls(f: DayFrame, handled: Part, scale: float) -> tuple[np.ndarray, list[Part]]:
    """The in-group of each handled call (-1: not inbound), by the groups' traffic weights, and
    the inbound calls no agent took: abandons and queue timeouts around the handled calls of a
    group, and a thin stream over the whole day (after-hours outside the group's call time)."""
    rng, lt, cutoff = f.rng_x, f.lt, f.cutoff
    ing = f.world.ingroups
    n_groups = ing.num_rows
    g_camp = np.array([f.cidx_of[c] for c in ing["campaign_id"].to_pylist()])
    g_weight = ing["traffic_weight"].to_numpy()
    g_windows = [calltime_window(f.world.calltimes, ct, f.day) for ct in ing["calltime_id"].to_pylist()]
    group = np.full(len(handled["kind"]), -1)
    inb = np.flatnonzero(handled["kind"] == 2)
    inb_camp = handled["camp"][inb]
    for ci in np.unique(inb_camp):
        gs = np.flatnonzero(g_camp == ci)
        m = inb[inb_camp == ci]
        if len(gs):
            group[m] = gs[rng.choice(len(gs), size=len(m), p=g_weight[gs] / g_weight[gs].sum())]
    handled_per_g = np.bincount(group[group >= 0], minlength=n_groups)
    inb_t = handled["epoch"][inb]
    parts: list[Part] = []
    for gi in range(n_groups):
        ci = int(g_camp[gi])
        hg = int(handled_per_g[gi])
        gstart = g_windows[gi][0] // 100 * 3600 + g_windows[gi][0] % 100 * 60
        gstop = g_windows[gi][1] // 100 * 3600 + g_windows[gi][1] % 100 * 60
        parents = inb_t[group[inb] == gi]
        for st, r in (("DROP", 0.12), ("TIMEOT", 0.01)):
            cnt = int(rng.poisson(hg * r * scale)) if hg else 0
            if cnt == 0:
                continue
            t = np.clip(parents[rng.integers(0, len(parents), cnt)] + rng.normal(0, 600, cnt).astype(np.int64),
                        lt.start, cutoff - 400)
            q = (np.full(cnt, 300) if st == "TIMEOT"
                 else 1 + rng.exponential(30.0, cnt).round().astype(np.int64))
            parts.append(_unanswered_inbound(rng, cnt, ci, gi, t, st, q,
                                             "QUEUETIMEOUT" if st == "TIMEOT" else "ABANDON"))
        cnt = int(rng.poisson(max(hg, 20) * 0.05 * scale))
        if cnt:
            t = rng.integers(lt.start, max(lt.start + 1, min(cutoff, lt.end) - 400), cnt)
            wall = lt.to_local(t) - lt.midnight_local
            inside = (wall >= gstart) & (wall < gstop)
            q = np.where(inside, 1 + rng.exponential(40.0, cnt).round().astype(np.int64), 0)
            part = _unanswered_inbound(rng, cnt, ci, gi, t, "DROP", q, "ABANDON")
            part["status"] = np.where(inside, S["DROP"], S["AFTHRS"]).astype(np.int16)
            part["term"] = np.where(inside, T["ABANDON"], T["AFTERHOURS"]).astype(np.int8)
            parts.append(part)
    return group, parts


def _unanswered_inbound(rng: np.random.Generator, cnt: int, ci: int, gi: int, t: np.ndarray, status: str,
                        queue: np.ndarray, term: str) -> Part:
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
