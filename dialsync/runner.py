"""What the CLI commands do, without the CLI: sync a range, publish the warehouse, status.

Dagster assets call the same functions, so a CLI run and a scheduled run behave alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from dialsync.settings import Settings
from extract.client import DialerClient
from extract.registry import ENDPOINTS, Endpoint, endpoint, ordered
from extract.sync import PartitionSync, SyncResult, local_today, sync_range
from warehouse import catalog
from warehouse.lake import Lake
from warehouse.ledger import SyncLedger


def lake(settings: Settings) -> Lake:
    return Lake(settings.lake_dir)


def ledger(settings: Settings) -> SyncLedger:
    return SyncLedger(settings.state_dir / "sync_ledger.sqlite")


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"--to ({end}) is before --from ({start})")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def select_endpoints(names: list[str] | None, *, kinds: tuple[str, ...] = ("daily", "snapshot")) -> list[Endpoint]:
    eps = [endpoint(n) for n in names] if names else [e for e in ENDPOINTS if e.kind in kinds]
    return ordered(eps)


def partition_sync(settings: Settings, instance: str, now: Callable[[], datetime] | None = None) -> PartitionSync:
    inst = settings.instance(instance)
    client = DialerClient.from_settings(instance, inst)
    return PartitionSync(instance, inst, client, lake(settings), ledger(settings), now=now)


def sync(settings: Settings, start: date, end: date, *, endpoints: list[str] | None = None,
         instances: list[str] | None = None,
         on_result: Callable[[SyncResult | Exception, Endpoint, date], None] | None = None,
         now: Callable[[], datetime] | None = None) -> list[SyncResult]:
    """Sync every selected endpoint × instance × day. Snapshot endpoints only for today.

    ``now`` fixes the clock (tests, and a dialer whose clock is known to be off)."""
    results: list[SyncResult] = []
    days = days_between(start, end)
    for name in instances or list(settings.instances):
        ps = partition_sync(settings, name, now)
        try:
            today = local_today(ps.inst, now() if now else None)
            chosen = select_endpoints(endpoints)
            supported = [e for e in chosen if e.supported_on(ps.inst.platform, ps.inst.surfaces)]
            for e in chosen:
                if e not in supported:
                    results.append(SyncResult(name, e.name, "-", "skipped",
                                              message=f"{e.name}: not offered by {ps.inst.platform}"))
            daily = [e for e in supported if e.kind == "daily"]
            snaps = [e for e in supported if e.kind == "snapshot"]
            results += sync_range(ps, daily, [d for d in days if d <= today], on_result)
            if snaps and start <= today <= end:
                results += sync_range(ps, snaps, [today], on_result)
        finally:
            ps.client.close()
    return results


def ops_tables(settings: Settings) -> dict[str, pa.Table]:
    """Operational tables published into the warehouse (schema `ops`) for analysts and BI."""
    from warehouse.writeback_ledger import WritebackLedger

    tables = {"sync_ledger": ledger(settings).to_arrow()}
    with WritebackLedger.for_state_dir(settings.state_dir) as wb:
        tables["writeback_ledger"] = wb.to_arrow()
    return tables


@dataclass
class PublishResult:
    path: Path
    views: dict[str, str]


def publish(settings: Settings, *, dbt_command: list[str] | None = ("build",),  # type: ignore[assignment]
            dbt_vars: dict | None = None) -> PublishResult:
    """Refresh raw views + ops tables, run dbt, and atomically publish the DuckDB file."""
    from warehouse.dbt import run_dbt

    work = settings.data_dir / ".build"
    with catalog.building(settings.duckdb_path) as build:
        views = catalog.prepare(build, lake(settings), ops_tables(settings))
        if dbt_command:
            run_dbt(list(dbt_command), build, work, dbt_vars)
    return PublishResult(settings.duckdb_path.absolute(), views)


def status_table(settings: Settings, start: date, end: date, instances: list[str] | None = None) -> pa.Table:
    """Per instance × endpoint × day: loaded | stale | failed | missing | running."""
    rows = {(r.instance, r.endpoint, r.partition_date): r for r in ledger(settings).rows()}
    out: list[dict] = []
    days = days_between(start, end)
    for name in instances or list(settings.instances):
        inst = settings.instance(name)
        today = local_today(inst)
        for e in ENDPOINTS:
            if not e.supported_on(inst.platform, inst.surfaces):
                continue
            for d in days:
                if d > today or (e.kind == "snapshot" and (name, e.name, d.isoformat()) not in rows):
                    continue
                r = rows.get((name, e.name, d.isoformat()))
                if r is None:
                    state = "missing"
                elif r.status == "success":
                    extracted = date.fromisoformat((r.extracted_at or r.started_at)[:10])
                    # a CDR day pulled before it ended (or within the restatement window) may still change
                    state = "stale" if e.restate and extracted <= d else "loaded"
                else:
                    state = r.status
                out.append({"instance": name, "endpoint": e.name, "date": d.isoformat(), "state": state,
                            "rows": r.rows if r else None, "error": r.error if r else None})
    return pa.Table.from_pylist(out, schema=pa.schema([
        ("instance", pa.string()), ("endpoint", pa.string()), ("date", pa.string()), ("state", pa.string()),
        ("rows", pa.int64()), ("error", pa.string())]))
