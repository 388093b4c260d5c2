"""The published DuckDB file stays readable by every DuckDB client in use, 1.x and 2.x.

DuckDB 2.x writes storage version 69 by default, which DuckDB 1.x clients refuse ("version
number 69, but we can only read versions between 64 and 68") — and most BI drivers (Evidence's
node client, JDBC/ODBC, .NET) still ship 1.x. A file *created* with
``storage_compatibility_version`` keeps that format for its whole life, whatever later
writers open it with, so the build file only needs the setting at creation; a file created
before this rule is migrated once by copying its whole catalog (SCD2 snapshot history
included, which cannot be rebuilt from the lake) into a compatible file.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

#: Oldest DuckDB release that must open the published file. v1.0.0 is storage version 64,
#: the oldest a current 1.x client reads; nothing dialsync stores needs a newer format.
STORAGE_VERSION = "v1.0.0"


def connect(path: Path, **kw: object) -> duckdb.DuckDBPyConnection:
    """A connection that creates a missing file in the compatible storage format."""
    config = dict(kw.pop("config", None) or {})  # type: ignore[call-overload]
    config.setdefault("storage_compatibility_version", STORAGE_VERSION)
    return duckdb.connect(str(path), config=config, **kw)  # type: ignore[arg-type]


def storage_version(path: Path) -> str | None:
    """The storage format of an existing file, as DuckDB reports it (e.g. ``v1.0.0+``)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{_sql(path)}' AS f (READ_ONLY)")
        tags = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'f'").fetchone()
        return (tags[0] or {}).get("storage_version") if tags else None
    finally:
        con.close()


def is_compatible(path: Path) -> bool:
    version = storage_version(path)
    return bool(version) and version.rstrip("+") == STORAGE_VERSION


def ensure_compatible(path: Path) -> bool:
    """Rewrite ``path`` in the compatible format if it is not already; True if it was rewritten.

    Only ever called on a private build copy: the published file is replaced by the normal
    atomic publish afterwards.
    """
    path = Path(path)
    if not path.exists() or is_compatible(path):
        return False
    tmp = path.with_name(path.name + ".compat")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{_sql(path)}' AS src (READ_ONLY)")
        con.execute(f"ATTACH '{_sql(tmp)}' AS dst (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("COPY FROM DATABASE src TO dst")
        con.execute("DETACH dst")
        con.execute("DETACH src")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(tmp, path)
    return True


def _sql(path: Path) -> str:
    return str(Path(path).absolute()).replace("'", "''")
