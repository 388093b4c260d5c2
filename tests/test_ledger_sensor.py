"""One record of what is loaded: a CLI sync shows in Dagster as materialized partitions.

A real `runner.sync` (what `dialsync sync` calls) against the simulator, then a real tick of
the `ledger_to_dagster` sensor on a Dagster instance, whose asset events are reported as the
daemon reports them; Dagster's partition status must then agree with the sync ledger, and a
partition materialized by a Dagster run is not reported twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import AssetKey, AssetPartitionStatus, DagsterInstance, build_sensor_context

from dialsync import runner
from dialsync.service.sync import local_today
from dialsync.settings import InstanceSettings, Settings
from orchestration.factory import build_defs
from orchestration.partitions import daily_key
from orchestration.resources import WarehouseResource

TZ = "America/New_York"
USER_ENV, PASS_ENV = "DIALSYNC_TEST_LEDGER_USER", "DIALSYNC_TEST_LEDGER_PASS"


@pytest.fixture(scope="module")
def sim() -> Iterator[object]:
    from simulator.server import SimConfig, SimulatorServer

    with SimulatorServer(SimConfig(seed=5, agents=10, timezone=TZ)) as server:
        yield server


def _tick(defs, instance: DagsterInstance, s: Settings, cursor: str | None) -> tuple[int, str | None]:
    sensor_def = defs.resolve_sensor_def("ledger_to_dagster")
    ctx = build_sensor_context(instance=instance, cursor=cursor,
                               resources={"warehouse": WarehouseResource.from_settings(s)})
    result = sensor_def(ctx)
    events = list(result.asset_events or [])
    for ev in events:  # what the daemon does with a sensor's asset events
        instance.report_runless_asset_event(ev)
    return len(events), result.cursor


def test_cli_sync_is_visible_in_dagster_and_not_reported_twice(
        sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, "6666")
    monkeypatch.setenv(PASS_ENV, "1234")
    s = Settings(data_dir=tmp_path / "data", start_date=date(2025, 1, 1), instances={
        "main": InstanceSettings(platform="crocodial", base_url=sim.url, timezone=TZ,
                                 user_env=USER_ENV, password_env=PASS_ENV)})
    today = local_today(s.instance("main"))
    days = [today - timedelta(days=n) for n in (3, 2, 1)]
    results = runner.sync(s, days[0], days[-1], endpoints=["outbound_cdr", "agent_cdr"])
    assert {r.status for r in results if r.endpoint != "*"} == {"success"}, results

    defs = build_defs(s, with_dbt=False)
    instance = DagsterInstance.ephemeral()
    graph = defs.resolve_asset_graph()
    keys = [daily_key(d, "main") for d in days]
    key = AssetKey(["raw", "outbound_cdr"])
    pdef = graph.get(key).partitions_def
    assert instance.get_status_by_partition(key, keys, pdef) is None  # Dagster knows nothing yet

    n, cursor = _tick(defs, instance, s, None)
    assert n == 6  # 2 endpoints × 3 days, as in the ledger
    for asset in ("outbound_cdr", "agent_cdr"):
        k = AssetKey(["raw", asset])
        status = instance.get_status_by_partition(k, keys, pdef)
        assert set(status.values()) == {AssetPartitionStatus.MATERIALIZED}, (asset, status)
    ev = instance.get_latest_materialization_event(key)
    assert ev is not None and ev.asset_materialization.metadata["rows"].value > 0

    # the next tick has nothing new; a Dagster run's own partition is not reported again
    assert _tick(defs, instance, s, cursor)[0] == 0
    job = defs.resolve_job_def("nightly")
    res = job.execute_in_process(instance=instance, partition_key=keys[-1], asset_selection=[key])
    assert res.success
    assert _tick(defs, instance, s, cursor)[0] == 0
    # a later CLI re-sync of one day is reported once
    runner.sync(s, days[0], days[0], endpoints=["outbound_cdr"])
    assert _tick(defs, instance, s, cursor)[0] == 1
