"""Mutable lead/list state: the world's base tables plus an overlay of write-back changes.

Why an append-only change log instead of mutating tables: every change is time-stamped, so
`leads(as_of=D)` can show the state at the start of day D. Past days' event logs are then
stable (same bytes before and after a write-back), while days after the change see it —
a lead added on day D is dialed from D+1 on. With `path`, the log is mirrored in SQLite so a
restarted simulator keeps its state.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.world import FIRST_LEAD_ID, LEAD_SCHEMA, World

#: Lead statuses the hopper may dial again.
DIALABLE_STATUSES = ("NEW", "NA", "B", "A", "AA", "CALLBK", "DROP", "TIMEOT", "AFTHRS", "LD")


@dataclass(frozen=True)
class Change:
    seq: int
    ts: datetime  # local naive time of the simulator clock
    kind: str  # add_lead update_lead delete_lead add_list update_list reset_list delete_list delete_list_leads
    key: int
    fields: dict[str, Any]


def _naive(ts: datetime) -> datetime:
    return ts.replace(tzinfo=None) if ts.tzinfo else ts


def _coerce(value: Any, typ: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_integer(typ):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None
    if pa.types.is_floating(typ):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if pa.types.is_timestamp(typ):
        if isinstance(value, datetime):
            return _naive(value)
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return str(value)


class LeadStore:
    """Thread-safe lead/list store. Base rows from the world, changes as a timed overlay."""

    def __init__(self, world: World, path: str | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.world = world
        self.path = path
        self.clock: Callable[[], datetime] = clock or datetime.now
        self._lock = threading.RLock()
        self._changes: list[Change] = []
        self._cache: dict[tuple[str, int], pa.Table] = {}
        self._base_leads = world.leads
        self._base_lists = world.lists
        self._list_schema = world.lists.schema
        self._next_lead_id = FIRST_LEAD_ID + world.leads.num_rows
        self._db: sqlite3.Connection | None = None
        if path:
            self._db = sqlite3.connect(path, check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, ts TEXT, kind TEXT, "
                             "key INTEGER, fields TEXT, seed INTEGER)")
            self._db.commit()
            rows = self._db.execute("SELECT seq, ts, kind, key, fields FROM changes WHERE seed = ? ORDER BY seq",
                                    (world.seed,)).fetchall()
            for seq, ts, kind, key, fields in rows:
                ch = Change(seq, datetime.fromisoformat(ts), kind, key, json.loads(fields))
                self._changes.append(ch)
                if kind == "add_lead":
                    self._next_lead_id = max(self._next_lead_id, key + 1)

    # ------------------------------------------------------------------ change log
    def _record(self, kind: str, key: int, fields: dict[str, Any], when: datetime | None) -> Change:
        ts = _naive(when or self.clock())
        ch = Change(len(self._changes) + 1, ts, kind, int(key), fields)
        self._changes.append(ch)
        self._cache.clear()
        if self._db is not None:
            self._db.execute("INSERT INTO changes (seq, ts, kind, key, fields, seed) VALUES (?,?,?,?,?,?)",
                             (ch.seq, ts.isoformat(sep=" "), kind, ch.key, json.dumps(fields, default=str),
                              self.world.seed))
            self._db.commit()
        return ch

    def _effective(self, as_of: date | None) -> list[Change]:
        if as_of is None:
            return self._changes
        cutoff = datetime(as_of.year, as_of.month, as_of.day)
        return [c for c in self._changes if c.ts < cutoff]

    def revision(self, as_of: date | None = None) -> int:
        """Number of changes visible at the start of `as_of` (a cache key for event logs)."""
        with self._lock:
            return len(self._effective(as_of))

    @property
    def changes(self) -> list[Change]:
        with self._lock:
            return list(self._changes)

    # ------------------------------------------------------------------ materialise
    def leads(self, as_of: date | None = None) -> pa.Table:
        """All leads as of the start of `as_of` (None: now), schema `world.LEAD_SCHEMA`."""
        with self._lock:
            eff = self._effective(as_of)
            key = ("leads", len(eff) if as_of is not None else -len(eff) - 1)
            hit = self._cache.get(key)
            if hit is not None:
                return hit
            tbl = self._materialise_leads(eff)
            self._cache[key] = tbl
            return tbl

    def _materialise_leads(self, eff: list[Change]) -> pa.Table:
        tbl = self._base_leads
        if not eff:
            return tbl
        added = [c for c in eff if c.kind == "add_lead"]
        if added:
            rows = [{**{f.name: _coerce(c.fields.get(f.name), f.type) for f in LEAD_SCHEMA}, "lead_id": c.key}
                    for c in added]
            tbl = pa.concat_tables([tbl, pa.Table.from_pylist(rows, schema=LEAD_SCHEMA)])
        pending: dict[int, dict[str, Any]] = {}
        deleted: set[int] = set()

        def flush(t: pa.Table) -> pa.Table:
            if not pending:
                return t
            ids = pa.array(list(pending), pa.int64())
            mask = pc.is_in(t["lead_id"], value_set=ids)
            pos = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            row_ids = t["lead_id"].take(pa.array(pos)).to_pylist()
            fields = {f for upd in pending.values() for f in upd}
            for name in fields:
                idx = t.schema.get_field_index(name)
                if idx < 0:
                    continue
                typ = t.schema.field(idx).type
                old = t[name].take(pa.array(pos)).to_pylist()
                new = [pending[i].get(name, o) for i, o in zip(row_ids, old, strict=True)]
                col = pc.replace_with_mask(t[name].combine_chunks(), mask.combine_chunks()
                                           if isinstance(mask, pa.ChunkedArray) else mask,
                                           pa.array([_coerce(v, typ) for v in new], typ))
                t = t.set_column(idx, name, col)
            pending.clear()
            return t

        for c in eff:
            if c.kind == "update_lead":
                pending.setdefault(c.key, {}).update(c.fields)
            elif c.kind == "delete_lead":
                deleted.add(c.key)
            elif c.kind in ("reset_list", "delete_list_leads"):
                tbl = flush(tbl)
                in_list = pc.equal(tbl["list_id"], c.key)
                if c.kind == "reset_list":
                    tbl = tbl.set_column(tbl.schema.get_field_index("called_since_last_reset"),
                                         "called_since_last_reset",
                                         pc.if_else(in_list, "N", tbl["called_since_last_reset"]))
                else:
                    tbl = tbl.filter(pc.invert(in_list))
        tbl = flush(tbl)
        if deleted:
            tbl = tbl.filter(pc.invert(pc.is_in(tbl["lead_id"], value_set=pa.array(sorted(deleted), pa.int64()))))
        return tbl

    def lists(self, as_of: date | None = None) -> pa.Table:
        """All lists as of the start of `as_of` (None: now)."""
        with self._lock:
            eff = self._effective(as_of)
            key = ("lists", len(eff) if as_of is not None else -len(eff) - 1)
            hit = self._cache.get(key)
            if hit is not None:
                return hit
            rows = {r["list_id"]: r for r in self._base_lists.to_pylist()}
            for c in eff:
                if c.kind == "add_list":
                    rows[c.key] = {f.name: _coerce(c.fields.get(f.name), f.type) for f in self._list_schema}
                    rows[c.key]["list_id"] = c.key
                elif c.kind == "update_list" and c.key in rows:
                    for k, v in c.fields.items():
                        idx = self._list_schema.get_field_index(k)
                        if idx >= 0 and k != "list_id":
                            rows[c.key][k] = _coerce(v, self._list_schema.field(idx).type)
                elif c.kind == "reset_list" and c.key in rows:
                    rows[c.key]["resets_today"] = (rows[c.key].get("resets_today") or 0) + 1
                elif c.kind == "delete_list":
                    rows.pop(c.key, None)
            tbl = pa.Table.from_pylist([rows[k] for k in sorted(rows)], schema=self._list_schema)
            self._cache[key] = tbl
            return tbl

    # ------------------------------------------------------------------ reads
    def get_lead(self, lead_id: int) -> dict[str, Any] | None:
        """Current state of one lead, or None."""
        found = self.find_leads(lead_id=int(lead_id))
        return found[0] if found else None

    def find_leads(self, *, phone_number: str | None = None, vendor_lead_code: str | None = None,
                   list_ids: Iterable[int] | None = None, lead_id: int | None = None) -> list[dict[str, Any]]:
        """Leads matching every given criterion (vectorised filter over the current table)."""
        tbl = self.leads()
        mask = None

        def _and(m: Any) -> None:
            nonlocal mask
            mask = m if mask is None else pc.and_(mask, m)

        if lead_id is not None:
            _and(pc.equal(tbl["lead_id"], int(lead_id)))
        if phone_number is not None:
            _and(pc.equal(tbl["phone_number"], str(phone_number)))
        if vendor_lead_code is not None:
            _and(pc.equal(tbl["vendor_lead_code"], str(vendor_lead_code)))
        if list_ids is not None:
            _and(pc.is_in(tbl["list_id"], value_set=pa.array([int(x) for x in list_ids], pa.int64())))
        if mask is None:
            return []
        return tbl.filter(mask).to_pylist()

    def get_list(self, list_id: int) -> dict[str, Any] | None:
        tbl = self.lists()
        rows = tbl.filter(pc.equal(tbl["list_id"], int(list_id))).to_pylist()
        return rows[0] if rows else None

    def list_counts(self, list_id: int) -> dict[str, int]:
        """Lead counts of one list: total, dialable (dialable status, not called since reset), by status."""
        tbl = self.leads()
        sub = tbl.filter(pc.equal(tbl["list_id"], int(list_id)))
        status = sub["status"]
        dialable_status = pc.is_in(status, value_set=pa.array(DIALABLE_STATUSES))
        not_called = pc.equal(sub["called_since_last_reset"], "N")
        out = {
            "total": sub.num_rows,
            "dialable": int(pc.sum(pc.and_(dialable_status, not_called).cast(pa.int64())).as_py() or 0),
            "new": int(pc.sum(pc.equal(status, "NEW").cast(pa.int64())).as_py() or 0),
            "called_since_last_reset_n": int(pc.sum(not_called.cast(pa.int64())).as_py() or 0),
        }
        out["called_since_last_reset_y"] = out["total"] - out["called_since_last_reset_n"]
        out["by_status"] = {r["values"]: r["counts"] for r in pc.value_counts(status).to_pylist()}  # type: ignore[assignment]
        return out

    # ------------------------------------------------------------------ writes
    def add_lead(self, fields: dict[str, Any], when: datetime | None = None) -> int:
        """Insert a lead; returns its new lead_id. Dialed from the day after `when`."""
        with self._lock:
            lead_id = self._next_lead_id
            self._next_lead_id += 1
            ts = _naive(when or self.clock())
            f = {"status": "NEW", "called_count": 0, "called_since_last_reset": "N", "phone_code": "1",
                 "gmt_offset_now": -5.0, "user": "", "rank": 0, "entry_list_id": 0, "gender": "U",
                 **{k: v for k, v in fields.items() if v is not None},
                 "entry_date": ts.isoformat(sep=" "), "modify_date": ts.isoformat(sep=" ")}
            self._record("add_lead", lead_id, f, ts)
            return lead_id

    def update_lead(self, lead_id: int, fields: dict[str, Any], when: datetime | None = None) -> None:
        with self._lock:
            ts = _naive(when or self.clock())
            self._record("update_lead", lead_id, {**fields, "modify_date": ts.isoformat(sep=" ")}, ts)

    def delete_lead(self, lead_id: int, when: datetime | None = None) -> None:
        with self._lock:
            self._record("delete_lead", lead_id, {}, when)

    def add_list(self, fields: dict[str, Any], when: datetime | None = None) -> None:
        with self._lock:
            ts = _naive(when or self.clock())
            f = {"active": "N", "resets_today": 0, "list_changedate": ts.isoformat(sep=" "), **fields}
            self._record("add_list", int(fields["list_id"]), f, ts)

    def update_list(self, list_id: int, fields: dict[str, Any], when: datetime | None = None) -> None:
        with self._lock:
            ts = _naive(when or self.clock())
            self._record("update_list", list_id, {**fields, "list_changedate": ts.isoformat(sep=" ")}, ts)

    def reset_list(self, list_id: int, when: datetime | None = None) -> None:
        """Mark every lead of the list not called since last reset (called_since_last_reset=N)."""
        with self._lock:
            self._record("reset_list", list_id, {}, when)

    def delete_list(self, list_id: int, when: datetime | None = None) -> None:
        with self._lock:
            self._record("delete_list", list_id, {}, when)

    def delete_list_leads(self, list_id: int, when: datetime | None = None) -> None:
        with self._lock:
            self._record("delete_list_leads", list_id, {}, when)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
