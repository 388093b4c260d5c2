"""The Parquet lake: one directory per (platform, table, instance, day), replaced whole.

Readers (DuckDB raw views, `Lake.read`) see `<platform>/<table>/instance=<i>/date=<d>/part-0.parquet`.
An endpoint may yield several tables that must change together (outbound_cdr + its summary):
a reader must never pair today's CDRs with yesterday's summary. So the data files of one
endpoint's partition live in one *generation* directory under `.store/`, and every table's
`part-0.parquet` is a fixed symlink through that partition's `current` link:

    <platform>/<table>/instance=<i>/date=<d>/part-0.parquet
        -> ../../../../.store/<platform>/<group>/instance=<i>/date=<d>/current/<table>.parquet
    .store/<platform>/<group>/instance=<i>/date=<d>/current -> g-<writer>-<uuid>

A write stages every table in a new generation directory (files and directory fsynced), then
commits with one `rename` of a new `current` symlink over the old one (directory fsynced):
all tables switch at once, and a crash before that rename leaves the previous generation
in place. A reader's open file of the old generation stays valid after it is removed. (The
one window where tables of a group change one at a time is a partition's first write, or the
first rewrite of a lake written before generations existed: each table's link appears then.)

Crash leftovers are found without walking the lake: before staging, a writer drops a journal
file in `.staging/` naming its generation; `cleanup_temp` (run at the start of every sync)
removes the uncommitted or superseded generations of writers that are provably dead
(`warehouse.process`), never those of a live process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.process import Writer, is_dead, this_writer

PART = "part-0.parquet"
STORE = ".store"
STAGING = ".staging"
CURRENT = "current"


@dataclass(frozen=True)
class WrittenPartition:
    table: str
    path: Path
    rows: int
    bytes: int
    checksum: str  # sha256 of the file


class Lake:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def partition_dir(self, platform: str, table: str, instance: str, day: date | str) -> Path:
        return self.root / platform / table / f"instance={instance}" / f"date={day}"

    def store_dir(self, platform: str, group: str, instance: str, day: date | str) -> Path:
        return self.root / STORE / platform / group / f"instance={instance}" / f"date={day}"

    def glob(self, table: str) -> str:
        """Glob over every platform and instance, for DuckDB views."""
        return str(self.root / "*" / table / "instance=*" / "date=*" / PART)

    def has_files(self, table: str) -> bool:
        return any(self.root.glob(f"*/{table}/instance=*/date=*/{PART}"))

    def write(self, platform: str, instance: str, day: date | str, tables: dict[str, pa.Table],
              group: str | None = None) -> list[WrittenPartition]:
        """Atomically replace the partition of every table in ``tables``, all in one commit.

        ``group`` names the set of tables committed together (the endpoint); it must be the
        same on every write of these tables.
        """
        if not tables:
            return []
        group = group or sorted(tables)[0]
        store = self.store_dir(platform, group, instance, day)
        writer = this_writer()
        gen = store / f"g-{writer.tag}-{uuid.uuid4().hex[:12]}"
        journal = self._journal(writer, store, gen)
        written: list[WrittenPartition] = []
        try:
            gen.mkdir(parents=True)
            for name, table in tables.items():
                f = gen / f"{name}.parquet"
                pq.write_table(table, f, compression="zstd", row_group_size=256_000)
                with open(f, "rb+") as fh:
                    os.fsync(fh.fileno())
                written.append(WrittenPartition(name, self.partition_dir(platform, name, instance, day) / PART,
                                                table.num_rows, f.stat().st_size, _sha256(f)))
            fsync_dir(gen)
            fsync_dir(store)
            old = _current(store)
            _symlink_replace(store / CURRENT, gen.name)  # the commit
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            journal.unlink(missing_ok=True)
            raise
        for w in written:
            self._link(w.path, store / CURRENT / f"{w.table}.parquet")
        _remove_superseded(store, keep=gen.name, also=old)
        journal.unlink(missing_ok=True)
        return written

    def _journal(self, writer: Writer, store: Path, gen: Path) -> Path:
        staging = self.root / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        path = staging / f"{gen.name}.json"
        path.write_text(json.dumps({"store": str(store.relative_to(self.root)), "gen": gen.name}))
        fsync_dir(staging)
        return path

    def _link(self, public: Path, target: Path) -> None:
        """Make ``public`` a relative symlink to ``target`` (once per partition; replaces a
        pre-generation regular file atomically)."""
        rel = os.path.relpath(target, public.parent)
        if public.is_symlink() and os.readlink(public) == rel:
            return
        public.parent.mkdir(parents=True, exist_ok=True)
        _symlink_replace(public, rel)

    def paths(self, table: str, instance: str, day: date | str | None = None) -> list[Path]:
        day_part = f"date={day}" if day is not None else "date=*"
        return sorted(self.root.glob(f"*/{table}/instance={instance}/{day_part}/{PART}"))

    def read(self, table: str, instance: str, day: date | str, columns: list[str] | None = None,
             *, present_only: bool = False) -> pa.Table | None:
        """A partition (None if not stored); ``present_only``: of ``columns``, those it has."""
        files = self.paths(table, instance, day)
        if not files:
            return None
        pieces = []
        for f in files:
            cols = columns
            if present_only and columns is not None:
                names = set(pq.read_schema(f).names)
                cols = [c for c in columns if c in names]
            pieces.append(pq.read_table(f, columns=cols))
        return pa.concat_tables(pieces, promote_options="default")

    def num_rows(self, table: str, instance: str, day: date | str) -> int | None:
        """Rows of a partition from its Parquet footers (None if not stored)."""
        files = self.paths(table, instance, day)
        return sum(pq.read_metadata(f).num_rows for f in files) if files else None

    def days(self, table: str, instance: str) -> list[date]:
        out = {date.fromisoformat(p.parent.name.removeprefix("date=")) for p in self.paths(table, instance)}
        return sorted(out)

    def read_all(self, table: str, instance: str, column: str) -> pa.Table | None:
        """One column of every partition of ``table`` (fan-out keys drawn from the whole history)."""
        files = self.paths(table, instance)
        if not files:
            return None
        pieces = [pq.read_table(f, columns=[column]) for f in files if column in pq.read_schema(f).names]
        return pa.concat_tables(pieces, promote_options="default") if pieces else None

    def latest(self, table: str, instance: str, columns: list[str] | None = None) -> pa.Table | None:
        days = self.days(table, instance)
        return self.read(table, instance, days[-1], columns) if days else None

    def cleanup_temp(self) -> int:
        """Remove what interrupted writers left (never visible as data); returns entries removed.

        Only writers that are provably dead on this host are cleaned: a concurrent live sync
        (another Dagster step) keeps its staging.
        """
        n = 0
        staging = self.root / STAGING
        for journal in sorted(staging.glob("g-*.json")) if staging.is_dir() else []:
            writer = _writer_of(journal.name.removesuffix(".json"))
            if writer is None or not is_dead(writer):
                continue
            try:
                info = json.loads(journal.read_text())
                store = self.root / info["store"]
            except (OSError, ValueError, KeyError):
                store = None
            if store is not None and store.is_dir():
                n += _remove_superseded(store, keep=_current(store))
                for tmp in store.glob(f".{CURRENT}.*.tmp"):
                    tmp.unlink(missing_ok=True)
                    n += 1
            journal.unlink(missing_ok=True)
            n += 1
        # temp files of the pre-generation layout (a file per table renamed into place)
        for tmp in self.root.glob(f"*/*/instance=*/date=*/.{PART}.*.tmp"):
            tmp.unlink(missing_ok=True)
            n += 1
        return n


def _writer_of(gen_name: str) -> Writer | None:
    """``g-<pid>-<start>@<host>-<uuid>`` → the writer."""
    body = gen_name.removeprefix("g-")
    tag, _, _ = body.rpartition("-")
    return Writer.from_tag(tag)


def _current(store: Path) -> str | None:
    try:
        return os.readlink(store / CURRENT)
    except OSError:
        return None


def _remove_superseded(store: Path, keep: str | None, also: str | None = None) -> int:
    """Remove generations other than ``keep`` that are ``also`` (just superseded by us) or whose
    writer is dead or is this process (a generation of a live concurrent writer may be about
    to be committed)."""
    n = 0
    me = this_writer()
    for gen in store.glob("g-*"):
        if gen.name == keep:
            continue
        w = _writer_of(gen.name)
        if gen.name == also or w is None or w == me or is_dead(w):
            shutil.rmtree(gen, ignore_errors=True)
            n += 1
    if n:
        fsync_dir(store)
    return n


def _symlink_replace(path: Path, target: str) -> None:
    """Point ``path`` at ``target`` with one atomic rename (parent directory fsynced)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    os.symlink(target, tmp)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable: a file fsync does not persist its directory entry."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
