"""Read connections to the published warehouse that see every new publish.

A publish replaces the file by an atomic rename, so an open reader keeps the old file (its
inode) until it reconnects. Two traps make "reconnect" not enough in one process:

- DuckDB caches database instances by path: ``duckdb.connect(path)`` while any other
  connection to that path is open returns the *same* instance, still on the old file;
- a connection pool (SQLAlchemy's QueuePool in Superset, a JDBC pool in Metabase) never
  reconnects on its own.

So a reader here opens an in-memory database and ATTACHes the file read-only (a fresh file
handle every time, no instance cache), and a pooled engine checks at every checkout whether
the file on disk is still the one the connection attached; if not, the pool drops the
connection and opens a new one (SQLAlchemy's disconnect handling).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

ALIAS = "dialsync"


def file_identity(path: Path) -> tuple[int, int, int]:
    """What changes when a publish renames a new file over ``path``."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


def attach(con: Any, path: Path) -> None:
    """ATTACH ``path`` read-only into ``con`` and make it the default catalog."""
    target = str(Path(path).absolute()).replace("'", "''")
    con.execute(f"ATTACH '{target}' AS {ALIAS} (READ_ONLY)")
    con.execute(f"USE {ALIAS}")


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the latest published file, whatever else this process has open."""
    con = duckdb.connect(":memory:")
    try:
        attach(con, path)
    except BaseException:
        con.close()
        raise
    return con


def sqlalchemy_engine(path: Path, **engine_kw: Any) -> Any:
    """A SQLAlchemy engine (duckdb-engine) whose pooled connections follow each publish.

    Use it where a Python BI tool or notebook keeps a pool (Superset's custom engine hook,
    Streamlit, Dash); ``engine_kw`` goes to ``create_engine`` (pool size, recycle, ...).
    """
    import sqlalchemy as sa
    from sqlalchemy import event, exc

    path = Path(path).absolute()
    # a ":memory:" URL would get SingletonThreadPool (one shared connection); pool like a BI server does
    engine_kw.setdefault("poolclass", sa.pool.QueuePool)
    engine = sa.create_engine("duckdb:///:memory:", **engine_kw)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_con: Any, record: Any) -> None:
        record.info["dialsync_identity"] = file_identity(path)
        attach(dbapi_con, path)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_con: Any, record: Any, proxy: Any) -> None:
        if record.info.get("dialsync_identity") != file_identity(path):
            raise exc.DisconnectionError("warehouse file was republished; reconnecting")

    return engine
