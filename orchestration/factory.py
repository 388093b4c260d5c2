"""`build_defs(settings)`: every Dagster definition of dialsync, from settings and the registry.

Tests call it with a Settings object; `orchestration.definitions` calls it lazily when the
code location loads, so importing any module here reads no env var and no config file.
"""

from __future__ import annotations

from pathlib import Path

from dagster import (
    AssetKey,
    AssetSelection,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
)

from dialsync.settings import Settings
from extract.registry import ENDPOINTS
from orchestration import checks
from orchestration.dbt import build_dbt_assets, dbt_resource
from orchestration.ledger_sensor import build_ledger_sensor
from orchestration.partitions import daily_partitions, instance_partitions
from orchestration.raw_assets import build_raw_asset
from orchestration.resources import DialerResource, WarehouseResource
from orchestration.schedules import PARALLEL_STEPS, build_jobs_and_schedules, default_status


def raw_assets(settings: Settings) -> list:
    daily, by_instance = daily_partitions(settings), instance_partitions(settings)
    return [build_raw_asset(ep, settings, daily, by_instance) for ep in ENDPOINTS]


def build_defs(settings: Settings, *, with_dbt: bool = True, manifest_root: Path | None = None) -> Definitions:
    """All definitions; `manifest_root` overrides where the parsed dbt manifest is cached."""
    assets = raw_assets(settings)
    resources: dict[str, object] = {
        "dialer": DialerResource.from_settings(settings, parallel_steps=PARALLEL_STEPS),
        "warehouse": WarehouseResource.from_settings(settings),
    }
    dbt_keys: list[AssetKey] = []
    if with_dbt:
        dbt_def, project = build_dbt_assets(settings, manifest_root)
        assets.append(dbt_def)
        resources["dbt"] = dbt_resource(project)
        dbt_keys = sorted(dbt_def.keys, key=lambda k: k.to_user_string())
    sensors: list = []
    asset_checks: list = []
    fresh = checks.freshness_checks(settings) if settings.instances else None
    jobs, schedules = build_jobs_and_schedules(settings, dbt_keys, fresh)
    if fresh is not None:
        asset_checks.append(fresh)
        fresh_job = define_asset_job("freshness", selection=AssetSelection.checks(fresh),
                                     description="Is every raw asset's latest partition at least yesterday?")
        jobs.append(fresh_job)
        schedules.append(ScheduleDefinition(name="freshness_schedule", cron_schedule="45 * * * *",
                                            job=fresh_job, execution_timezone="UTC",
                                            default_status=default_status(settings)))
    from orchestration import writeback

    wb = writeback.build(settings, dbt_keys)
    assets += wb.assets
    asset_checks += wb.checks
    jobs += wb.jobs
    sensors += wb.sensors
    sensors.append(build_ledger_sensor(settings))
    return Definitions(assets=assets, asset_checks=asset_checks, jobs=jobs, schedules=schedules,
                       sensors=sensors, resources=resources)
