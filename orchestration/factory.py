"""`build_defs(settings)`: every Dagster definition of dialsync, merged from each module's slice.

Each orchestration module returns its own `Definitions` (raw assets, dbt, schedules and
their jobs, write-back, the ledger sensor, resources); this is the one place they are merged.
Tests call it with a Settings object; `orchestration.definitions` calls it lazily when the
code location loads, so importing any module here reads no env var and no config file.
"""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, Definitions, in_process_executor

from dialsync.settings import Settings
from orchestration import checks, dbt, ledger_sensor, raw_assets, resources, schedules, writeback


def build_defs(settings: Settings, *, with_dbt: bool = True, manifest_root: Path | None = None) -> Definitions:
    """All definitions; `manifest_root` overrides where the parsed dbt manifest is cached."""
    dbt_slice = dbt.defs(settings, manifest_root) if with_dbt else Definitions()
    dbt_keys: list[AssetKey] = sorted((k for a in dbt_slice.assets or () for k in a.keys),
                                      key=lambda k: k.to_user_string())
    fresh = checks.freshness_checks(settings) if settings.instances else None
    return Definitions.merge(
        # every run (schedules, UI launches, backfills' runs) executes its steps in the run's own
        # process: a step process re-imports Dagster, dbt and the definitions (5-10 s of CPU each,
        # 13 raw steps a run, so a year's backfill paid more for start-up than for syncing:
        # bench/year.py); steps are rate-bound on the dialer, and each step syncs its days in parallel
        Definitions(executor=in_process_executor),
        resources.defs(settings),
        raw_assets.defs(settings),
        dbt_slice,
        schedules.defs(settings, dbt_keys, fresh),
        writeback.defs(settings, dbt_keys),
        ledger_sensor.defs(settings),
    )
