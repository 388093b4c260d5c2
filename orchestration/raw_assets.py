"""One Dagster asset per declared endpoint, generated (adding an endpoint = a declaration).

An asset run syncs every (instance, day) partition key of the run through the service layer's
one partition loop (`dialsync.service.sync.sync_range`, the CLI's too: days in parallel per the
instance's `parallel_days`), which writes the Parquet lake and the sync ledger only. A day
that fails (or is blocked: "upstream X failed for <day>", its fan-out keys untrustworthy)
leaves its previous copy in place and fails the step, naming why, after the other days were
tried; a re-execution of that run does not pull again the days its parent run already
loaded, so a retry costs only what failed.
"""


from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetMaterialization,
    AssetsDefinition,
    BackfillPolicy,
    Definitions,
    Failure,
    MaterializeResult,
    MultiPartitionsDefinition,
    MultiToSingleDimensionPartitionMapping,
    StaticPartitionsDefinition,
    asset,
)

from dialsync.service.sync import SyncResult, local_today, sync_range
from dialsync.settings import Settings
from extract.registry import ENDPOINTS, TABLES, Endpoint
from orchestration import checks
from orchestration.checks import raw_key
from orchestration.partitions import INSTANCE, daily_key, daily_partitions, instance_partitions, split_key
from orchestration.resources import DialerResource, WarehouseResource

GROUP = "raw"
#: Partitions per run when Dagster splits a backfill (BackfillPolicy.multi_run: Dagster holds the
#: dimension with fewer keys in the backfill fixed, so a range of days gives runs of 14 days of one
#: instance; a one-day backfill of several instances, one run over them). A run per day paid a run's
#: and each step's process start-up 365 times a year (the year's Dagster backfill: bench/year.py);
#: two weeks a run syncs its days in parallel like the CLI, and a day that fails is still exactly
#: one failed partition: the step reports the days it loaded as materialized before failing, so
#: "re-execute failed" pulls only the failed days again.
BACKFILL_DAYS_PER_RUN = 14
#: Global Dagster concurrency pool of steps that talk to a dialer (dagster.yaml `concurrency.pools`).
POOL = "dialer"


def upstream(ep: Endpoint) -> list[Endpoint]:
    """Endpoints owning the tables `ep` reads to plan its fan-out."""
    seen: dict[str, Endpoint] = {}
    for t in ep.needs:
        owner = TABLES.get(t)
        if owner is not None and owner.name != ep.name:
            seen[owner.name] = owner
    return list(seen.values())


def _deps(ep: Endpoint) -> list[AssetDep]:
    out = []
    for dep in upstream(ep):
        if ep.kind == "snapshot" and dep.kind == "daily":  # e.g. list_info reads the latest CDR day
            out.append(AssetDep(raw_key(dep),
                                partition_mapping=MultiToSingleDimensionPartitionMapping(partition_dimension_name=INSTANCE)))
        else:
            out.append(AssetDep(raw_key(dep)))
    return out


def _already_loaded_by_parent(context: AssetExecutionContext, warehouse: WarehouseResource, ep: Endpoint,
                              instance: str, day: date) -> bool:
    """On a re-execution, was this partition loaded successfully since the parent run started?"""
    parent_id = context.run.parent_run_id
    if not parent_id:
        return False
    record = context.instance.get_run_record_by_id(parent_id)
    started = record.start_time if record is not None else None
    if started is None:
        return False
    row = warehouse.ledger.get(instance, ep.name, day.isoformat())
    if row is None or row.status != "success" or not row.finished_at:
        return False
    return datetime.fromisoformat(row.finished_at) >= datetime.fromtimestamp(started, UTC)


