"""The Arrow tables of a generated day: its calls (`calls_table`: the parts merged in time
order, with their leads), the agents' states (`agent_states_table`) and login sessions
(`sessions_table`), in local wall time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.events_agents import Cycles, DayFrame, Shifts
from simulator.events_calls import Part
from simulator.events_log import (
    CALLS_SCHEMA,
    CARRIER_VOCAB,
    KIND_NAMES,
    SESSIONS_SCHEMA,
    STATE_VOCAB,
    STATES_SCHEMA,
    STATUS_VOCAB,
    TERM_VOCAB,
    S,
    take_vocab,
    timestamps,
)
from simulator.state import DIALABLE_STATUSES, LeadStore


@dataclass(frozen=True, eq=False)
class Calls:
    """The day's calls as a table, with what the agent states link to."""

    table: pa.Table
    uniqueid: pa.Array
    cycle: np.ndarray  # Cycles index per row (-1: no agent)


def calls_table(f: DayFrame, store: LeadStore | None, parts: list[Part]) -> Calls:
    """The parts merged in (epoch, cycle) order, each call with its lead (or an unknown caller)."""
    world = f.world
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((cols["cycle"], cols["epoch"]))
    cols = {k: v[order] for k, v in cols.items()}
    n = len(order)
    kind_all = cols["kind"].astype(np.int64)
    camp_all = cols["camp"]

    leads = store.leads(as_of=f.day) if store is not None else world.leads
    lists = store.lists(as_of=f.day) if store is not None else world.lists
    lead_row = _assign_leads(f.rng_l, leads, lists, f.camp_ids, camp_all, kind_all, cols["epoch"], f.stream(9))
    has_lead = lead_row >= 0
    lr = pa.array(np.where(has_lead, lead_row, 0))
    valid = pa.array(has_lead)

    def lead_col(name: str) -> pa.Array:
        col = leads[name].take(lr) if leads.num_rows else pa.nulls(n, leads.schema.field(name).type)
        return pc.if_else(valid, col, pa.scalar(None, col.type))

    unknown_phone = pc.cast(pa.array(f.rng_l.integers(2012000000, 9899999999, n)), pa.string())
    phone = pc.coalesce(lead_col("phone_number"), unknown_phone)
    seq = pc.utf8_lpad(pc.cast(pa.array(np.arange(n) + 1), pa.string()), 6, "0")
    uniqueid = pc.binary_join_element_wise(pc.cast(pa.array(cols["epoch"]), pa.string()), seq, ".")

    is_in = kind_all == 2
    grp = cols["group"]
    g_ids = world.ingroups["group_id"].to_pylist()
    dids_by_group = dict(zip(world.dids["group_id"].to_pylist(), world.dids["did_pattern"].to_pylist(), strict=True))
    has_agent = cols["user"] >= 0
    enter_q = cols["epoch"] + cols["ivr"]
    length = np.where(has_agent, cols["talk"] + cols["dead"], cols["talk"]) + cols["queue"]
    qpos = np.where(cols["queue"] > 0, 1 + f.rng_x.poisson(cols["queue"] / 25.0), np.where(is_in, 1, 0))
    table = pa.table({
        "uniqueid": uniqueid,
        "call_date": timestamps(f.local(cols["epoch"])),
        "call_epoch": pa.array(cols["epoch"], pa.int64()),
        "direction": pa.array(np.where(is_in, "IN", "OUT")),
        "call_type": take_vocab(KIND_NAMES, kind_all),
        "campaign_id": take_vocab(f.camp_ids, camp_all),
        "portfolio": take_vocab(world.campaigns["portfolio"].to_pylist(), camp_all),
        "group_id": take_vocab(g_ids, grp),
        "did": take_vocab([dids_by_group.get(g) for g in g_ids], grp),
        "list_id": lead_col("list_id"),
        "lead_id": lead_col("lead_id"),
        "phone_number": phone,
        "vendor_lead_code": lead_col("vendor_lead_code"),
        "entry_date": lead_col("entry_date"),
        "user": f.users.take(pa.array(cols["user"], mask=cols["user"] < 0)),
        "status": take_vocab(STATUS_VOCAB, cols["status"]),
        "carrier_disposition": take_vocab(CARRIER_VOCAB, cols["carrier_disposition"]),
        "is_amd_voicemail": pa.array(cols["amd"].astype(bool)),
        "ivr_seconds": pa.array(cols["ivr"], pa.int64()),
        "enter_on_queue": timestamps(f.local(enter_q), is_in),
        "queue_seconds": pa.array(cols["queue"], pa.int64()),
        "queue_position": pa.array(qpos, pa.int64()),
        "ring_seconds": pa.array(cols["ring"], pa.int64()),
        "answer_time": timestamps(f.local(cols["answer"]), has_agent & cols["has_answer"].astype(bool)),
        "talk_seconds": pa.array(cols["talk"], pa.int64()),
        "agent_talk_seconds": pa.array(cols["agent_talk"], pa.int64()),
        "dead_seconds": pa.array(cols["dead"], pa.int64()),
        "dispo_seconds": pa.array(cols["dispo"], pa.int64()),
        "length_in_sec": pa.array(length, pa.int64()),
        "term_reason": take_vocab(TERM_VOCAB, cols["term"]),
        "transferred": pa.array(cols["status"] == S["XFER"]),
        "xfer_in": pa.array(grp == (g_ids.index("AGENTDIRECT") if "AGENTDIRECT" in g_ids else -2)),
        "carrier": pc.binary_join_element_wise("SIP/VOIPTRUNK1", seq, "-"),
        "campaign_code": pa.array(camp_all.astype(np.int16)),
        "status_code": pa.array(cols["status"].astype(np.int16)),
    }, schema=CALLS_SCHEMA)
    return Calls(table, uniqueid, cols["cycle"])


