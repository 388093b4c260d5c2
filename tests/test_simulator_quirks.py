"""The simulator misbehaving like a real call center (`SimConfig.call_center_quirks`, on by default; issue #14.3).

One test per behaviour, against the simulator's HTTP reports and its `/_sim/truth`: with the
flag on, every report still equals the truth (one event log), and the log holds what breaks
warehouses in production: shifts across midnight, finished days that change later, calls in
both occurrences of the DST repeated hour, answered-call waits within the drop timer, and never
two dials of one lead in the same second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from simulator.server import SimConfig, SimulatorServer
from simulator.testing import CLIENT, goapi_json, truth

TZ = ZoneInfo("America/New_York")
NOW = datetime(2025, 11, 5, 12, 0, tzinfo=TZ)  # every day below is finished and past its late changes
D = date(2025, 5, 13)  # a Tuesday
FALL_BACK, SPRING_FORWARD = date(2025, 11, 2), date(2025, 3, 9)
CRED = {"user": "6666", "pass": "1234", "source": "test"}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimConfig(seed=42, agents=30, now=NOW, call_center_quirks=True)) as s:
        yield s


def _day(d: date) -> dict[str, str]:
    return {"fromDate": d.isoformat(), "toDate": d.isoformat()}


def _reports_equal_truth(sim: SimulatorServer, d: date) -> None:
    agent_daily = truth(sim, "agent_daily", d)
    report = {r["user"]: r for r in goapi_json(sim, "goReports", "exportAgentReport", **_day(d))["data"]["rows"]}
    assert set(report) == set(agent_daily["user"].to_pylist())
    for r in agent_daily.to_pylist():
        rep = report[r["user"]]
        assert int(rep["total_calls"]) == r["calls"], r["user"]
        assert int(rep["talk"]) == r["talk_seconds"] and int(rep["login_time"]) == r["login_seconds"], r["user"]
    camp = truth(sim, "campaign_daily", d)
    out = goapi_json(sim, "goReports", "outbound_cdr", **_day(d))["data"]["summary_rows"]
    names = dict(zip(sim.ctx.world.campaigns["campaign_id"].to_pylist(),
                     sim.ctx.world.campaigns["campaign_name"].to_pylist(), strict=True))
    assert {s["campaign_name"]: s["total_calls"] for s in out} == {
        names[r["campaign_id"]]: r["dials"] for r in camp.to_pylist() if r["dials"]}
    q = truth(sim, "queue_daily", d)
    stats = goapi_json(sim, "goReports", "inbound_summary_stats", **_day(d))["data"]["rows"][0]
    assert int(stats["total_calls"]) == pc.sum(q["calls"]).as_py()
    assert int(stats["handled_calls"]) == pc.sum(q["handled"]).as_py()
    assert _dispo_statuses(sim, d) == _statuses(truth(sim, "calls", d))
    from extract.parsers.vicidial import agent_stats_export

    body = CLIENT.get(sim.url + "/vicidial/non_agent_api.php", params={
        **CRED, "function": "agent_stats_export", "datetime_start": f"{d} 00:00:00",
        "datetime_end": f"{d} 23:59:59", "time_format": "S", "stage": "pipe", "header": "YES"}).content
    ase = agent_stats_export(body, "pipe")["agent_stats_export"].to_pylist()
    assert {r["user"]: (int(r["calls"]), int(r["pause_time"])) for r in ase} == {
        r["user"]: (r["calls"], r["pause_seconds"]) for r in agent_daily.to_pylist()}


def _dispo_statuses(sim: SimulatorServer, d: date) -> Counter[str]:
    """call_dispo_report's calls per status over every campaign (outbound calls)."""
    from extract.parsers.vicidial import call_dispo_report

    body = CLIENT.get(sim.url + "/vicidial/non_agent_api.php", params={
        **CRED, "function": "call_dispo_report", "campaigns": "ALLCAMPAIGNS", "query_date": d.isoformat(),
        "end_date": d.isoformat(), "status_breakdown": "1"}).content
    t = call_dispo_report(body, "csv")["call_dispo_report"]
    out: Counter[str] = Counter()
    for st, n in zip(t["status"].to_pylist(), t["calls"].to_pylist(), strict=True):
        if int(n):
            out[st] += int(n)
    return out


