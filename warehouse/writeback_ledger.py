"""Write-back ledger: one row per attempted change, and the state that makes sends exactly-once.

Why SQLite (WAL) and not the DuckDB file: the published DuckDB has a single writer and BI
tools hold it open; write-back must record *before* each send (a `pending` row) and right
after it, from several threads and possibly several processes. The catalog publishes
`to_arrow()` into DuckDB as `ops.writeback_ledger` for analysts.

Protocol (the engine's side): insert `pending` → send → `finish()` with the outcome. A row
left `pending` means the answer was lost (timeout, crash, kill): the dialer may or may not
have applied it, so the engine looks it up before sending again. Credentials never reach
this table: requests are stored as the params the engine built (the client adds user/pass
to the POST body itself) and response text is redacted by the client.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa

FILENAME = "writeback.sqlite"
#: status values. `invalid`: failed validation, never sent. `dry_run`: would have been sent.
STATUSES = ("applied", "rejected", "failed", "pending", "dry_run", "invalid")
#: statuses that settle a (key, payload) pair: the same payload is never sent again.
SETTLED = ("applied", "rejected")

SCHEMA = """
CREATE TABLE IF NOT EXISTS writeback_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    source TEXT NOT NULL,              -- 'model:wb_lead_updates' | 'file:leads.csv'
    instance TEXT NOT NULL,
    operation TEXT NOT NULL,           -- add_lead | update_lead | add_list | update_list
    row_key TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    attempt INTEGER NOT NULL,          -- 1, 2, ... per (instance, operation, row_key, payload_hash)
    status TEXT NOT NULL,              -- applied | rejected | failed | pending | dry_run | invalid
    request TEXT,                      -- JSON: {"function": ..., "params": {...}} (no credentials)
    message TEXT,                      -- parsed response line or the reason (redacted)
    lead_id TEXT,
    list_id TEXT,
    notices TEXT,                      -- JSON list of NOTICE lines
    rejections TEXT,                   -- JSON list of {field, rule, value_preview} (invalid rows)
    created_at TEXT NOT NULL,          -- UTC ISO-8601: recorded before sending
    finished_at TEXT                   -- UTC ISO-8601: outcome recorded
);
CREATE INDEX IF NOT EXISTS writeback_ledger_key
    ON writeback_ledger (instance, operation, row_key, id);
