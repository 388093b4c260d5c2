"""A write-back run on a terminal: dry-run and destructive-change tables, a progress bar.

Why apart from the service: Dagster and bench/ run the same service without a terminal; the
CLI plugs these in as `Hooks` (`console_hooks(console)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from dialsync.service.writeback_report import Hooks, WorkItem
from extract.writeback.guard import format_diff
from extract.writeback.responses import WriteResult

#: Rows shown per table; the rest are counted in its caption (all of them are in the report/ledger).
SHOW_ROWS = 20
#: Without an explicit choice, a bar is drawn on a terminal for operations of at least this many rows.
PROGRESS_MIN_ROWS = 100


def console_hooks(console: Console, *, progress: bool | None = None,
                  before_record: Callable[[WorkItem, WriteResult | None], None] | None = None) -> Hooks:
    """Hooks that print a run on ``console``; ``progress`` forces the bar on/off (default: on a
    terminal, for operations of PROGRESS_MIN_ROWS rows or more)."""

    def show_dry_run(instance: str, work: Sequence[WorkItem]) -> None:
        console.print(dry_run_table(instance, work))

    def show_destructive(instance: str, rows: Sequence[dict[str, str]]) -> None:
        console.print(destructive_table(instance, rows))

    @contextmanager
    def bar(description: str, total: int) -> Iterator[Callable[[], None]]:
        show = progress if progress is not None else (console.is_terminal and total >= PROGRESS_MIN_ROWS)
        prog = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=console, transient=True, disable=not show)
        with prog:
            task = prog.add_task(description, total=total)
            yield lambda: prog.advance(task)

    return Hooks(before_record=before_record, show_dry_run=show_dry_run, show_destructive=show_destructive,
                 progress=bar)


def dry_run_table(instance: str, work: Sequence[WorkItem]) -> Table:
    """The requests one operation of a dry run would send (an update shows what it changes)."""
    t = Table(title=f"dry run: {len(work)} {work[0].operation} request(s) to {instance} would be sent")
    for col in ("source", "row_key", "function", "params"):
        t.add_column(col, overflow="fold")
    for it in work[:SHOW_ROWS]:
        shown = " ".join(f"{k}={v}" for k, v in it.request.params.items())
        if it.diff:  # an update of something that exists: show what changes
            shown = f"{shown[:150]}  ({format_diff(it.diff)})"
        t.add_row(it.source, it.row_key, it.request.function, shown[:300])
    if len(work) > SHOW_ROWS:
        t.caption = f"… and {len(work) - SHOW_ROWS} more"
    return t


def destructive_table(instance: str, rows: Sequence[dict[str, str]]) -> Table:
    """A plan's destructive rows as `field: before → after`, with what happens to each."""
    t = Table(title=f"destructive changes to {instance} (field: before → after)")
    for col in ("row_key", "change", "diff", "verdict"):
        t.add_column(col, overflow="fold")
    for d in rows[:SHOW_ROWS]:
        t.add_row(d["row_key"], d["change"], d["diff"], d["verdict"])
    if len(rows) > SHOW_ROWS:
        t.caption = f"… and {len(rows) - SHOW_ROWS} more (report.destructive)"
    return t