def _statuses(calls: pa.Table) -> Counter[str]:
    return Counter(calls.filter(pc.equal(pc.field("direction"), "OUT"))["status"].to_pylist())


def test_every_report_equals_truth_with_quirks(sim: SimulatorServer) -> None:
    for d in (D, D + timedelta(days=1), FALL_BACK, SPRING_FORWARD):
        _reports_equal_truth(sim, d)


def test_quirks_are_the_default() -> None:
    assert SimConfig().call_center_quirks


@pytest.mark.parametrize("quirks", [False, True])
def test_no_lead_is_dialed_twice_in_one_second(sim: SimulatorServer, simulator_factory: Callable[..., SimulatorServer],
                                               quirks: bool) -> None:
    # a plain bug: fixed with the flag off too
    server = sim if quirks else simulator_factory(agents=30, now=NOW, call_center_quirks=False)
    for d in (D, D - timedelta(days=1)):
        calls = truth(server, "calls", d).filter(pc.is_valid(pc.field("lead_id")))
        per = calls.group_by(["lead_id", "call_epoch"]).aggregate([("uniqueid", "count")])
        assert pc.max(per["uniqueid_count"]).as_py() == 1, d


def test_answered_dialer_calls_wait_within_the_drop_timer(sim: SimulatorServer) -> None:
    camps = sim.ctx.world.campaigns
    timer = dict(zip(camps["campaign_id"].to_pylist(), camps["drop_call_seconds"].to_pylist(), strict=True))
    calls = truth(sim, "calls", D).filter(pc.equal(pc.field("call_type"), "Dialer"))
    answered = calls.filter(pc.is_valid(pc.field("user")))
    assert answered.num_rows > 100
    for c, q in zip(answered["campaign_id"].to_pylist(), answered["queue_seconds"].to_pylist(), strict=True):
        assert q < timer[c], (c, q)
    # a predictive dialer connects nearly every live answer within the TSR's 2 seconds
    late = pc.sum(pc.greater(answered["queue_seconds"], 2)).as_py()
    assert 0 < late < 0.02 * answered.num_rows, (late, answered.num_rows)
    drops = calls.filter(pc.equal(pc.field("status"), "DROP"))
    assert drops.num_rows and all(q == timer[c] for c, q in zip(drops["campaign_id"].to_pylist(),
                                                             drops["queue_seconds"].to_pylist(), strict=True))


def _end_epoch(d: date) -> int:
    return int(datetime.combine(d + timedelta(days=1), datetime.min.time(), TZ).timestamp())


def test_a_midnight_crossing_session_lands_on_both_days(sim: SimulatorServer) -> None:
    sessions = truth(sim, "sessions", D)
    night = sessions.filter(pc.greater_equal(pc.field("logout_epoch"), _end_epoch(D)))
    assert night.num_rows, "no shift crossed midnight"
    users = night["user"].to_pylist()
    today, tomorrow = (truth(sim, "agent_states", d) for d in (D, D + timedelta(days=1)))
    for u in users:
        before = today.filter(pc.equal(pc.field("user"), u))
        after = tomorrow.filter(pc.equal(pc.field("user"), u))
        assert pc.sum(before["seconds"]).as_py() > 0 and pc.sum(after["seconds"]).as_py() > 0, u
        # split at the local day boundary: each day holds the states that start on it
        assert pc.max(before["start_epoch"]).as_py() < _end_epoch(D) <= pc.min(after["start_epoch"]).as_py()
    # and the dialer's own agent report shows the user's seconds on both days
    for d in (D, D + timedelta(days=1)):
        rows = {r["user"]: r for r in goapi_json(sim, "goReports", "exportAgentReport", **_day(d))["data"]["rows"]}
        assert all(int(rows[u]["login_time"]) > 0 for u in users), d