CREATE INDEX IF NOT EXISTS writeback_ledger_run ON writeback_ledger (run_id);
"""

ARROW_SCHEMA = pa.schema([
    ("id", pa.int64()), ("run_id", pa.string()), ("source", pa.string()), ("instance", pa.string()),
    ("operation", pa.string()), ("row_key", pa.string()), ("payload_hash", pa.string()),
    ("attempt", pa.int64()), ("status", pa.string()), ("request", pa.string()), ("message", pa.string()),
    ("lead_id", pa.string()), ("list_id", pa.string()), ("notices", pa.string()), ("rejections", pa.string()),
    ("created_at", pa.timestamp("us", tz="UTC")), ("finished_at", pa.timestamp("us", tz="UTC")),
])
_COLS = [f.name for f in ARROW_SCHEMA]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Entry:
    """The latest ledger row of one (instance, operation, row_key)."""

    id: int
    payload_hash: str
    status: str
    attempt: int
    lead_id: str | None
    list_id: str | None
    request: str | None


class WritebackLedger:
    """Thread-safe handle on `<state_dir>/writeback.sqlite`; safe across processes (WAL, busy timeout)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
        self._conn.execute("PRAGMA busy_timeout=60000")
        with self._lock:
            self._conn.executescript(SCHEMA)

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> WritebackLedger:
        return cls(Path(state_dir) / FILENAME)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> WritebackLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # --- writes --------------------------------------------------------------------------
    def begin(self, *, run_id: str, source: str, instance: str, operation: str, row_key: str,
              payload_hash: str, attempt: int, request: Mapping[str, object], status: str = "pending",
              message: str | None = None) -> int:
        """Record an attempt *before* sending it. Returns the ledger row id."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO writeback_ledger (run_id, source, instance, operation, row_key, payload_hash,"
                " attempt, status, request, message, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, source, instance, operation, row_key, payload_hash, attempt, status,
                 orjson.dumps(request).decode(), message, _now()))
            return int(cur.lastrowid or 0)

    def finish(self, entry_id: int, *, status: str, message: str | None, lead_id: str | None = None,
               list_id: str | None = None, notices: list[str] | None = None) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown ledger status {status!r}")
        with self._tx() as c:
            c.execute("UPDATE writeback_ledger SET status=?, message=?, lead_id=?, list_id=?, notices=?,"
                      " finished_at=? WHERE id=?",
                      (status, message, lead_id, list_id, orjson.dumps(notices or []).decode(), _now(), entry_id))

    def record_many(self, rows: list[dict[str, object]]) -> None:
        """Insert finished rows in one transaction (invalid and dry-run rows: nothing is sent)."""
        now = _now()
        with self._tx() as c:
            c.executemany(
                "INSERT INTO writeback_ledger (run_id, source, instance, operation, row_key, payload_hash,"
                " attempt, status, request, message, lead_id, list_id, notices, rejections, created_at,"
                " finished_at) VALUES (:run_id,:source,:instance,:operation,:row_key,:payload_hash,:attempt,"
                ":status,:request,:message,:lead_id,:list_id,:notices,:rejections,:now,:now)",
                [{"lead_id": None, "list_id": None, "notices": None, "rejections": None, "message": None,
                  "attempt": 1, **r, "now": now} for r in rows])

    # --- reads ---------------------------------------------------------------------------
    def latest(self, instance: str) -> dict[tuple[str, str], Entry]:
        """(operation, row_key) → latest real attempt (dry-run rows are ignored)."""
        with self._lock:
            cur = self._conn.execute(
                "SELECT l.operation, l.row_key, l.id, l.payload_hash, l.status, l.attempt, l.lead_id, l.list_id,"
                " l.request FROM writeback_ledger l JOIN (SELECT MAX(id) AS id FROM writeback_ledger"
                " WHERE instance=? AND status != 'dry_run' GROUP BY operation, row_key) m ON l.id = m.id",
                (instance,))
            return {(op, key): Entry(i, h, s, a, le, li, rq) for op, key, i, h, s, a, le, li, rq in cur}

    def applied_since(self, instance: str, operations: tuple[str, ...], since: datetime
                      ) -> list[dict[str, object]]:
        """Applied rows of ``operations`` finished after ``since`` (row_key, operation, params,
        finished_at): what a new change must not silently reverse."""
        marks = ",".join("?" for _ in operations)
        with self._lock:
            cur = self._conn.execute(
                f"SELECT row_key, operation, request, finished_at FROM writeback_ledger WHERE instance=?"
                f" AND status='applied' AND operation IN ({marks}) AND finished_at >= ? ORDER BY id",
                (instance, *operations, since.astimezone(UTC).isoformat(timespec="microseconds")))
            out = []
            for key, op, request, finished in cur:
                try:
                    params = dict(orjson.loads(request or "{}").get("params") or {})
                except (orjson.JSONDecodeError, AttributeError):
                    params = {}
                out.append({"row_key": key, "operation": op, "params": params, "finished_at": finished})
            return out

    def attempts(self, instance: str, operation: str, row_key: str) -> list[dict[str, object]]:
        with self._lock:
            cur = self._conn.execute(
                f"SELECT {', '.join(_COLS)} FROM writeback_ledger WHERE instance=? AND operation=? AND row_key=?"
                " ORDER BY id", (instance, operation, row_key))
            return [dict(zip(_COLS, r, strict=True)) for r in cur]

    def to_arrow(self, *, limit: int | None = None, run_id: str | None = None) -> pa.Table:
        """The whole ledger (or the newest ``limit`` rows / one run) as Arrow, newest first."""
        sql = f"SELECT {', '.join(_COLS)} FROM writeback_ledger"
        args: list[object] = []
        if run_id:
            sql += " WHERE run_id=?"
            args.append(run_id)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        cols = list(zip(*rows, strict=True)) if rows else [[] for _ in _COLS]
        arrays = []
        for f, values in zip(ARROW_SCHEMA, cols, strict=True):
            if pa.types.is_timestamp(f.type):
                values = [datetime.fromisoformat(v) if v else None for v in values]
            arrays.append(pa.array(list(values), f.type))
        return pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA)

    def counts(self, run_id: str) -> dict[str, int]:
        with self._lock:
            cur = self._conn.execute("SELECT status, COUNT(*) FROM writeback_ledger WHERE run_id=? GROUP BY status",
                                     (run_id,))
            return dict(cur.fetchall())
