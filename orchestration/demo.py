"""`dialsync demo` through Dagster: the graph the schedules run, materialized in-process.

Per instance: the daily raw assets for the last `days` days plus today's partial day (what
the nightly and intraday schedules load), then the snapshot endpoints for today, then one
dbt build that publishes the warehouse. Runs go to an ephemeral Dagster instance unless one
is given (e.g. `DagsterInstance.get()` to see them in the UI later).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from dagster import AssetKey, DagsterInstance, Definitions, JobDefinition

from dialsync.settings import Settings
from extract.registry import ENDPOINTS
from extract.sync import local_today
from orchestration.factory import build_defs
from orchestration.partitions import END_TAG, INSTANCE_TAG, START_TAG, range_tags
from orchestration.raw_assets import raw_key
from orchestration.schedules import supported


@dataclass
class DemoRun:
    job: str
    instance: str | None
    success: bool
    run_id: str
    failed_steps: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    success: bool
    published: Path
    runs: list[DemoRun]
    start: date | None = None
    end: date | None = None

    @property
    def failures(self) -> list[DemoRun]:
        return [r for r in self.runs if not r.success]


def _execute(job: JobDefinition, instance: DagsterInstance, selection: list[AssetKey], tags: dict[str, str],
             label: str, inst_name: str | None, partition_key: str | None = None) -> DemoRun:
    # the demo prints a summary, not Dagster's event stream: warnings and errors only
    res = job.execute_in_process(instance=instance, asset_selection=selection, tags=tags,
                                 partition_key=partition_key, raise_on_error=False,
                                 run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    failed = [e.step_key for e in res.all_events if e.event_type_value == "STEP_FAILURE" and e.step_key]
    return DemoRun(label, inst_name, res.success, res.run_id, failed)


def materialize_demo(settings: Settings, days: int, today: date, *, instance: DagsterInstance | None = None,
                     defs: Definitions | None = None, manifest_root: Path | None = None) -> DemoResult:
    """Load `days` full days + today for every instance, today's snapshots, then build and publish."""
    defs = defs or build_defs(settings, manifest_root=manifest_root)
    dagster_instance = instance or DagsterInstance.ephemeral()
    nightly, snapshots, dbt_job = (defs.resolve_job_def(n) for n in ("nightly", "snapshots", "dbt_build"))
    runs: list[DemoRun] = []
    first: date | None = None
    last: date | None = None
    for name, inst in settings.instances.items():
        end = min(today, local_today(inst))
        start = max(settings.start_date, end - timedelta(days=days))
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
        daily = [raw_key(e) for e in supported(settings, name, [e for e in ENDPOINTS if e.kind == "daily"])]
        if daily:
            runs.append(_execute(nightly, dagster_instance, daily, {**range_tags(start, end, name),
                                                                    "dialsync/schedule": "demo"}, "nightly", name))
        snaps = [raw_key(e) for e in supported(settings, name, [e for e in ENDPOINTS if e.kind == "snapshot"])]
        if snaps and end == local_today(inst):
            runs.append(_execute(snapshots, dagster_instance, snaps, {INSTANCE_TAG: name, "dialsync/schedule": "demo"},
                                 "snapshots", name, partition_key=name))
    dbt_keys = sorted(dbt_job.asset_layer.executable_asset_keys, key=lambda k: k.to_user_string())
    window = {START_TAG: first.isoformat(), END_TAG: last.isoformat()} if first and last else {}
    runs.append(_execute(dbt_job, dagster_instance, dbt_keys, {**window, "dialsync/schedule": "demo"},
                         "dbt_build", None))
    published = settings.duckdb_path.absolute()
    return DemoResult(all(r.success for r in runs) and published.exists(), published, runs, first, last)
