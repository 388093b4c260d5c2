"""The DuckDB warehouse file: raw views over the lake, ops tables, atomic publish.

DuckDB allows one writer per file and BI tools keep the file open for hours. So nothing
ever writes the published file in place: a build copies it to `<data_dir>/.build/`,
refreshes views and ops tables, runs dbt there, and renames the result over the published
path. A reader holding the old file keeps its (now unlinked) copy; the next connection
sees the new one. An inter-process file lock makes builds take turns; holding it, a build
first deletes the copies a killed build (kill -9 skips every `finally`) left behind.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse import compat
from warehouse.lake import Lake, fsync_dir


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def refresh_raw_views(con: duckdb.DuckDBPyConnection, lake: Lake, schemas: Mapping[str, pa.Schema]) -> dict[str, str]:
    """(Re)create `raw.<table>` for every table of ``schemas`` (the typed raw tables, from the
    caller: storage knows no endpoint); typed and empty before data exists.

    The empty typed schema is always part of the scan, so columns a partition lacks still
    exist with their types, and new (drift) columns are added by name.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    schema_dir = lake.root / "_schemas"
    schema_dir.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}
    for table in sorted(schemas):
        empty = schemas[table].empty_table()
        schema_file = schema_dir / f"{table}.parquet"
        _write_if_changed(schema_file, empty)
        sources = [_sql_str(str(schema_file))]
        if lake.has_files(table):
            sources.append(_sql_str(lake.glob(table)))
            kinds[table] = "lake"
        else:
            kinds[table] = "empty"
        con.execute(
            f"CREATE OR REPLACE VIEW raw.{table} AS SELECT * FROM read_parquet([{', '.join(sources)}], "
            "union_by_name = true, hive_partitioning = false)"
        )
    return kinds


def _write_if_changed(path: Path, table: pa.Table) -> None:
    import pyarrow.parquet as pq

    if path.exists():
        try:
            if pq.read_schema(path).equals(table.schema, check_metadata=False):
                return
        except Exception:
            pass
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def load_ops_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Replace `ops.<name>` tables (sync ledger, write-back ledger) from Arrow."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    for name, table in tables.items():
        con.register("_ops_src", table)
        con.execute(f"CREATE OR REPLACE TABLE ops.{name} AS SELECT * FROM _ops_src")
        con.unregister("_ops_src")


@contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    lock_dir = Path(data_dir) / ".build"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / "publish.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


#: the build copy's name suffix: one fixed name (builds take turns under the build lock, and a
#: stable path lets dbt reuse its partial parse: its cache is keyed on the profile, path included);
#: older versions named copies by a uuid, still cleaned up
BUILD_SUFFIX = ".building"
_BUILD_COPY = re.compile(r"\.(?:[0-9a-f]{32}|building)(\.wal)?$")


def remove_stale_builds(published: Path) -> int:
    """Delete build copies a killed build left in `.build/` (a kill -9 skips `finally`).

    Called with the build lock held: no other build is running, so every copy is stale.
    """
    n = 0
    for p in (published.parent / ".build").glob(f"{published.name}.*"):
        if _BUILD_COPY.fullmatch(p.name[len(published.name):]):
            p.unlink(missing_ok=True)
            n += 1
    return n


def build_file(published: Path) -> Path:
    """Where a build of ``published`` happens (one per data dir: `building` holds its lock)."""
    published = Path(published).absolute()
    return published.parent / ".build" / f"{published.name}{BUILD_SUFFIX}"


@contextmanager
def building(published: Path) -> Iterator[Path]:
    """Yield a private copy of the published file to build in; publish it atomically on success.

    On any exception the build copy is discarded and the published file is untouched.
    """
    published = Path(published).absolute()
    data_dir = published.parent
    with build_lock(data_dir):
        remove_stale_builds(published)
        build = build_file(published)
        flushing = None
        if published.exists():
            shutil.copyfile(published, build)
            # the copy's pages go to disk while dbt works, not in the fsync before the rename
            # (2.2 s for a 1.9 GB warehouse here; a year's is ~7 GB)
            flushing = threading.Thread(target=_fsync, args=(build,), name="dialsync-build-flush", daemon=True)
            flushing.start()
        try:
            yield build
            wal = build.with_name(build.name + ".wal")
            if wal.exists():  # a clean close checkpoints; a WAL left means a crash mid-build
                raise RuntimeError("build database was not closed cleanly; not publishing")
            _fsync(build)  # waits for every dirty page, the copy's still in flight included
            os.replace(build, published)
            fsync_dir(data_dir)
        finally:
            if flushing is not None:  # never leave it flushing a file we are about to remove
                flushing.join()
            build.unlink(missing_ok=True)
            build.with_name(build.name + ".wal").unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def prepare(build_path: Path, lake: Lake, ops: dict[str, pa.Table], schemas: Mapping[str, pa.Schema]) -> dict[str, str]:
    """Refresh raw views and ops tables in ``build_path`` (in the storage format 1.x clients read)."""
    compat.ensure_compatible(build_path)
    con = compat.connect(build_path)
    try:
        kinds = refresh_raw_views(con, lake, schemas)
        load_ops_tables(con, ops)
        con.execute("CHECKPOINT")
        return kinds
    finally:
        con.close()
