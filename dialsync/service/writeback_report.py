"""What a write-back run hands back and what it lets a caller plug in.

`WritebackReport` counts one run; `WorkItem` is one row planned to be sent; `Hooks` are the
caller's seams: how the run is shown (the CLI's rich tables and progress bar live in
`writeback_console`, so the service prints nothing by itself) and a test seam.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from extract.writeback.fields import Rejection
from extract.writeback.requests import Request
from extract.writeback.responses import WriteResult
from warehouse.writeback_ledger import Entry


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
class WorkItem:
    """One row that must be sent: its identity, its request and the ledger row it follows."""

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


#: ``progress(description, total)`` → a context manager yielding ``advance()`` (called once per row,
#: from the sending threads).
Progress = Callable[[str, int], AbstractContextManager[Callable[[], None]]]


@dataclass
class Hooks:
    """What a caller plugs into a run; each is optional and a run without hooks prints nothing.

    ``show_dry_run(instance, work)`` gets each operation's rows a dry run would send;
    ``show_destructive(instance, rows)`` the destructive rows of a plan (`report.destructive` entries);
    ``progress`` wraps the sending of each operation. ``before_record(item, result)`` is a test seam:
    it runs after an answer arrived and before it is recorded — raising there simulates a crash in
    the worst possible moment."""

    before_record: Callable[[WorkItem, WriteResult | None], None] | None = None
    show_dry_run: Callable[[str, Sequence[WorkItem]], None] | None = None
    show_destructive: Callable[[str, Sequence[dict[str, str]]], None] | None = None
    progress: Progress | None = None
