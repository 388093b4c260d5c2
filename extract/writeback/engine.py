"""Exactly-once write-back: validate, diff against the ledger, send, record.

(Past 500 lines on purpose: the phases of one instance's run share its ledger state, report and
client, and read best in order; the rules they apply live in `fields`, `guard` and `csvsafe`.)

Why each step exists:
- validate first (columnar, `fields.py`): the server cleans bad input instead of refusing
  it, so an invalid row is recorded with its reason and never sent;
- diff on (instance, operation, row_key) + payload hash: a row already applied (or
  permanently rejected) with the same payload is not sent again, so re-running is free;
- `pending` is written to the ledger *before* each send and replaced by the outcome after
  it. A row still `pending` later means its answer was lost (timeout, reset, 5xx, crash,
  kill): the dialer may have applied it. Before such an add_lead is sent again the engine
  looks it up (update_lead search + no_update=Y) and records it as applied if the lead is
  there; the re-send itself carries duplicate_check=DUPLIST as a second guard. add_list is
  checked with list_info. Updates set fields, so re-sending them is safe;
- destructive changes (deactivate, reset, delete: `destructive_changes`) are capped per run at
  `Settings.writeback_max_destructive_share` of the instance's lists or leads (latest list_info
  snapshot) and an update_list that reverses another row's change of the last 24 h is refused, unless
  the run is told (`allow_destructive`): a wrong model must not switch a call center off. The dry
  run shows each of them as `field: before → after` (`_before_<field>` / `_after_<field>` columns);
- writes go through `DialerClient.call(..., retry=False)` at
  `Settings.writeback_requests_per_second`, at most `max_concurrency` at a time per instance,
  and one write-back run per instance at a time (a lock file), because two runs racing on
  the same pending row could both re-send it.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable

from dialsync.settings import InstanceSettings, Settings
from extract.client import DialerClient, RawResponse
from extract.errors import AuthError, DialerError, PermissionDeniedError
from extract.writeback import responses as R
from extract.writeback.csvsafe import ledger_csv, spreadsheet_safe
from extract.writeback.fields import LEAD_DATA, ROW_NUMBER, Rejection, SchemaError, preview, validate_table
from extract.writeback.guard import REVERSAL_WINDOW, cap, destructive_changes, format_diff, reverses, row_diff
from extract.writeback.requests import (
    Request,
    build,
    build_lead_lookup,
    build_list_info,
    build_update_lead,
    clean_params,
    payload_hash,
)
from extract.writeback.sources import Batch, LeadMapping, file_batch, inbox_files, inventory, model_batches

__all__ = ["Hooks", "WritebackReport", "ledger_csv", "load_leads", "recent_log", "run_writeback", "spreadsheet_safe"]
from warehouse.auth_state import AuthStateStore
from warehouse.writeback_ledger import Entry, WritebackLedger

#: Operations run in this order, each finished before the next: lists exist before leads
#: are loaded into them; list updates (reset, deactivate, delete) come last.
OP_ORDER = ("add_list", "add_lead", "update_lead", "update_list")
SHOW_DRY_RUN_ROWS = 20
# --- report ------------------------------------------------------------------------------
@dataclass
class WritebackReport:
    """Counts of one run. Each row is counted once, by its final state in this run."""

    run_id: str
    dry_run: bool = False
    sent: int = 0  # rows sent at least once in this run
    applied: int = 0
    rejected: int = 0  # permanent: the dialer refused (DUPLICATE, INVALID ..., NO MATCHES)
    failed: int = 0  # retryable failures left at the end (retried next run)
    pending: int = 0  # answer lost and not yet confirmed (looked up next run)
    skipped_unchanged: int = 0
    invalid: int = 0  # failed validation, never sent
    refused: int = 0  # destructive rows held back (over the cap, or reversing a recent change)
    would_send: int = 0  # dry run
    requests: int = 0  # HTTP requests incl. lookups and retries
    lookups: int = 0
    rejections: list[Rejection] = field(default_factory=list)  # validation and dialer reasons (first 1000)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    destructive: list[dict[str, str]] = field(default_factory=list)  # instance, row_key, change, diff, verdict
    unmapped_columns: dict[str, list[str]] = field(default_factory=dict)  # lead file -> columns not loaded
    elapsed_s: float = 0.0

    @property
    def attempted(self) -> int:
        """Rows this run tried to apply: everything but rows unchanged since they were settled."""
        return (self.applied + self.rejected + self.failed + self.pending + self.invalid + self.refused
                + self.would_send)

    considered = attempted

    @property
    def rejection_rate(self) -> float:
        """(rejected + invalid) / rows attempted this run (unchanged rows excluded)."""
        return (self.rejected + self.invalid) / self.attempted if self.attempted else 0.0

    @property
    def ok(self) -> bool:
        """False when a plan could not apply (errors, refused or failed rows) or every row was
        invalid or rejected (none applied, pending, would be sent or settled earlier): the CLI
        exits 1, so a cron job notices. Re-running a partly invalid file stays ok."""
        if self.errors or self.failed or self.refused:
            return False
        good = self.applied + self.pending + self.would_send + self.skipped_unchanged
        return not (self.attempted and not good)

    def count(self, source: str, status: str, n: int = 1) -> None:
        setattr(self, status, getattr(self, status) + n)
        per = self.by_source.setdefault(source, {})
        per[status] = per.get(status, 0) + n

    def summary(self) -> str:
        parts = [f"{k}={getattr(self, k)}" for k in ("sent", "applied", "rejected", "failed", "pending",
                                                     "skipped_unchanged", "invalid", "refused")]
        if self.dry_run:
            parts.append(f"would_send={self.would_send}")
        return f"write-back {'(dry run) ' if self.dry_run else ''}{' '.join(parts)} " \
               f"rejection_rate={self.rejection_rate:.1%} of {self.attempted} attempted"

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "dry_run": self.dry_run, "sent": self.sent, "applied": self.applied,
                "rejected": self.rejected, "failed": self.failed, "pending": self.pending,
                "skipped_unchanged": self.skipped_unchanged, "invalid": self.invalid, "refused": self.refused,
                "would_send": self.would_send, "requests": self.requests, "lookups": self.lookups,
                "attempted": self.attempted, "rejection_rate": self.rejection_rate, "ok": self.ok,
                "errors": list(self.errors), "warnings": list(self.warnings), "by_source": self.by_source,
                "destructive": list(self.destructive), "unmapped_columns": dict(self.unmapped_columns),
                "elapsed_s": round(self.elapsed_s, 3)}


@dataclass
class Hooks:
    """Test seams. ``before_record(item, result)`` runs after an answer arrived and before it
    is recorded — raising there simulates a crash in the worst possible moment."""

    before_record: Callable[[WorkItem, R.WriteResult | None], None] | None = None


@dataclass
class WorkItem:
    source: str
    instance: str
    operation: str
    row_key: str
    payload_hash: str
    request: Request
    prev: Entry | None  # latest ledger row for this key (any payload)
    row: int | None = None  # row number in its lead file
    unit: str = ""  # lists | leads when destructive
    kinds: list[str] = field(default_factory=list)  # destructive_changes()
    diff: list[tuple[str, str, str]] = field(default_factory=list)  # (field, before, after)


class _Abort(Exception):
    """Stop sending for this instance (auth/permission problem)."""


# --- public API --------------------------------------------------------------------------
def run_writeback(settings: Settings, *, dry_run: bool = False, only: list[str] | None = None,
                  instance: str | None = None, console: Console | None = None,
                  progress: bool | None = None, hooks: Hooks | None = None,
                  allow_destructive: bool = False) -> WritebackReport:
    """Send every `wb_*` model row and inbox lead file that has not been applied yet.

    ``only`` names models (`wb_lead_updates`) and/or `inbox`; ``instance`` restricts to one
    configured dialer. Inbox files whose rows are all settled move to `inbox/leads/processed/`.
    ``allow_destructive`` sends destructive rows over the per-run cap or reversing a recent change.
    """
    run_id = _new_run_id()
    report = WritebackReport(run_id, dry_run)
    t0 = time.perf_counter()
    models = [o for o in (only or []) if o != "inbox"]
    batches: list[Batch] = []
    if not only or models:
        found, errors = model_batches(settings.duckdb_path, only=models or None, instance=instance)
        batches += found
        if only or settings.duckdb_path.exists():
            report.errors += errors
    if not only or "inbox" in only:
        for path in inbox_files(settings.inbox_dir):
            try:
                inst = _pick_instance(settings, instance, _file_mapping(path))
                batches.append(file_batch(path, instance=inst, list_id=None, mapping=None))
            except (ValueError, KeyError, OSError) as exc:
                report.errors.append(f"inbox file {path.name}: {exc}")
    _execute(settings, batches, report, dry_run=dry_run, console=console, progress=progress, hooks=hooks,
             allow_destructive=allow_destructive)
    if not dry_run:
        _archive_settled_inbox_files(settings, batches)
    report.elapsed_s = time.perf_counter() - t0
    return report


def load_leads(settings: Settings, path: Path | str, *, list_id: str | int | None, dry_run: bool = False,
               mapping: LeadMapping | dict[str, Any] | Path | str | None = None, instance: str | None = None,
               console: Console | None = None, progress: bool | None = None,
               hooks: Hooks | None = None) -> WritebackReport:
    """Load one CSV/Parquet lead file into ``list_id`` (exactly once per list:phone by default)."""
    path = Path(path)
    if isinstance(mapping, str | Path):
        mapping = LeadMapping.load(Path(mapping))
    elif isinstance(mapping, dict):
        mapping = LeadMapping.from_dict(mapping)
    run_id = _new_run_id()
    report = WritebackReport(run_id, dry_run)
    t0 = time.perf_counter()
    from extract.writeback.sources import find_mapping
    mapping = mapping or find_mapping(path) or LeadMapping()
    inst = _pick_instance(settings, instance, mapping)
    batch = file_batch(path, instance=inst, list_id=str(list_id) if list_id is not None else None, mapping=mapping)
    _execute(settings, [batch], report, dry_run=dry_run, console=console, progress=progress, hooks=hooks)
    report.elapsed_s = time.perf_counter() - t0
    return report


def recent_log(settings: Settings, limit: int = 50) -> pa.Table:
    """The newest ledger rows (for `dialsync writeback log`)."""
    with WritebackLedger.for_state_dir(settings.state_dir) as ledger:
        return ledger.to_arrow(limit=limit)


# --- the run -----------------------------------------------------------------------------
def _new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def _file_mapping(path: Path) -> LeadMapping | None:
    from extract.writeback.sources import find_mapping
    return find_mapping(path)


def _pick_instance(settings: Settings, instance: str | None, mapping: LeadMapping | None) -> str:
    name = instance or (mapping.instance if mapping else None)
    if name:
        settings.instance(name)  # KeyError with the configured names
        return name
    if len(settings.instances) == 1:
        return next(iter(settings.instances))
    raise ValueError("several instances are configured: say which one (--instance or mapping `instance`)")


def _execute(settings: Settings, batches: list[Batch], report: WritebackReport, *, dry_run: bool,
             console: Console | None, progress: bool | None, hooks: Hooks | None,
             allow_destructive: bool = False) -> None:
    by_instance: dict[str, list[Batch]] = {}
    for b in batches:
        report.warnings += [f"{b.source}: {w}" for w in b.warnings]
        if b.unmapped:
            report.unmapped_columns[b.source] = list(b.unmapped)
        by_instance.setdefault(b.instance, []).append(b)
    totals = inventory(settings.duckdb_path) if any(b.operation.startswith("update_") for b in batches) else {}
    with WritebackLedger.for_state_dir(settings.state_dir) as ledger:
        for name, inst_batches in by_instance.items():
            try:
                inst = settings.instance(name)
            except KeyError as exc:
                report.errors.append(str(exc))
                continue
            try:
                with _instance_lock(settings.state_dir, name):
                    _InstanceRun(settings, name, inst, ledger, report, dry_run=dry_run,
                                 console=console or Console(stderr=True), progress=progress,
                                 hooks=hooks or Hooks(), allow_destructive=allow_destructive,
                                 totals=totals.get(name, {})).run(inst_batches)
            except (AuthError, PermissionDeniedError, _Abort) as exc:
                report.errors.append(f"instance {name}: {exc}")


@contextmanager
def _instance_lock(state_dir: Path, instance: str, timeout_s: float = 120.0) -> Iterator[None]:
    """One write-back run per instance across processes (re-sends of pending rows must not race)."""
    Path(state_dir).mkdir(parents=True, exist_ok=True)
    path = Path(state_dir) / f"writeback-{instance}.lock"
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _Abort(f"another write-back run holds {path.name}") from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class _InstanceRun:
    def __init__(self, settings: Settings, name: str, inst: InstanceSettings, ledger: WritebackLedger,
                 report: WritebackReport, *, dry_run: bool, console: Console, progress: bool | None,
                 hooks: Hooks, allow_destructive: bool = False, totals: Mapping[str, int] | None = None) -> None:
        self.settings, self.name, self.inst, self.ledger, self.report = settings, name, inst, ledger, report
        self.dry_run, self.console, self.progress, self.hooks = dry_run, console, progress, hooks
        self.allow_destructive, self.totals = allow_destructive, dict(totals or {})
        self._client: DialerClient | None = None
        self._lock = threading.Lock()
        self._abort = threading.Event()
        self.max_tries = max(1, inst.max_attempts)
        self.has_naa = "non_agent_api" in inst.surfaces

    # --- client ------------------------------------------------------------------------
    @property
    def client(self) -> DialerClient:
        if self._client is None:
            rate = self.settings.writeback_requests_per_second
            throttled = self.inst.model_copy(update={"requests_per_second": rate})
            # the same persisted auth circuit as sync: a wrong password stops write-back too,
            # across runs, after one failed login
            self._client = DialerClient.from_settings(
                self.name, throttled, breaker_store=AuthStateStore(self.settings.state_dir / "auth"))
        return self._client

    def add_lead_surface(self) -> str:
        """croco-dial loads leads through its lmapi (`campaing`); everyone else via non_agent_api."""
        return "lmapi" if self.inst.platform == "crocodial" and "lmapi" in self.inst.surfaces else "non_agent_api"

    def _post(self, req: Request, parse: Callable[[bytes], R.WriteResult]) -> R.WriteResult:
        def _parse(raw: RawResponse) -> R.WriteResult:
            return parse(raw.body)
        with self._lock:
            self.report.requests += 1
        result = self.client.call(req.surface, req.form(), _parse, endpoint=f"writeback:{req.function}",
                                  retry=False)
        result.message = self.client.redact(result.message)
        result.notices = [self.client.redact(n) for n in result.notices]
        return result

    # --- one instance ------------------------------------------------------------------
    def run(self, batches: list[Batch]) -> None:
        """Plan every operation first (so the destructive guard sees the whole run), then send
        them in OP_ORDER, each finished before the next."""
        state = self.ledger.latest(self.name)
        seen: dict[tuple[str, str], str] = {}
        try:
            planned: dict[str, list[WorkItem]] = {}
            for op in OP_ORDER:
                for b in (b for b in batches if b.operation == op):
                    planned.setdefault(op, []).extend(self._plan(b, state, seen))
            refused = self._guard([it for op in OP_ORDER for it in planned.get(op, [])])
            for op in OP_ORDER:
                work = [it for it in planned.get(op, []) if id(it) not in refused]
                if work:
                    if self.dry_run:
                        self._record_dry_run(work)
                    else:
                        self._send_all(work)
        finally:
            if self._client is not None:
                self._client.close()

    # --- destructive guard -------------------------------------------------------------
    def _guard(self, work: list[WorkItem]) -> set[int]:
        """Hold back destructive rows over the per-run cap and list changes that reverse another
        row's recent change; print every destructive row as a before → after diff.
        Returns the ids of the refused items (not sent, not recorded: planned again next run)."""
        refused: dict[int, str] = {}
        if not self.allow_destructive:
            refused.update(self._reversals(work))
        share = self.settings.writeback_max_destructive_share
        for unit in ("lists", "leads"):
            items = [it for it in work if it.kinds and it.unit == unit]
            if not items:
                continue
            total = self.totals.get(unit, 0)
            allowed = cap(share, total)
            count = len({it.request.list_id for it in items}) if unit == "lists" else len(items)
            if count <= allowed:
                continue
            kinds = Counter(k for it in items for k in it.kinds)
            what = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
            base = (f"{share:.0%} of {total} {unit} in the latest list_info snapshot" if total
                    else "no list_info snapshot to measure the share against")
            msg = f"{count} {unit} would change destructively ({what}): over the cap of {allowed} ({base})"
            if self.allow_destructive:
                self.report.warnings.append(f"instance {self.name}: {msg}; sent anyway (--allow-destructive)")
                continue
            self.report.errors.append(f"instance {self.name}: {msg}; none of them sent. Check the plan "
                                      "(dry run: `dialsync writeback run --dry-run`), then re-run with "
                                      "--allow-destructive if it is right")
            for it in items:
                refused.setdefault(id(it), "refused: over the cap")
        for it in work:
            if id(it) in refused:
                self.report.count(it.source, "refused")
        self._show_destructive(work, refused)
        return set(refused)

    def _reversals(self, work: list[WorkItem]) -> dict[int, str]:
        """update_list rows that would undo what another row applied to the same list within
        REVERSAL_WINDOW (deactivate after a reset or an activation, re-activate or reset after a
        deactivation): two plans fighting over a list are stopped and named, not run daily."""
        lists = [it for it in work if it.operation == "update_list" and it.request.list_id]
        if not lists:
            return {}
        since = datetime.now(UTC) - REVERSAL_WINDOW
        recent: dict[str, list[dict[str, object]]] = {}
        for r in self.ledger.applied_since(self.name, ("add_list", "update_list"), since):
            lid = str(dict(r["params"]).get("list_id", ""))  # type: ignore[call-overload]
            recent.setdefault(lid, []).append(r)
        out: dict[int, str] = {}
        for it in lists:
            p = it.request.params
            for r in recent.get(it.request.list_id or "", []):
                q: dict[str, str] = r["params"]  # type: ignore[assignment]
                if r["row_key"] == it.row_key:
                    continue
                if reverses(p, q):
                    applied = "; ".join(f"{k}={v}" for k, v in q.items() if k in ("active", "reset_list"))
                    self.report.errors.append(
                        f"instance {self.name}: {it.source} row {it.row_key} ({format_diff(it.diff) or p}) would "
                        f"undo {r['row_key']} ({applied}) applied to list {it.request.list_id} at "
                        f"{r['finished_at']}: not sent (fix the plans, or --allow-destructive)")
                    out[id(it)] = f"refused: undoes {r['row_key']}"
                    break
        return out

    def _show_destructive(self, work: list[WorkItem], refused: Mapping[int, str]) -> None:
        shown = [it for it in work if it.kinds or id(it) in refused]
        if not shown:
            return
        verb = "would send" if self.dry_run else "sending"
        for it in shown:
            self.report.destructive.append({"instance": self.name, "row_key": it.row_key,
                                            "change": ", ".join(it.kinds), "diff": format_diff(it.diff),
                                            "verdict": refused.get(id(it), verb)})
        t = RichTable(title=f"destructive changes to {self.name} (field: before → after)")
        for col in ("row_key", "change", "diff", "verdict"):
            t.add_column(col, overflow="fold")
        for d in self.report.destructive[-len(shown):][:SHOW_DRY_RUN_ROWS]:
            t.add_row(d["row_key"], d["change"], d["diff"], d["verdict"])
        if len(shown) > SHOW_DRY_RUN_ROWS:
            t.caption = f"… and {len(shown) - SHOW_DRY_RUN_ROWS} more (report.destructive)"
        self.console.print(t)

    def _plan(self, batch: Batch, state: dict[tuple[str, str], Entry],
              seen: dict[tuple[str, str], str]) -> list[WorkItem]:
        """Validate the batch, record invalid rows, and return the rows that must be sent."""
        surface = self.add_lead_surface() if batch.operation == "add_lead" else "non_agent_api"
        table = batch.table
        if surface == "lmapi":
            table = self._fill_campaing(table)
        try:
            v = validate_table(table, batch.operation, "lmapi" if surface == "lmapi" else "non_agent_api")
        except SchemaError as exc:
            self.report.errors.append(f"{batch.source}: {exc}")
            return []
        rows = table.to_pylist()
        keys = [r["_row_key"] for r in rows]
        bad = v.by_row()
        invalid_records: list[dict[str, object]] = []
        items: list[WorkItem] = []
        for i, (row, key) in enumerate(zip(rows, keys, strict=True)):
            params = clean_params(row)
            h = payload_hash(self.name, batch.operation, params)
            reasons = list(bad.get(key, []))
            first = seen.get((batch.operation, key))
            if first is not None:
                reasons.append(Rejection(key, "row_key", f"duplicate row key (also in {first})", preview(key),
                                         row=row.get(ROW_NUMBER)))  # type: ignore[arg-type]
            else:
                seen[(batch.operation, key)] = f"{batch.source} row {i}"
            prev = state.get((batch.operation, key))
            if reasons:
                self.report.count(batch.source, "invalid")
                if len(self.report.rejections) < 1000:
                    self.report.rejections += reasons
                if not (prev and prev.payload_hash == h and prev.status == "invalid"):
                    invalid_records.append(self._record(batch, key, h, "invalid", {"params": params},
                                                        message="; ".join(str(r) for r in reasons),
                                                        rejections=[{"field": r.field, "rule": r.rule,
                                                                     "value_preview": r.value_preview}
                                                                    for r in reasons]))
                continue
            if prev and prev.payload_hash == h and prev.status in ("applied", "rejected"):
                self.report.count(batch.source, "skipped_unchanged")
                continue
            req = build(batch.operation, row, surface=surface, custom_fields=v.custom_fields)
            if batch.operation == "add_lead" and prev and prev.payload_hash != h and prev.status == "applied" \
                    and prev.lead_id:
                # the lead exists: a changed row updates it instead of adding a second one
                req = _as_update(req, prev)
            unit, kinds = destructive_changes(batch.operation, req.params)
            items.append(WorkItem(batch.source, self.name, batch.operation, key, h, req, prev,
                                  row=row.get(ROW_NUMBER), unit=unit, kinds=kinds,  # type: ignore[arg-type]
                                  diff=row_diff(row, req.params) if kinds or batch.operation == "update_list"
                                  else []))
        if invalid_records:
            self.ledger.record_many(invalid_records)
        return items

    def _record(self, batch: Batch, key: str, h: str, status: str, request: dict[str, object], *,
                message: str | None = None, rejections: list[dict[str, str]] | None = None) -> dict[str, object]:
        return {"run_id": self.report.run_id, "source": batch.source, "instance": self.name,
                "operation": batch.operation, "row_key": key, "payload_hash": h, "status": status,
                "request": orjson.dumps(request).decode(), "message": message,
                "rejections": orjson.dumps(rejections).decode() if rejections is not None else None}

    def _fill_campaing(self, table: pa.Table) -> pa.Table:
        """lmapi needs `campaing`: take it from the list's campaign (list_info) when the row has none."""
        if "campaing" in table.column_names and table.column("campaing").null_count == 0:
            return table
        campaigns: dict[str, str | None] = {}
        # a read (list_info) is fine in a dry run: it changes nothing on the dialer
        if self.has_naa and "list_id" in table.column_names:
            for lid in pc.unique(table.column("list_id")).to_pylist():
                if lid:
                    campaigns[lid] = self._list_campaign(lid)
        lids = table.column("list_id").to_pylist() if "list_id" in table.column_names else [None] * table.num_rows
        given = table.column("campaing").to_pylist() if "campaing" in table.column_names else [None] * len(lids)
        fallback = (table.column("campaign_id").to_pylist() if "campaign_id" in table.column_names
                    else [None] * len(lids))
        filled = [g or campaigns.get(lid or "") or f for g, lid, f in zip(given, lids, fallback, strict=True)]
        col = pa.array(filled, pa.string())
        if "campaing" in table.column_names:
            return table.set_column(table.column_names.index("campaing"), "campaing", col)
        return table.append_column("campaing", col)

    def _list_campaign(self, list_id: str) -> str | None:
        try:
            info = self.client.call("non_agent_api", build_list_info(list_id).form(),
                                    lambda raw: R.parse_list_info(raw.body), endpoint="writeback:list_info")
        except (AuthError, PermissionDeniedError):
            raise
        except DialerError:
            return None
        return (info or {}).get("campaign_id")

    # --- dry run -----------------------------------------------------------------------
    def _record_dry_run(self, work: list[WorkItem]) -> None:
        records = []
        for it in work:
            self.report.count(it.source, "would_send")
            records.append({"run_id": self.report.run_id, "source": it.source, "instance": it.instance,
                            "operation": it.operation, "row_key": it.row_key, "payload_hash": it.payload_hash,
                            "status": "dry_run", "message": "dry run: not sent",
                            "request": orjson.dumps({"function": it.request.function,
                                                     "surface": it.request.surface,
                                                     "params": it.request.params}).decode()})
        self.ledger.record_many(records)
        t = RichTable(title=f"dry run: {len(work)} {work[0].operation} request(s) to {self.name} would be sent")
        for col in ("source", "row_key", "function", "params"):
            t.add_column(col, overflow="fold")
        for it in work[:SHOW_DRY_RUN_ROWS]:
            shown = " ".join(f"{k}={v}" for k, v in it.request.params.items())
            if it.diff:  # an update of something that exists: show what changes
                shown = f"{shown[:150]}  ({format_diff(it.diff)})"
            t.add_row(it.source, it.row_key, it.request.function, shown[:300])
        if len(work) > SHOW_DRY_RUN_ROWS:
            t.caption = f"… and {len(work) - SHOW_DRY_RUN_ROWS} more"
        self.console.print(t)

    # --- sending -----------------------------------------------------------------------
    def _send_all(self, work: list[WorkItem]) -> None:
        show = self.progress if self.progress is not None else (self.console.is_terminal and len(work) >= 100)
        prog = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=self.console, transient=True, disable=not show)
        with prog, ThreadPoolExecutor(max_workers=max(1, self.inst.max_concurrency),
                                      thread_name_prefix=f"wb-{self.name}") as pool:
            task = prog.add_task(f"{work[0].operation} → {self.name}", total=len(work))

            def one(it: WorkItem) -> None:
                if self._abort.is_set():
                    return
                try:
                    self._apply(it)
                finally:
                    prog.advance(task)

            futures: list[Future[None]] = [pool.submit(one, it) for it in work]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            errors = [f.exception() for f in done if f.exception() is not None]
            if errors:
                self._abort.set()
                for f in futures:
                    f.cancel()
                wait(futures)
                raise errors[0]  # type: ignore[misc]

    def _apply(self, it: WorkItem) -> None:
        """Send one row until it is applied or rejected, or out of tries. Records every attempt."""
        prev = it.prev
        req = it.request
        attempt = prev.attempt + 1 if prev and prev.payload_hash == it.payload_hash else 1
        lost = prev is not None and prev.status == "pending" and it.operation in ("add_lead", "add_list")
        sent = False
        status = "failed"
        for n in range(self.max_tries):
            if self._abort.is_set():
                break
            if lost:
                verdict, lead_id = self._confirm(it, prev)
                if verdict == "unknown":
                    status = "pending"
                    break
                if verdict == "applied":
                    if prev is not None and prev.payload_hash == it.payload_hash:
                        status = "applied"
                        break
                    if it.operation == "add_list" or not lead_id:
                        status = "applied"  # list exists / lead exists: nothing more to add
                        break
                    req = _as_update(it.request, Entry(0, "", "applied", 0, lead_id, None,
                                                       prev.request if prev else None))
                    lost = False
                elif it.operation == "add_lead":
                    req = _with_dup_guard(it.request)
            entry_id = self.ledger.begin(run_id=self.report.run_id, source=it.source, instance=it.instance,
                                         operation=it.operation, row_key=it.row_key,
                                         payload_hash=it.payload_hash, attempt=attempt,
                                         request={"function": req.function, "surface": req.surface,
                                                  "params": req.params})
            attempt += 1
            sent = True
            result, error, retry_after = self._send(req)
            if self.hooks.before_record:
                self.hooks.before_record(it, result)
            if result is None or result.outcome == "unknown":
                message = result.message if result else error
                if it.operation in ("add_lead", "add_list") and req.function != "update_lead":
                    # the dialer may have applied it: stays pending until confirmed
                    self.ledger.finish(entry_id, status="pending", message=f"answer lost: {message}")
                    status, lost = "pending", True
                    prev = Entry(entry_id, it.payload_hash, "pending", attempt - 1, None, None,
                                 orjson.dumps({"params": req.params}).decode())
                else:
                    self.ledger.finish(entry_id, status="failed", message=message)
                    status = "failed"
                if n + 1 < self.max_tries:
                    self._backoff(n, retry_after)
                continue
            if lost and result.outcome == "rejected" and result.found and req.function in ("add_lead", "add_list"):
                # our earlier attempt did land: DUPLICATE / LIST ALREADY EXISTS on the guarded re-send
                result.outcome = "applied"
                result.message = f"confirmed on re-send (an earlier attempt had landed): {result.message}"
            status = result.outcome
            self.ledger.finish(entry_id, status=status, message=result.message, lead_id=result.lead_id,
                               list_id=result.list_id, notices=result.notices)
            if status == "rejected":
                with self._lock:
                    if len(self.report.rejections) < 1000:
                        self.report.rejections.append(Rejection(it.row_key, "dialer", f"refused: {result.message}",
                                                                "", row=it.row))
            break
        with self._lock:
            if sent:
                self.report.count(it.source, "sent")
            self.report.count(it.source, status)

    def _send(self, req: Request) -> tuple[R.WriteResult | None, str, float | None]:
        """One POST. Returns (None, error, retry_after) when the answer was lost."""
        try:
            return self._post(req, _parser_for(req)), "", None
        except (AuthError, PermissionDeniedError) as exc:
            self._abort.set()
            raise _Abort(str(exc)) from None
        except DialerError as exc:  # transport, timeout, 5xx, 429, 4xx, garbled body
            return None, str(exc), getattr(exc, "retry_after", None)

    def _confirm(self, it: WorkItem, prev: Entry | None) -> tuple[str, str | None]:
        """An earlier attempt's answer was lost: does the lead/list exist now?

        Returns (applied | absent | unknown, lead_id) and settles the pending ledger row
        (applied with the lead_id, or failed) unless the lookup itself failed."""
        with self._lock:
            self.report.lookups += 1
        lead_id: str | None = None
        try:
            if it.operation == "add_list":
                with self._lock:
                    self.report.requests += 1
                info = self.client.call("non_agent_api", build_list_info(it.request.list_id or "").form(),
                                        lambda raw: R.parse_list_info(raw.body), endpoint="writeback:list_info",
                                        retry=False)
                found = info is not None
            elif self.has_naa and it.request.phone:
                res = self._post(build_lead_lookup(phone=it.request.phone, list_id=it.request.list_id),
                                 lambda b: R.parse_update_lead(b, phone=it.request.phone,
                                                               list_id=it.request.list_id))
                if res.outcome == "unknown":
                    return "unknown", None
                found, lead_id = bool(res.found), res.lead_id
            else:
                if prev is not None and prev.status == "pending":
                    self.ledger.finish(prev.id, status="failed", message="answer was lost; no lookup function "
                                       "here: re-sending with duplicate_check=DUPLIST")
                return "absent", None
        except (AuthError, PermissionDeniedError) as exc:
            self._abort.set()
            raise _Abort(str(exc)) from None
        except DialerError:
            return "unknown", None
        if prev is not None and prev.status == "pending":
            if found:
                self.ledger.finish(prev.id, status="applied", lead_id=lead_id, list_id=it.request.list_id,
                                   message="answer was lost; confirmed by lookup")
            else:
                self.ledger.finish(prev.id, status="failed",
                                   message="answer was lost; lookup found nothing, sending again")
        return ("applied" if found else "absent"), lead_id

    def _backoff(self, n: int, retry_after: float | None) -> None:
        delay = min(5.0, 0.1 * (2 ** n))
        if retry_after:
            delay = max(delay, min(float(retry_after), 30.0))
        time.sleep(delay)


