"""What the CLI commands do, without the CLI: sync a range, publish the warehouse, status.

Dagster assets call the same functions, so a CLI run and a scheduled run behave alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from dialsync.service.sync import PartitionSync, SyncResult, local_today, sync_range
from dialsync.settings import InstanceSettings, Settings
from extract.breaker import AuthBreaker
from extract.client import DialerClient
from extract.errors import CircuitOpenError, TimezoneMismatchError
from extract.preflight import check_timezone
from extract.registry import ENDPOINTS, Endpoint, endpoint, ordered
from extract.typing import raw_schemas
from warehouse import catalog
from warehouse.auth_state import AuthStateStore
from warehouse.dbt import BATCH_DAYS, PRODUCTION_BUILD, batched
from warehouse.lake import Lake
from warehouse.ledger import SyncLedger
from warehouse.throttle_state import SharedThrottle

log = logging.getLogger(__name__)


def lake(settings: Settings) -> Lake:
    return Lake(settings.lake_dir)


def ledger(settings: Settings) -> SyncLedger:
    return SyncLedger(settings.state_dir / "sync_ledger.sqlite")


def auth_state(settings: Settings) -> AuthStateStore:
    """Where auth-circuit trips persist, so CLI runs, Dagster steps and runs see one another's."""
    return AuthStateStore(settings.state_dir / "auth")


#: The longest range a command accepts (ten years): a typo like 0202-01-01 is refused, not run.
MAX_SPAN_DAYS = 3660


class RangeError(ValueError):
    """A date range the command refuses before any request (message names the option and rule)."""


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise RangeError(f"--from {start} is after --to {end}")
    span = (end - start).days + 1
    if span > MAX_SPAN_DAYS:
        raise RangeError(f"--from {start} --to {end} spans {span} days; the maximum is {MAX_SPAN_DAYS} "
                         "(split the range)")
    return [start + timedelta(days=i) for i in range(span)]


def check_sync_range(settings: Settings, start: date, end: date, instances: list[str] | None = None, *,
                     before_start: bool = False, now: datetime | None = None) -> None:
    """Refuse a sync range before any request: from ≤ to, at most MAX_SPAN_DAYS, `--to` not past
    tomorrow and `--from` not in the future in each instance's zone, and not before the
    instance's `start_date` (or the global one) unless ``before_start``."""
    days_between(start, end)
    for name in instances or list(settings.instances):
        inst = settings.instance(name)
        today = local_today(inst, now)
        where = f"in instance {name}'s zone {inst.timezone} (today there is {today})"
        if start > today:
            raise RangeError(f"--from {start} is in the future {where}: nothing to sync")
        if end > today + timedelta(days=1):
            raise RangeError(f"--to {end} is past tomorrow {where}")
        first = inst.start_date or settings.start_date
        if start < first and not before_start:
            raise RangeError(f"--from {start} is before start_date {first} of instance {name}; "
                             "pass --before-start to pull it anyway")


def circuit_states(settings: Settings) -> dict[str, str]:
    """Per configured instance: `closed`, or `open since <time>: <reason>` for its current
    credentials (a trip recorded for other credentials is shown as clearing on next use)."""
    store = auth_state(settings)
    records = store.records()
    out: dict[str, str] = {}
    for name, inst in settings.instances.items():
        rec = records.get(name)
        if rec is None:
            out[name] = "closed"
            continue
        try:
            user, password = inst.credentials()
        except Exception:  # credentials unset: the trip cannot be matched
            out[name] = f"open since {rec.get('tripped_at')} (credentials not set): {rec.get('reason')}"
            continue
        breaker = AuthBreaker(name, user=user, password=password.get_secret_value(), server=inst.base_url,
                              store=store)
        if rec.get("fingerprint") == breaker.fingerprint:
            out[name] = f"open since {rec.get('tripped_at')}: {rec.get('reason')}"
        else:
            out[name] = "closed (a trip for earlier credentials clears on the next request)"
    return out


def reset_circuit(settings: Settings, instance: str | None = None) -> dict[str, bool]:
    """Close the auth circuit of one instance (or all); returns which were open."""
    if instance:
        settings.instance(instance)  # an unknown name is an error, not a silent no-op
    store = auth_state(settings)
    return {n: store.clear(n) for n in ([instance] if instance else list(settings.instances))}


def preflight(ps: PartitionSync) -> str:
    """Before an instance's first report request: circuit closed, server zone = configured zone.

    Raises `CircuitOpenError` or `TimezoneMismatchError`; returns the time-zone note."""
    ps.client.breaker.check(instance=ps.name)
    return check_timezone(ps.client, ps.inst.timezone)


