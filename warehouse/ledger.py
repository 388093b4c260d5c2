"""Sync ledger: what was pulled for each (instance, endpoint, day), and how it went.

SQLite (WAL) rather than the DuckDB file: several Dagster steps may record at once while
DuckDB allows one writer, and the published DuckDB file is rebuilt from this on publish.
It drives incremental decisions (`status`, the nightly restatement) and never holds
credentials: errors are recorded as already-redacted messages.

A `running` row names its writer (host, pid, process start time): when that process is gone
(kill -9, OOM) the row reads as `interrupted`, never as a sync still in progress. `blocked`
means the partition was not pulled because a key source it fans out over did not complete.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from warehouse.process import Writer, is_dead, this_writer

SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_ledger (
    instance TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    partition_date TEXT NOT NULL,
    status TEXT NOT NULL,              -- running | success | failed | blocked | skipped
    rows INTEGER,
    bytes INTEGER,
    checksum TEXT,
    request_fingerprint TEXT,
    requests INTEGER,
    drift TEXT,                        -- JSON: {"table": {"new": [...], "missing": [...]}}
    error TEXT,
    started_at TEXT NOT NULL,
    extracted_at TEXT,                 -- when the data now in the lake was pulled
    finished_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    pid INTEGER,                       -- writer of the last attempt (see warehouse.process)
    host TEXT,
    proc_start TEXT,
    PRIMARY KEY (instance, endpoint, partition_date)
);
CREATE TABLE IF NOT EXISTS sync_history (
    instance TEXT, endpoint TEXT, partition_date TEXT, status TEXT, rows INTEGER,
    checksum TEXT, error TEXT, started_at TEXT, finished_at TEXT
);
"""


@dataclass(frozen=True)
class LedgerRow:
    instance: str
    endpoint: str
    partition_date: str
    status: str
    rows: int | None
    bytes: int | None
    checksum: str | None
    request_fingerprint: str | None
    requests: int | None
    drift: str | None
    error: str | None
    started_at: str
    extracted_at: str | None
    finished_at: str | None
    attempts: int
    pid: int | None = None
    host: str | None = None
    proc_start: str | None = None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class SyncLedger:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as con:
            con.executescript(SCHEMA)
            have = {r[1] for r in con.execute("PRAGMA table_info(sync_ledger)")}
            for col, typ in (("pid", "INTEGER"), ("host", "TEXT"), ("proc_start", "TEXT")):
                if col not in have:  # a ledger written before writers were recorded
                    con.execute(f"ALTER TABLE sync_ledger ADD COLUMN {col} {typ}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA busy_timeout=60000")
            yield con
        finally:
            con.close()

    def start(self, instance: str, endpoint: str, day: str) -> None:
        w = this_writer()
        with self._lock, self._connect() as con:
            con.execute(
                """INSERT INTO sync_ledger (instance, endpoint, partition_date, status, started_at,
                                            pid, host, proc_start)
                   VALUES (?, ?, ?, 'running', ?, ?, ?, ?)
                   ON CONFLICT (instance, endpoint, partition_date) DO UPDATE SET
                     status='running', started_at=excluded.started_at, error=NULL,
                     attempts=sync_ledger.attempts + 1, pid=excluded.pid, host=excluded.host,
                     proc_start=excluded.proc_start""",
                (instance, endpoint, day, now_iso(), w.pid, w.host, w.start),
            )

    def finish(self, instance: str, endpoint: str, day: str, *, status: str, rows: int | None = None,
               bytes_: int | None = None, checksum: str | None = None, fingerprint: str | None = None,
               requests: int | None = None, drift: dict | None = None, error: str | None = None,
               extracted_at: str | None = None) -> None:
        finished = now_iso()
        with self._lock, self._connect() as con:
            if status == "success":
                con.execute(
                    """UPDATE sync_ledger SET status=?, rows=?, bytes=?, checksum=?, request_fingerprint=?,
                       requests=?, drift=?, error=NULL, extracted_at=?, finished_at=?
                       WHERE instance=? AND endpoint=? AND partition_date=?""",
                    (status, rows, bytes_, checksum, fingerprint, requests,
                     json.dumps(drift) if drift else None, extracted_at, finished, instance, endpoint, day),
                )
            else:  # keep the numbers of the copy still in the lake
                con.execute(
                    """UPDATE sync_ledger SET status=?, error=?, finished_at=?
                       WHERE instance=? AND endpoint=? AND partition_date=?""",
                    (status, error, finished, instance, endpoint, day),
                )
            con.execute(
                "INSERT INTO sync_history VALUES (?,?,?,?,?,?,?,(SELECT started_at FROM sync_ledger "
                "WHERE instance=? AND endpoint=? AND partition_date=?),?)",
                (instance, endpoint, day, status, rows, checksum, error, instance, endpoint, day, finished),
            )

    def get(self, instance: str, endpoint: str, day: str) -> LedgerRow | None:
        with self._connect() as con:
            cur = con.execute(
                "SELECT * FROM sync_ledger WHERE instance=? AND endpoint=? AND partition_date=?",
                (instance, endpoint, day),
            )
            row = cur.fetchone()
        return _live(LedgerRow(*row)) if row else None

    def rows(self, instance: str | None = None) -> list[LedgerRow]:
        q = "SELECT * FROM sync_ledger"
        args: tuple = ()
        if instance:
            q += " WHERE instance=?"
            args = (instance,)
        with self._connect() as con:
            return [_live(LedgerRow(*r))
                    for r in con.execute(q + " ORDER BY instance, endpoint, partition_date", args)]

    def day_span(self) -> tuple[date, date] | None:
        """First and last day any partition was loaded for (the days a full build covers)."""
        with self._connect() as con:
            lo, hi = con.execute("SELECT min(partition_date), max(partition_date) FROM sync_ledger "
                                 "WHERE status = 'success'").fetchone()
        return (date.fromisoformat(lo), date.fromisoformat(hi)) if lo and hi else None

    def to_arrow(self) -> pa.Table:
        rows = self.rows()
        fields = list(LedgerRow.__dataclass_fields__)
        schema = pa.schema([
            (f, pa.int64() if f in {"rows", "bytes", "requests", "attempts", "pid"} else pa.string())
            for f in fields
        ])
        return pa.Table.from_pylist([r.__dict__ for r in rows], schema=schema)


def _live(row: LedgerRow) -> LedgerRow:
    """A `running` row whose writer died on this host is `interrupted` (read-time: no
    process has to survive to say so, and a live sync elsewhere is never relabelled)."""
    if row.status == "running" and row.pid and row.host and is_dead(Writer(row.host, row.pid, row.proc_start or "")):
        return replace(row, status="interrupted",
                       error=row.error or f"process {row.pid} on {row.host} ended during the sync")
    return row