def _parser_for(req: Request) -> Callable[[bytes], R.WriteResult]:
    if req.function == "add_lead":
        return lambda b: R.parse_add_lead(b, phone=req.phone, list_id=req.list_id, alt_phone=req.alt_phone)
    if req.function == "update_lead":
        return lambda b: R.parse_update_lead(b, lead_id=req.lead_id, phone=req.phone, list_id=req.list_id)
    if req.function == "add_list":
        return lambda b: R.parse_add_list(b, list_id=req.list_id)
    if req.function == "update_list":
        return lambda b: R.parse_update_list(b, list_id=req.list_id)
    raise ValueError(f"no response parser for {req.function}")


def _with_dup_guard(req: Request) -> Request:
    """Re-send of an add_lead whose first answer was lost: let the server refuse a second copy."""
    params = dict(req.params)
    dup = params.get("duplicate_check", "")
    if "DUPLIST" not in dup.split("-") and not any(x in dup for x in ("DUPCAMP", "DUPSYS")):
        params["duplicate_check"] = f"{dup}-DUPLIST" if dup else "DUPLIST"
    return Request(req.operation, req.surface, req.function, params, phone=req.phone, list_id=req.list_id,
                   lead_id=req.lead_id, alt_phone=req.alt_phone)


def _as_update(req: Request, prev: Entry) -> Request:
    """A changed lead-file row whose lead already exists: update its data fields by lead_id."""
    old: dict[str, str] = {}
    if prev.request:
        try:
            old = dict(orjson.loads(prev.request).get("params") or {})
        except (orjson.JSONDecodeError, AttributeError):
            old = {}
    changed = {k: v for k, v in req.params.items() if k in LEAD_DATA and old.get(k) != v}
    row: dict[str, str] = {"lead_id": str(prev.lead_id), **changed}
    up = build_update_lead(row)
    return Request("add_lead", "non_agent_api", "update_lead", up.params, phone=req.phone, list_id=req.list_id,
                   lead_id=prev.lead_id)


def _archive_settled_inbox_files(settings: Settings, batches: Sequence[Batch]) -> None:
    """Move inbox files whose rows are all applied/rejected/invalid to `processed/`."""
    files = {b.path for b in batches if b.path is not None and b.path.parent.name == "leads"
             and b.path.parent.parent == settings.inbox_dir}
    if not files:
        return
    with WritebackLedger.for_state_dir(settings.state_dir) as ledger:
        for path in files:
            keys = {k for b in batches if b.path == path for k in b.table.column("_row_key").to_pylist()}
            insts = {b.instance for b in batches if b.path == path}
            states = {}
            for inst in insts:
                states.update({k: e for (op, k), e in ledger.latest(inst).items() if op == "add_lead"})
            if all(k in states and states[k].status in ("applied", "rejected", "invalid") for k in keys):
                dest = path.parent / "processed"
                dest.mkdir(exist_ok=True)
                path.rename(dest / path.name)
