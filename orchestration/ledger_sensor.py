"""One record of what is loaded: partitions synced outside Dagster become Dagster materializations.

The sync ledger is the truth (`dialsync status` reads it). A `dialsync sync` from the CLI fills
the lake and the ledger but no Dagster run sees it, so the UI would show those partitions as
missing and "materialize missing" would pull them all again. This sensor reads ledger rows that
finished since its cursor and reports a materialization (runless, with the ledger's numbers) for
every successful partition Dagster has not recorded since that row finished.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from dagster import (
    AssetMaterialization,
    AssetRecordsFilter,
    DefaultSensorStatus,
    Definitions,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from dialsync.settings import Settings
from extract.registry import BY_NAME
from orchestration import checks
from orchestration.partitions import daily_key
from orchestration.resources import WarehouseResource
from warehouse.ledger import LedgerRow

SOURCE = "dialsync sync (outside Dagster)"
LOOKBACK_S = 300.0


def _ts(iso: str | None) -> float:
    return datetime.fromisoformat(iso).timestamp() if iso else 0.0


def _partition(row: LedgerRow, settings: Settings) -> str | None:
    """The Dagster partition key of a ledger row, or None when Dagster's partitions don't hold it."""
    ep = BY_NAME.get(row.endpoint)
    if ep is None or row.instance not in settings.instances:
        return None
    if ep.kind == "snapshot":
        return row.instance
    day = date.fromisoformat(row.partition_date)
    if day < settings.start_date:
        return None
    return str(daily_key(day, row.instance))


def pending_events(context: SensorEvaluationContext, settings: Settings, rows: list[LedgerRow],
                   after: float) -> tuple[list[AssetMaterialization], float]:
    """Materializations for successful rows finished after ``after`` that Dagster lacks; new cursor."""
    # rows written by another process while the last tick ran may carry a slightly older
    # finished_at than its cursor: look back; the check against Dagster's records dedupes
    fresh = [r for r in rows if r.status == "success" and _ts(r.finished_at) > after - LOOKBACK_S]
    if not fresh:
        return [], after
    by_asset: dict[str, list[tuple[str, LedgerRow]]] = defaultdict(list)
    for r in fresh:
        key = _partition(r, settings)
        if key is not None:
            by_asset[r.endpoint].append((key, r))
    events: list[AssetMaterialization] = []
    for endpoint, items in by_asset.items():
        asset_key = checks.raw_key(BY_NAME[endpoint])
        since = min(_ts(r.finished_at) for _, r in items)
        recorded: dict[str, float] = {}
        records = context.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=asset_key, asset_partitions=[k for k, _ in items],
                               after_timestamp=since - 1.0), limit=len(items) * 4 + 10)
        for rec in records.records:
            pk = rec.partition_key
            if pk is not None:
                recorded[pk] = max(recorded.get(pk, 0.0), rec.timestamp)
        for key, r in items:
            if recorded.get(key, 0.0) >= _ts(r.finished_at):
                continue  # a Dagster run materialized it (its event follows the ledger write)
            events.append(AssetMaterialization(
                asset_key=asset_key, partition=key,
                description=f"loaded by {SOURCE}",
                metadata={"rows": r.rows or 0, "bytes": r.bytes or 0, "requests": r.requests or 0,
                          "checksum": r.checksum or "", "finished_at": r.finished_at or "",
                          "source": SOURCE}))
    return events, max(after, *(_ts(r.finished_at) for r in fresh))


def defs(settings: Settings) -> Definitions:
    """The ledger sensor: runs with the Dagster daemon (`dialsync ui` / `dg dev`) every 30 s;
    stopped only when no instance is configured."""
    status = DefaultSensorStatus.RUNNING if settings.instances else DefaultSensorStatus.STOPPED

    @sensor(name="ledger_to_dagster", minimum_interval_seconds=30, default_status=status,
            description="Partitions loaded by `dialsync sync` outside Dagster, recorded as materializations.")
    def ledger_to_dagster(context: SensorEvaluationContext, warehouse: WarehouseResource) -> SensorResult | SkipReason:
        after = float(context.cursor) if context.cursor else 0.0
        events, cursor = pending_events(context, settings, warehouse.ledger.rows(), after)
        if not events:
            return SensorResult(skip_reason="nothing loaded outside Dagster since the last tick",
                                cursor=str(cursor))
        return SensorResult(asset_events=events, cursor=str(cursor))

    return Definitions(sensors=[ledger_to_dagster])