def select_endpoints(names: list[str] | None, *, kinds: tuple[str, ...] = ("daily", "snapshot")) -> list[Endpoint]:
    eps = [endpoint(n) for n in names] if names else [e for e in ENDPOINTS if e.kind in kinds]
    return ordered(eps)


def offered(inst: InstanceSettings, eps: list[Endpoint], *, named: bool) -> list[Endpoint]:
    """What a run syncs on ``inst`` of ``eps``: named on the command line (-e), every one the
    instance offers; otherwise those default runs sync (opt-in ones only in `extra_endpoints`)."""
    return [e for e in eps if (inst.offers(e) if named else inst.runs(e))]


def opt_in_off(inst: InstanceSettings) -> list[str]:
    """Opt-in endpoints the instance offers but does not sync by default (not in `extra_endpoints`)."""
    return [e.name for e in ENDPOINTS if inst.offers(e) and not inst.runs(e)]


def throttle(settings: Settings, instance: str) -> SharedThrottle:
    """The instance's rate and connection slots, shared by every sync of this data dir (CLI, steps, runs)."""
    inst = settings.instance(instance)
    return SharedThrottle.for_instance(settings.state_dir, instance, inst.requests_per_second, inst.max_concurrency)


def partition_sync(settings: Settings, instance: str, now: Callable[[], datetime] | None = None) -> PartitionSync:
    inst = settings.instance(instance)
    client = DialerClient.from_settings(instance, inst, breaker_store=auth_state(settings),
                                        throttle=throttle(settings, instance))
    return PartitionSync(instance, inst, client, lake(settings), ledger(settings), now=now)


def sync(settings: Settings, start: date, end: date, *, endpoints: list[str] | None = None,
         instances: list[str] | None = None,
         on_result: Callable[[SyncResult | Exception, Endpoint | None, date], None] | None = None,
         now: Callable[[], datetime] | None = None) -> list[SyncResult]:
    """Sync every selected endpoint × instance × day. Snapshot endpoints only for today; a
    range of past days takes today's dimension snapshots when the lake lacks them
    (`backfill_dimensions`), their results saying so in ``message``.

    Each instance is checked first (`preflight`); an open auth circuit, before or during its
    partitions, stops that instance with one failed result (endpoint `*`) carrying the
    circuit's message, and the next instance goes on. ``now`` fixes the clock (tests, and a
    dialer whose clock is known to be off)."""
    results: list[SyncResult] = []
    days = days_between(start, end)
    for name in instances or list(settings.instances):
        ps = partition_sync(settings, name, now)
        try:
            _sync_instance(ps, start, end, days, endpoints, on_result, now, results)
        except (CircuitOpenError, TimezoneMismatchError) as exc:
            results.append(SyncResult(name, "*", "-", "failed", message=str(exc)))
            if on_result:
                on_result(exc, None, start)
        finally:
            ps.client.close()
    return results


def _sync_instance(ps: PartitionSync, start: date, end: date, days: list[date], endpoints: list[str] | None,
                   on_result: Callable[[SyncResult | Exception, Endpoint | None, date], None] | None,
                   now: Callable[[], datetime] | None, results: list[SyncResult]) -> None:
    """Appends to ``results`` as it goes, so partitions done before a circuit opens are kept."""
    name = ps.name
    log.info("%s", preflight(ps))
    today = local_today(ps.inst, now() if now else None)
    chosen = select_endpoints(endpoints)
    supported = offered(ps.inst, chosen, named=bool(endpoints))
    for e in chosen:
        if not ps.inst.offers(e):
            results.append(SyncResult(name, e.name, "-", "skipped",
                                      message=f"{e.name}: not offered by {ps.inst.platform}"))
    daily = [e for e in supported if e.kind == "daily"]
    snaps = [e for e in supported if e.kind == "snapshot"]
    results += sync_range(ps, daily, [d for d in days if d <= today], on_result, parallel_days=ps.inst.parallel_days)
    ps.client.breaker.check(instance=name)
    if snaps and start <= today <= end:
        results += sync_range(ps, snaps, [today], on_result)
    elif dims := backfill_dimensions(ps.lake, name, snaps, end):
        got = sync_range(ps, dims, [today], on_result)
        note = (f"dimension snapshot of {today}, taken to map {start} … {end} "
                f"(the lake had none on or after {end})")
        for r in got:
            if r.status == "success":
                r.message = note
        log.info("%s: %s: %s", name, note, ", ".join(e.name for e in dims))
        results += got
    ps.client.breaker.check(instance=name)


