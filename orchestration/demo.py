"""`dialsync demo` through Dagster: the graph the schedules run, materialized in-process.

Per instance: the daily raw assets for the last `days` days plus today's partial day (what
the nightly and intraday schedules load), then the snapshot endpoints for today, then one
dbt build that publishes the warehouse. Runs go to an ephemeral Dagster instance unless one
is given (e.g. `DagsterInstance.get()` to see them in the UI later).
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from dagster import AssetKey, DagsterInstance, Definitions, JobDefinition

from dialsync.service.sync import local_today
from dialsync.settings import Settings
from extract.registry import ENDPOINTS
from orchestration.checks import raw_key
from orchestration.dbt import prepare_manifest
from orchestration.factory import build_defs
from orchestration.partitions import END_TAG, INSTANCE_TAG, START_TAG, range_tags
from orchestration.schedules import supported


@dataclass
class DemoRun:
    job: str
    instance: str | None
    success: bool
    run_id: str
    failed_steps: list[str] = field(default_factory=list)
    seconds: float = 0.0


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
    t0 = time.perf_counter()
    res = job.execute_in_process(instance=instance, asset_selection=selection, tags=tags,
                                 partition_key=partition_key, raise_on_error=False,
                                 run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    failed = [e.step_key for e in res.all_events if e.event_type_value == "STEP_FAILURE" and e.step_key]
    return DemoRun(label, inst_name, res.success, res.run_id, failed, time.perf_counter() - t0)


def materialize_demo(settings: Settings, days: int, today: date, *, instance: DagsterInstance | None = None,
                     defs: Definitions | None = None, manifest_root: Path | None = None) -> DemoResult:
    """Load `days` full days + today for every instance, today's snapshots, then build and publish.

    Without ``defs``, the raw runs use the definitions without dbt while `dbt parse` prepares the
    manifest beside them (a subprocess: one core's work while the sync uses the other); the dbt
    run uses the full definitions, by then read from that cached manifest.
    """
    dagster_instance = instance or DagsterInstance.ephemeral()
    windows: dict[str, tuple[date, date]] = {}
    for name, inst in settings.instances.items():
        end = min(today, local_today(inst))
        windows[name] = (max(settings.start_date, end - timedelta(days=days)), end)
    first = min((w[0] for w in windows.values()), default=None)
    last = max((w[1] for w in windows.values()), default=None)
    window = {START_TAG: first.isoformat(), END_TAG: last.isoformat()} if first and last else {}
    runs: list[DemoRun] = []
    with ThreadPoolExecutor(1, thread_name_prefix="dbt-parse") as pool:
        ahead = None
        if defs is None:
            ahead = pool.submit(prepare_manifest, settings, root=manifest_root)
        raw_defs = defs or build_defs(settings, with_dbt=False)
        nightly, snapshots = (raw_defs.resolve_job_def(n) for n in ("nightly", "snapshots"))
        for name, inst in settings.instances.items():
            start, end = windows[name]
            daily = [raw_key(e) for e in supported(settings, name, [e for e in ENDPOINTS if e.kind == "daily"])]
            if daily:
                runs.append(_execute(nightly, dagster_instance, daily, {**range_tags(start, end, name),
                                                                        "dialsync/schedule": "demo"}, "nightly", name))
            snaps = [raw_key(e) for e in supported(settings, name, [e for e in ENDPOINTS if e.kind == "snapshot"])]
            if snaps and end == local_today(inst):
                runs.append(_execute(snapshots, dagster_instance, snaps,
                                     {INSTANCE_TAG: name, "dialsync/schedule": "demo"},
                                     "snapshots", name, partition_key=name))
        if ahead is not None:
            ahead.result()
    dbt_job = (defs or build_defs(settings, manifest_root=manifest_root)).resolve_job_def("dbt_build")
    dbt_keys = sorted(dbt_job.asset_layer.executable_asset_keys, key=lambda k: k.to_user_string())
    runs.append(_execute(dbt_job, dagster_instance, dbt_keys, {**window, "dialsync/schedule": "demo"},
                         "dbt_build", None))
    published = settings.duckdb_path.absolute()
    return DemoResult(all(r.success for r in runs) and published.exists(), published, runs, first, last)