def build_raw_asset(ep: Endpoint, settings: Settings, daily: MultiPartitionsDefinition,
                    by_instance: StaticPartitionsDefinition) -> AssetsDefinition:
    partitions_def = daily if ep.kind == "daily" else by_instance
    tables = ", ".join(f"raw.{t}" for t in ep.tables)
    description = (f"{ep.description}\n\nEndpoint `{ep.name}` ({ep.surface} `{ep.action}`, {ep.kind}); "
                   f"writes {tables}; platforms: {', '.join(sorted(ep.platforms))}.")

    @asset(
        name=ep.name,
        key_prefix=["raw"],
        group_name=GROUP,
        description=description,
        partitions_def=partitions_def,
        deps=_deps(ep),
        check_specs=checks.check_specs(ep),
        backfill_policy=BackfillPolicy.multi_run(BACKFILL_DAYS_PER_RUN) if ep.kind == "daily" else None,
        kinds={"parquet"},
        pool=POOL,
        tags={"dialsync/kind": ep.kind, **({"dialsync/restate": "true"} if ep.restate else {})},
        metadata={"tables": list(ep.tables), "restate": ep.restate},
    )
    def _raw(context: AssetExecutionContext, dialer: DialerResource, warehouse: WarehouseResource) -> MaterializeResult:
        s = dialer.settings
        wanted: dict[str, list[date | None]] = defaultdict(list)
        for key in context.partition_keys:
            inst, day = split_key(key)
            wanted[inst].append(day)
        written: list[checks.Written] = []
        failures: dict[str, str] = {}
        skipped: dict[str, str] = {}
        resumed: list[str] = []
        requests: list[int] = []
        for name, days in wanted.items():
            inst = s.instance(name)
            if not inst.offers(ep):
                skipped[name] = f"not offered by platform {inst.platform} (surfaces {list(inst.surfaces)})"
                context.log.info(f"{ep.name}: skipping instance {name}: {skipped[name]}")
                continue
            if not inst.runs(ep):  # a job launched by hand selects every asset: opt-in stays opt-in
                skipped[name] = (f"opt-in on {inst.platform} (no mart there reads it): add it to "
                                 f"[instances.{name}] extra_endpoints to sync it")
                context.log.info(f"{ep.name}: skipping instance {name}: {skipped[name]}")
                continue
            todo = []
            for day in sorted({local_today(inst) if d is None else d for d in days}):
                if _already_loaded_by_parent(context, warehouse, ep, name, day):
                    resumed.append(f"{name}/{day}")
                else:
                    todo.append(day)
            before = {d: warehouse.ledger.get(name, ep.name, d.isoformat()) for d in todo}
            done: set[date] = set()

            def on_result(r: SyncResult | Exception, _ep: Endpoint, day: date, name: str = name,
                          done: set[date] = done, before: dict = before) -> None:
                done.add(day)
                if isinstance(r, Exception):  # recorded in the ledger; other days still run
                    failures[f"{name}/{day}"] = f"{type(r).__name__}: {r}"
                    context.log.error(f"{ep.name} {name}/{day} failed: {type(r).__name__}: {r}")
                    return
                requests.append(r.requests)
                written.append(checks.Written(r, before[day]))
                context.log.info(f"{ep.name} {name}/{day}: {r.rows} in {r.requests} request(s)")

            ps = dialer.partition_sync(name, warehouse)  # its first sync cleans crash leftovers
            try:  # the one partition loop there is (the CLI's too): days in parallel per the instance
                sync_range(ps, [ep], todo, on_result, parallel_days=inst.parallel_days)
            finally:
                ps.client.close()
            for day in todo:  # an auth circuit that opened stops the loop: the rest were never asked
                if day not in done:
                    failures[f"{name}/{day}"] = "not asked: the instance's auth circuit is open"
        rows: dict[str, int] = defaultdict(int)
        for w in written:
            for t, n in w.result.rows.items():
                rows[t] += n
        metadata = {
            **{f"rows/{t}": n for t, n in rows.items()},
            "rows": sum(rows.values()),
            "bytes": sum(w.result.bytes for w in written),
            "requests": sum(requests),
            "partitions_loaded": len(written),
            "drift": {f"{w.result.instance}/{w.result.partition}": w.result.drift for w in written if w.result.drift},
        }
        if skipped:
            metadata["skipped_instances"] = skipped
        if resumed:
            metadata["already_loaded_by_parent_run"] = resumed
        if failures:
            # the partitions this run did load stay materialized in Dagster (a multi-day run's
            # failure would otherwise mark every day of it failed, and a retry pull them again)
            loaded = [(w.result.instance, w.result.partition) for w in written]
            loaded += [tuple(r.split("/", 1)) for r in resumed]
            for inst_name, part in loaded:
                key = daily_key(date.fromisoformat(part), inst_name) if ep.kind == "daily" else inst_name
                context.log_event(AssetMaterialization(asset_key=context.asset_key, partition=str(key),
                                                       metadata={"loaded_before_the_step_failed": True}))
            shown = "; ".join(f"{k}: {v}" for k, v in list(failures.items())[:3])
            raise Failure(
                description=f"{ep.name}: {len(failures)} of {len(written) + len(failures)} partition(s) failed "
                            f"({shown}{'; ...' if len(failures) > 3 else ''}); their previous copies are kept. "
                            "Re-execute the run to retry only those.",
                metadata={"failed": failures, **{k: v for k, v in metadata.items() if k != "drift"}},
            )
        return MaterializeResult(metadata=metadata, check_results=checks.results_for(ep, written, warehouse.lake, s))

    return _raw


def defs(settings: Settings, endpoints: Sequence[Endpoint] = ENDPOINTS) -> Definitions:
    """The raw slice: one asset per registry endpoint (daily ones by date × instance, snapshots by instance)."""
    daily, by_instance = daily_partitions(settings), instance_partitions(settings)
    return Definitions(assets=[build_raw_asset(ep, settings, daily, by_instance) for ep in endpoints])