def backfill_dimensions(lake_: Lake, instance: str, snaps: list[Endpoint], end: date) -> list[Endpoint]:
    """The dimension snapshots a sync of past days (ending ``end``) takes today, once per run.

    A dialer keeps no history of its users, campaigns or lists: the only snapshot there is is
    today's. It is taken when the lake has none dated on or after the range's last day, since
    only such a snapshot knows every id the range's facts can name (an older one misses the
    campaigns and lists created since, which then map by name or pass for in-groups); when
    one exists the dialer is not asked again. ``snaps`` are the run's selected snapshot
    endpoints (an explicit ``-e`` list without dimensions takes none)."""
    return [e for e in snaps if e.dimension
            and not any(d >= end for d in lake_.days(e.tables[0], instance))]


def ops_tables(settings: Settings) -> dict[str, pa.Table]:
    """Operational tables published into the warehouse (schema `ops`) for analysts and BI."""
    from warehouse.writeback_ledger import WritebackLedger

    tables = {"sync_ledger": ledger(settings).to_arrow(), "status_overrides": status_overrides(settings)}
    with WritebackLedger.for_state_dir(settings.state_dir) as wb:
        tables["writeback_ledger"] = wb.to_arrow()
    return tables


STATUS_OVERRIDES_SCHEMA = pa.schema([
    ("instance", pa.string()), ("campaign", pa.string()), ("status", pa.string()), ("status_name", pa.string()),
    ("status_category", pa.string()), ("is_human_answered", pa.bool_()), ("is_contact", pa.bool_()),
    ("is_sale", pa.bool_()), ("is_drop", pa.bool_())])


def status_overrides(settings: Settings) -> pa.Table:
    """`ops.status_overrides`: the configured status flags (campaign NULL = every campaign of the
    instance); dbt merges them over the status_categories seed. A NULL flag keeps the seed's."""
    rows = []
    for name, inst in settings.instances.items():
        scoped = [(None, inst.statuses), *((c, st) for c, st in inst.campaign_statuses.items())]
        for campaign, statuses in scoped:
            for code, f in statuses.items():
                rows.append({"instance": name, "campaign": campaign, "status": code.strip().upper(),
                             "status_name": f.name, "status_category": f.category,
                             "is_human_answered": f.human_answered, "is_contact": f.contact,
                             "is_sale": f.sale, "is_drop": f.drop})
    return pa.Table.from_pylist(rows, schema=STATUS_OVERRIDES_SCHEMA)


@dataclass
class PublishResult:
    path: Path
    views: dict[str, str]


def publish(settings: Settings, *, dbt_command: list[str] | None = PRODUCTION_BUILD,  # type: ignore[assignment]
            dbt_vars: dict | None = None, batch_days: int = BATCH_DAYS) -> PublishResult:
    """Refresh raw views + ops tables, run dbt (a long window in batches: `warehouse.dbt.batched`),
    and atomically publish the DuckDB file."""
    from warehouse.dbt import run_dbt

    work = settings.data_dir / ".build"
    with catalog.building(settings.duckdb_path) as build:
        views = catalog.prepare(build, lake(settings), ops_tables(settings), raw_schemas())
        if dbt_command:
            for command, vars_ in batched(dbt_command, dbt_vars, ledger(settings).day_span(), batch_days):
                run_dbt(command, build, work, vars_)
    return PublishResult(settings.duckdb_path.absolute(), views)


def status_table(settings: Settings, start: date, end: date, instances: list[str] | None = None) -> pa.Table:
    """Per instance × endpoint × day: loaded | stale | failed | blocked | interrupted | missing | running.

    blocked: not pulled because a key source did not complete (error says which);
    interrupted: a `running` row whose process died (the ledger tells on read)."""
    rows = {(r.instance, r.endpoint, r.partition_date): r for r in ledger(settings).rows()}
    out: list[dict] = []
    days = days_between(start, end)
    for name in instances or list(settings.instances):
        inst = settings.instance(name)
        today = local_today(inst)
        for e in ENDPOINTS:
            if not inst.offers(e):
                continue
            optional = not inst.runs(e)  # opt-in and not enabled: shown only where it was pulled
            for d in days:
                if d > today or ((e.kind == "snapshot" or optional) and (name, e.name, d.isoformat()) not in rows):
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


def unclassified_statuses(settings: Settings, instances: list[str] | None = None) -> list[dict]:
    """Statuses of the published warehouse that no one classified (bi.unclassified_statuses), most calls
    first; empty before the first publish. `dialsync status` prints them."""
    import duckdb

    if not settings.duckdb_path.exists():
        return []
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        found = con.execute("select 1 from information_schema.tables "
                            "where table_schema = 'bi' and table_name = 'unclassified_statuses'").fetchall()
        if not found:
            return []
        rel = con.sql("select instance, status_code, calls, first_seen_date, last_seen_date, campaigns "
                      "from bi.unclassified_statuses order by calls desc, instance, status_code")
        rows = [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
    finally:
        con.close()
    return [r for r in rows if not instances or r["instance"] in instances]