def test_a_finished_day_changes_when_the_clock_passes_its_late_changes(sim: SimulatorServer) -> None:
    just_after = datetime.combine(D + timedelta(days=1), datetime.min.time(), TZ) + timedelta(minutes=1)
    try:
        sim.ctx.clock.set(just_after)
        early = truth(sim, "calls", D)
        early_report = _dispo_statuses(sim, D)
        _reports_equal_truth(sim, D)
    finally:
        sim.ctx.clock.set(NOW)
    late = truth(sim, "calls", D)
    assert early_report == _statuses(early) != _statuses(late) == _dispo_statuses(sim, D)
    # a call that started before midnight and finished after it appears only later
    new = set(late["uniqueid"].to_pylist()) - set(early["uniqueid"].to_pylist())
    assert new and set(early["uniqueid"].to_pylist()) <= set(late["uniqueid"].to_pylist())
    # callbacks dispositioned the next day, and status corrections
    was = dict(zip(early["uniqueid"].to_pylist(), early["status"].to_pylist(), strict=True))
    changed = Counter((was[u], s) for u, s in zip(late["uniqueid"].to_pylist(), late["status"].to_pylist(),
                                                   strict=True) if u in was and was[u] != s)
    assert sum(n for (frm, _), n in changed.items() if frm == "CALLBK") > 0, changed
    assert sum(n for (frm, _), n in changed.items() if frm != "CALLBK") > 0, changed


def _local_hour_offsets(calls: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    local = pc.cast(calls["call_date"], pa.timestamp("s")).cast(pa.int64()).to_numpy()
    return (local % 86400) // 3600, (local - calls["call_epoch"].to_numpy()) // 3600


def test_dst_repeated_hour_has_calls_in_both_offsets_and_the_skipped_hour_none(sim: SimulatorServer) -> None:
    hour, offset = _local_hour_offsets(truth(sim, "calls", FALL_BACK))
    assert set(offset[hour == 1].tolist()) == {-4, -5}, "01:00–02:00 occurs twice on fall-back day"
    hour, _ = _local_hour_offsets(truth(sim, "calls", SPRING_FORWARD))
    assert (hour == 1).any() and (hour == 3).any() and not (hour == 2).any()
    # the report prints local wall times: both occurrences, as many rows as the truth has
    rows = goapi_json(sim, "goReports", "inbound_cdr", **_day(FALL_BACK))["data"]["rows"]
    inbound = truth(sim, "calls", FALL_BACK).filter(pc.equal(pc.field("direction"), "IN"))
    ih, _ = _local_hour_offsets(inbound)
    assert sum(r["call_date"][11:13] == "01" for r in rows) == int((ih == 1).sum()) > 0


def test_dst_repeated_hour_survives_a_real_sync(sim: SimulatorServer, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The raw `_utc` columns of a fall-back day: no instant twice, none lost."""
    from dialsync.service.sync import PartitionSync
    from dialsync.settings import InstanceSettings, Settings
    from extract.client import DialerClient
    from extract.registry import endpoint
    from warehouse.lake import Lake
    from warehouse.ledger import SyncLedger

    monkeypatch.setenv("QK_USER", "6666")
    monkeypatch.setenv("QK_PASS", "1234")
    inst = InstanceSettings(platform="crocodial", base_url=sim.url, timezone="America/New_York",  # type: ignore[arg-type]
                            user_env="QK_USER", password_env="QK_PASS")
    s = Settings(data_dir=tmp_path, instances={"main": inst})
    ps = PartitionSync("main", inst, DialerClient.from_settings("main", inst), Lake(s.lake_dir),
                       SyncLedger(s.state_dir / "ledger.sqlite"), now=lambda: NOW)
    ps.sync(endpoint("inbound_cdr"), FALL_BACK)
    raw = ps.lake.read("inbound_cdr", "main", FALL_BACK)
    assert raw is not None
    got = Counter(raw["call_date_utc"].cast(pa.int64()).to_numpy() // 1_000_000)
    inbound = truth(sim, "calls", FALL_BACK).filter(pc.equal(pc.field("direction"), "IN"))
    want = Counter(inbound["call_epoch"].to_numpy())
    assert got == want, (f"lost {sum((want - got).values())}, extra {sum((got - want).values())} "
                         "call_date_utc instants")