def agent_states_table(f: DayFrame, sh: Shifts, cy: Cycles, calls: Calls) -> pa.Table:
    """PAUSE (coded or MANUAL), WAIT, TALK, DEAD, DISPO segments of each kept cycle, plus a LOGIN
    pause per agent who kept a cycle; TALK/DEAD/DISPO link to their call's uniqueid."""
    nk = len(cy)
    cyc_pos = np.full(nk, -1)
    ac = calls.cycle
    cyc_pos[ac[ac >= 0]] = np.flatnonzero(ac >= 0)
    uid_of_cycle = calls.uniqueid.take(pa.array(cyc_pos))
    ctype_k = cy.kind.astype(np.int64)
    seg_state = (0, 0, 1, 2, 3, 4)  # STATE_VOCAB codes
    seg_secs = (cy.pause, cy.manual, cy.wait, cy.agent_talk, cy.dead, cy.dispo)
    offs = np.cumsum([np.zeros(nk, np.int64), cy.pause, cy.manual, cy.wait, cy.agent_talk, cy.dead], axis=0)
    user_k, camp_k = sh.agent[cy.owner], sh.camp[cy.owner]
    st_user, st_state, st_code, st_start, st_secs, st_uid, st_camp, st_ct = [], [], [], [], [], [], [], []
    for j in range(6):
        m = seg_secs[j] > 0
        k = int(m.sum())
        st_user.append(user_k[m])
        st_state.append(np.full(k, seg_state[j]))
        st_code.append(cy.pause_code[m] if j == 0 else np.full(k, cy.manual_code if j == 1 else -1))
        st_start.append((cy.start + offs[j])[m])
        st_secs.append(seg_secs[j][m])
        st_uid.append(np.flatnonzero(m) if j >= 3 else np.full(k, -1))
        st_camp.append(camp_k[m])
        st_ct.append(ctype_k[m] if j >= 3 else np.full(k, -1))
    worked = np.unique(cy.owner)
    st_user.append(sh.agent[worked])
    st_state.append(np.zeros(len(worked), np.int64))
    st_code.append(np.full(len(worked), cy.login_code))
    st_start.append(sh.login[worked])
    st_secs.append(cy.login_pause[worked])
    st_uid.append(np.full(len(worked), -1))
    st_camp.append(sh.camp[worked])
    st_ct.append(np.full(len(worked), -1))
    s_user = np.concatenate(st_user)
    s_start = np.concatenate(st_start)
    s_uid_idx = np.concatenate(st_uid)
    name_rank = np.empty(len(f.users), np.int64)
    name_rank[np.argsort(np.asarray(f.users.to_pylist(), dtype=object))] = np.arange(len(f.users))
    s_order = np.lexsort((s_start, name_rank[s_user]))
    linked = (uid_of_cycle.take(pa.array(np.maximum(s_uid_idx[s_order], 0))) if nk
              else pa.nulls(len(s_order), pa.string()))
    s_uid = pc.if_else(pa.array(s_uid_idx[s_order] >= 0), linked, pa.scalar(None, pa.string()))
    return pa.table({
        "user": f.users.take(pa.array(s_user[s_order])),
        "state": take_vocab(STATE_VOCAB, np.concatenate(st_state)[s_order]),
        "pause_code": take_vocab(cy.pause_vocab, np.concatenate(st_code)[s_order]),
        "start": timestamps(f.local(s_start[s_order])),
        "start_epoch": pa.array(s_start[s_order], pa.int64()),
        "seconds": pa.array(np.concatenate(st_secs)[s_order], pa.int64()),
        "uniqueid": s_uid,
        "campaign_id": take_vocab(f.camp_ids, np.concatenate(st_camp)[s_order]),
        "call_type": take_vocab(KIND_NAMES, np.concatenate(st_ct)[s_order]),
    }, schema=STATES_SCHEMA)


def sessions_table(f: DayFrame, sh: Shifts, cy: Cycles) -> pa.Table:
    """One session per agent who kept a cycle: login to the end of the last cycle, or still
    logged in (no logout) when the shift runs past the cut-off."""
    last_end = np.zeros(len(sh), np.int64)
    np.maximum.at(last_end, cy.owner, cy.end)
    ws = np.unique(cy.owner)
    still_on = sh.planned_end[ws] > f.cutoff
    logout = np.where(still_on, 0, last_end[ws])
    return pa.table({
        "user": f.users.take(pa.array(sh.agent[ws])), "campaign_id": take_vocab(f.camp_ids, sh.camp[ws]),
        "login": timestamps(f.local(sh.login[ws])), "logout": timestamps(f.local(logout), ~still_on),
        "login_epoch": pa.array(sh.login[ws], pa.int64()),
        "logout_epoch": pc.if_else(pa.array(~still_on), pa.array(logout, pa.int64()), pa.scalar(None, pa.int64())),
    }, schema=SESSIONS_SCHEMA)


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
