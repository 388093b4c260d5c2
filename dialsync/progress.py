"""Progress of `dialsync sync`: the partitions the run will really attempt, rows so far, ETA.

The bar's total mirrors the runner's own choices (endpoints the platform offers, daily
endpoints only up to the instance's local today, snapshot endpoints only for today), so it
reaches 100 % instead of stopping where the skipped partitions would have been. An instance
the runner stops (auth circuit, time-zone mismatch) completes its share at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from dialsync.service.sync import SyncResult, local_today
from dialsync.settings import Settings
from extract.registry import Endpoint


def planned_partitions(settings: Settings, start: date, end: date, endpoints: list[Endpoint],
                       instances: list[str], now: datetime | None = None, *, named: bool = False) -> dict[str, int]:
    """Per instance, in run order: how many partitions `runner.sync` will attempt (`now` as it gets)."""
    from dialsync.runner import backfill_dimensions, days_between, lake, offered

    days = days_between(start, end)
    lake_ = lake(settings)
    plan: dict[str, int] = {}
    for name in instances:
        inst = settings.instance(name)
        today = local_today(inst, now)
        synced = offered(inst, endpoints, named=named)
        daily = sum(1 for e in synced if e.kind == "daily") * sum(1 for d in days if d <= today)
        snapshots = [e for e in synced if e.kind == "snapshot"]
        # today's snapshots when the range holds today; else the dimensions a backfill takes
        snaps = len(snapshots) if start <= today <= end else (
            len(backfill_dimensions(lake_, name, snapshots, end)) if end < today else 0)
        plan[name] = daily + snaps
    return plan


class SyncProgress:
    """Feeds `runner.sync`'s `on_result` into a Rich task; collects failure messages."""

    def __init__(self, progress: Progress, plan: dict[str, int]) -> None:
        self.progress = progress
        self.plan = plan
        self.done = dict.fromkeys(plan, 0)
        self.rows = 0
        self.failures: list[str] = []
        self.task = progress.add_task("syncing", total=sum(plan.values()), rows=0)

    def _current(self) -> str | None:
        # instances run one after another: the first one not finished is the one reporting
        return next((n for n in self.plan if self.done[n] < self.plan[n]), None)

    def on_result(self, r: SyncResult | Exception, ep: Endpoint | None, day: date) -> None:
        name = r.instance if isinstance(r, SyncResult) and r.instance in self.plan else self._current()
        if isinstance(r, Exception):  # a failed partition arrives as its exception (already redacted)
            self.failures.append(str(r))
        else:
            self.rows += r.total_rows
        step = 1
        if ep is None and name is not None:  # the whole instance stopped: its remaining partitions are done
            step = self.plan[name] - self.done[name]
        if name is not None:
            self.done[name] += step
        label = f"{name or ''} {getattr(ep, 'name', None) or 'instance check'} {day}".strip()
        self.progress.update(self.task, advance=step, rows=self.rows, description=label)


@contextmanager
def sync_progress(console: Console, plan: dict[str, int]) -> Iterator[SyncProgress]:
    """A transient bar on `console`: description, bar, done/total, rows, elapsed, ETA."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield SyncProgress(progress, plan)
