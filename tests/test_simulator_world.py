"""World, event log and lead store: determinism, realism invariants, DST, partial days."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from simulator.events import day_log
from simulator.state import LeadStore
from simulator.world import build_world

TZ = ZoneInfo("America/New_York")
NOW = datetime(2025, 11, 20, 12, 0, tzinfo=TZ)
WORLD = build_world(42)


def test_world_is_deterministic_and_complete() -> None:
    a, b, c = build_world(42), build_world(42), build_world(7)
    for name in ("agents", "campaigns", "lists", "leads", "pause_codes", "statuses"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert not a.leads.equals(c.leads)
    assert a.agents.num_rows == 60 and a.campaigns.num_rows >= 6
    assert set(a.campaigns["campaign_type"].to_pylist()) == {"outbound", "inbound", "blended"}
    assert all(len(p) == 3 for p in a.agents["portfolio"].to_pylist())
    assert {"SALE", "NI", "DNC", "CALLBK", "A", "AA", "B", "NA", "DROP", "AFTHRS", "XFER"} <= set(
        a.statuses["status"].to_pylist())
    assert {"LUNCH", "BREAK", "WC", "TRAIN", "MEETIN", "PRIV"} <= set(a.pause_code_list)
    phones = a.leads["phone_number"].to_pylist()
    assert all(len(p) == 10 and p.isdigit() for p in phones[:1000])
    assert len(a.agents["user"].unique()) == 60


def test_world_scales_to_2000_agents() -> None:
    t = time.perf_counter()
    w = build_world(1, agents=2000)
    assert time.perf_counter() - t < 5
    assert w.agents.num_rows == 2000 and len(w.agents["user"].unique()) == 2000


def test_day_log_deterministic_and_days_differ() -> None:
    d = date(2025, 5, 13)
    a = day_log(WORLD, d, now=NOW)
    b = day_log(build_world(42), d, now=NOW)  # another world object: no cache sharing
    assert a.calls.equals(b.calls) and a.agent_states.equals(b.agent_states)
    c = day_log(WORLD, d + timedelta(days=1), now=NOW)
    assert not a.calls.equals(c.calls)
    assert a.calls.num_rows > 5000


def _check_agent_timeline(log) -> None:
    st = log.agent_states
    users = st["user"].to_numpy(zero_copy_only=False)
    start = st["start_epoch"].to_numpy()
    secs = st["seconds"].to_numpy()
    same = users[1:] == users[:-1]
    assert (start[1:][same] >= (start + secs)[:-1][same]).all(), "agent states overlap"
    assert (secs > 0).all()
    assert set(st["state"].to_pylist()) <= {"PAUSE", "WAIT", "TALK", "DEAD", "DISPO"}
    # every agent-handled call has exactly one TALK state linked to it
    talk = st.filter(pc.equal(st["state"], "TALK"))
    handled = log.calls.filter(pc.is_valid(log.calls["user"]))
    assert talk.num_rows == handled.num_rows
    assert set(talk["uniqueid"].to_pylist()) == set(handled["uniqueid"].to_pylist())


def test_day_log_realism_invariants() -> None:
    log = day_log(WORLD, date(2025, 5, 13), now=NOW)
    _check_agent_timeline(log)
    calls = log.calls
    assert len(calls["uniqueid"].unique()) == calls.num_rows
    types = set(calls["call_type"].to_pylist())
    assert types == {"Dialer", "Manual", "Inbound"}
    out = calls.filter(pc.equal(calls["direction"], "OUT"))
    human = pc.sum(pc.is_in(out["status"], value_set=pa.array(["DROP"])).cast(pa.int64())).as_py()
    answered_by_agent = pc.sum(pc.and_(pc.is_valid(out["user"]), pc.equal(out["call_type"], "Dialer"))
                               .cast(pa.int64())).as_py()
    assert 0.005 < human / (human + answered_by_agent) < 0.05  # drop rate ≈ 1-3 %
    inb = calls.filter(pc.equal(calls["direction"], "IN"))
    assert pc.max(inb["queue_seconds"]).as_py() > 20
    assert {"DROP", "AFTHRS"} <= set(inb["status"].to_pylist())
    assert pc.any(out["is_amd_voicemail"]).as_py()
    # call dates fall on the day
    days = {d.date() for d in calls["call_date"].to_pylist()}
    assert days == {date(2025, 5, 13)}
    # sessions: login/logout frame the agent's states
    s = log.sessions
    assert s.num_rows > 40 and pc.all(pc.is_valid(s["logout"])).as_py()


@pytest.mark.parametrize(("day", "hours"), [(date(2025, 3, 9), 23), (date(2025, 11, 2), 25)])
def test_dst_days(day: date, hours: int) -> None:
    log = day_log(WORLD, day, now=NOW)
    assert log.hours == hours
    assert log.calls.num_rows > 0
    _check_agent_timeline(log)
    local_days = {d.date() for d in log.calls["call_date"].to_pylist()}
    assert local_days == {day}
    # night inbound traffic spans the transition hour
    hrs = {d.hour for d in log.calls["call_date"].to_pylist()}
    assert {0, 1, 3, 4} & hrs


def test_today_is_partial_and_future_empty() -> None:
    now = datetime(2025, 5, 14, 12, 30, tzinfo=TZ)
    log = day_log(WORLD, date(2025, 5, 14), now=now)
    last = pc.max(log.calls["call_epoch"]).as_py()
    assert last < now.timestamp()
    assert not log.complete
    assert pc.any(pc.is_null(log.sessions["logout"])).as_py()
    assert day_log(WORLD, date(2025, 5, 15), now=now).calls.num_rows == 0
    full = day_log(WORLD, date(2025, 5, 14), now=now + timedelta(days=2))
    assert full.calls.num_rows > log.calls.num_rows


def test_outbound_size_knob() -> None:
    log = day_log(WORLD, date(2025, 5, 13), now=NOW, outbound_calls_per_day=60000)
    n = pc.sum(pc.equal(log.calls["direction"], "OUT").cast(pa.int64())).as_py()
    assert 55000 < n < 65000


def test_lead_store_overlay_as_of(tmp_path: Path) -> None:
    clock = [datetime(2025, 5, 13, 10, 0)]
    store = LeadStore(WORLD, clock=lambda: clock[0])
    before = day_log(WORLD, date(2025, 5, 13), store, now=NOW).calls
    lid = store.add_lead({"phone_number": "5551234567", "list_id": 1101, "first_name": "Ann"})
    assert store.get_lead(lid)["first_name"] == "Ann"
    assert store.leads(as_of=date(2025, 5, 13)).num_rows == WORLD.leads.num_rows
    assert store.leads(as_of=date(2025, 5, 14)).num_rows == WORLD.leads.num_rows + 1
    # the past day is unchanged by a later write
    assert day_log(WORLD, date(2025, 5, 13), store, now=NOW).calls.equals(before)
    store.update_lead(100001, {"status": "DNC"})
    assert store.get_lead(100001)["status"] == "DNC"
    assert store.find_leads(phone_number="5551234567")[0]["lead_id"] == lid
    store.reset_list(1101)
    counts = store.list_counts(1101)
    assert counts["called_since_last_reset_y"] == 0 and counts["total"] == counts["called_since_last_reset_n"]
    store.update_list(1101, {"active": "N"})
    assert store.get_list(1101)["active"] == "N"
    # a deactivated list is not dialed on later days
    later = day_log(WORLD, date(2025, 5, 15), store, now=NOW).calls
    assert 1101 not in set(later.filter(pc.equal(later["direction"], "OUT"))["list_id"].to_pylist())
    store.delete_lead(lid)
    assert store.get_lead(lid) is None
    # persistence
    path = str(tmp_path / "state.sqlite")
    s1 = LeadStore(WORLD, path, clock=lambda: clock[0])
    new_id = s1.add_lead({"phone_number": "5559990000", "list_id": 2101})
    s1.close()
    s2 = LeadStore(WORLD, path)
    assert s2.get_lead(new_id)["phone_number"] == "5559990000"
    assert s2.add_lead({"phone_number": "5559990001", "list_id": 2101}) == new_id + 1
    s2.close()


def test_generation_speed() -> None:
    w = build_world(3, agents=200)
    t = time.perf_counter()
    log = day_log(w, date(2025, 5, 13), now=NOW)
    assert time.perf_counter() - t < 3
    assert np.unique(log.agent_states["user"].to_numpy(zero_copy_only=False)).size > 150
