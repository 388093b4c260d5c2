"""Exactly-once write-back runs: the `wb_*` models and lead files, validated, diffed, sent, recorded.

What the CLI (`dialsync writeback`, `dialsync leads load`), Dagster's write-back assets and
bench/ call. A run collects batches (`writeback_sources`), then per instance — one run per
instance at a time (a lock file), because two runs racing on the same pending row could both
re-send it — plans every operation first so the destructive guard sees the whole run
(`writeback_plan`), and sends them in OP_ORDER, each finished before the next (`writeback_send`).
The dialer's side (field rules, request building, answer parsing, retry policy) is
`extract.writeback`; the ledger is `warehouse.writeback_ledger`; how a run is shown is the
caller's `Hooks` (the CLI's are in `writeback_console`).
"""

from __future__ import annotations

import fcntl
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from dialsync.service.csvsafe import ledger_csv, spreadsheet_safe
from dialsync.service.writeback_instance import Abort, InstanceRun
from dialsync.service.writeback_plan import guard, plan, record_dry_run
from dialsync.service.writeback_report import Hooks, WorkItem, WritebackReport
from dialsync.service.writeback_send import send_all
from dialsync.service.writeback_sources import (
    Batch,
    LeadMapping,
    file_batch,
    find_mapping,
    inbox_files,
    inventory,
    model_batches,
)
from dialsync.settings import Settings
from extract.errors import AuthError, PermissionDeniedError
from warehouse.writeback_ledger import WritebackLedger

__all__ = ["Hooks", "LeadMapping", "WritebackReport", "ledger_csv", "load_leads", "recent_log", "run_writeback",
           "spreadsheet_safe"]

#: Operations run in this order, each finished before the next: lists exist before leads
#: are loaded into them; list updates (reset, deactivate, delete) come last.
OP_ORDER = ("add_list", "add_lead", "update_lead", "update_list")


# --- public API --------------------------------------------------------------------------
def run_writeback(settings: Settings, *, dry_run: bool = False, only: list[str] | None = None,
                  instance: str | None = None, hooks: Hooks | None = None,
                  allow_destructive: bool = False) -> WritebackReport:
    """Send every `wb_*` model row and inbox lead file that has not been applied yet.

    ``only`` names models (`wb_lead_updates`) and/or `inbox`; ``instance`` restricts to one
    configured dialer. Inbox files whose rows are all settled move to `inbox/leads/processed/`.
    ``allow_destructive`` sends destructive rows over the per-run cap or reversing a recent change.
    """
    report = WritebackReport(_new_run_id(), dry_run)
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
                inst = _pick_instance(settings, instance, find_mapping(path))
                batches.append(file_batch(path, instance=inst, list_id=None, mapping=None))
            except (ValueError, KeyError, OSError) as exc:
                report.errors.append(f"inbox file {path.name}: {exc}")
    _execute(settings, batches, report, dry_run=dry_run, hooks=hooks, allow_destructive=allow_destructive)
    if not dry_run:
        _archive_settled_inbox_files(settings, batches)
    report.elapsed_s = time.perf_counter() - t0
    return report


def load_leads(settings: Settings, path: Path | str, *, list_id: str | int | None, dry_run: bool = False,
               mapping: LeadMapping | dict[str, Any] | Path | str | None = None, instance: str | None = None,
               hooks: Hooks | None = None) -> WritebackReport:
    """Load one CSV/Parquet lead file into ``list_id`` (exactly once per list:phone by default)."""
    path = Path(path)
    if isinstance(mapping, str | Path):
        mapping = LeadMapping.load(Path(mapping))
    elif isinstance(mapping, dict):
        mapping = LeadMapping.from_dict(mapping)
    report = WritebackReport(_new_run_id(), dry_run)
    t0 = time.perf_counter()
    mapping = mapping or find_mapping(path) or LeadMapping()
    inst = _pick_instance(settings, instance, mapping)
    batch = file_batch(path, instance=inst, list_id=str(list_id) if list_id is not None else None, mapping=mapping)
    _execute(settings, [batch], report, dry_run=dry_run, hooks=hooks)
    report.elapsed_s = time.perf_counter() - t0
    return report


def recent_log(settings: Settings, limit: int = 50) -> pa.Table:
    """The newest ledger rows (for `dialsync writeback log`)."""
    with WritebackLedger.for_state_dir(settings.state_dir) as ledger:
        return ledger.to_arrow(limit=limit)


# --- the run -----------------------------------------------------------------------------
def _new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def _pick_instance(settings: Settings, instance: str | None, mapping: LeadMapping | None) -> str:
    name = instance or (mapping.instance if mapping else None)
    if name:
        settings.instance(name)  # KeyError with the configured names
        return name
    if len(settings.instances) == 1:
        return next(iter(settings.instances))
    raise ValueError("several instances are configured: say which one (--instance or mapping `instance`)")


def _execute(settings: Settings, batches: list[Batch], report: WritebackReport, *, dry_run: bool,
             hooks: Hooks | None, allow_destructive: bool = False) -> None:
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
                    run = InstanceRun(settings, name, inst, ledger, report, dry_run=dry_run,
                                      hooks=hooks or Hooks(), allow_destructive=allow_destructive,
                                      totals=totals.get(name, {}))
                    _run_instance(run, inst_batches)
            except (AuthError, PermissionDeniedError, Abort) as exc:
                report.errors.append(f"instance {name}: {exc}")


def _run_instance(run: InstanceRun, batches: list[Batch]) -> None:
    """Plan every operation first (so the destructive guard sees the whole run), then send
    them in OP_ORDER, each finished before the next."""
    state = run.ledger.latest(run.name)
    seen: dict[tuple[str, str], str] = {}
    try:
        planned: dict[str, list[WorkItem]] = {}
        for op in OP_ORDER:
            for b in (b for b in batches if b.operation == op):
                planned.setdefault(op, []).extend(plan(run, b, state, seen))
        refused = guard(run, [it for op in OP_ORDER for it in planned.get(op, [])])
        for op in OP_ORDER:
            work = [it for it in planned.get(op, []) if id(it) not in refused]
            if work:
                if run.dry_run:
                    record_dry_run(run, work)
                else:
                    send_all(run, work)
    finally:
        run.close()


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
                    raise Abort(f"another write-back run holds {path.name}") from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing releases the lock


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
