"""Readers of the published file: every DuckDB client opens it, and pooled readers see each publish."""

from __future__ import annotations

from pathlib import Path

import duckdb
import sqlalchemy as sa

from warehouse import catalog, compat, readers


def _publish(published: Path, value: int) -> None:
    """The real publish path: build a private copy, rename it over the published file."""
    with catalog.building(published) as build:
        con = compat.connect(build)
        try:
            con.execute(f"CREATE OR REPLACE TABLE facts AS SELECT {value} AS v")
        finally:
            con.close()


def test_pooled_sqlalchemy_reader_sees_each_publish(tmp_path: Path) -> None:
    pub = tmp_path / "dialsync.duckdb"
    _publish(pub, 1)
    engine = readers.sqlalchemy_engine(pub, pool_size=2, max_overflow=0)
    # a long-lived plain connection in the same process: DuckDB's instance cache would hand
    # its (old) instance to every later duckdb.connect(pub) — the trap readers.* avoid
    held = duckdb.connect(str(pub), read_only=True)
    try:
        with engine.connect() as c:
            assert c.execute(sa.text("select v from facts")).scalar() == 1
        _publish(pub, 2)
        with engine.connect() as c:  # the pooled connection is checked, dropped and reopened
            assert c.execute(sa.text("select v from facts")).scalar() == 2
        with engine.connect() as c:  # and the new one is reused while the file stays the same
            assert c.execute(sa.text("select v from facts")).scalar() == 2
        assert engine.pool.checkedin() >= 1
        fresh = readers.connect(pub)
        try:
            assert fresh.execute("select v from facts").fetchone()[0] == 2
        finally:
            fresh.close()
        stale = duckdb.connect(str(pub), read_only=True)
        try:  # proves the test would catch a naive reader
            assert stale.execute("select v from facts").fetchone()[0] == 1
        finally:
            stale.close()
    finally:
        held.close()
        engine.dispose()


def test_published_file_is_in_the_1x_storage_format(tmp_path: Path) -> None:
    pub = tmp_path / "dialsync.duckdb"
    _publish(pub, 1)
    assert compat.is_compatible(pub)


def test_file_from_an_older_dialsync_is_migrated_with_its_history(tmp_path: Path) -> None:
    """A warehouse written before the storage rule (v2 format) is rewritten once, keeping
    everything (snapshot history cannot be rebuilt from the lake), comments included."""
    old = tmp_path / "dialsync.duckdb"
    con = duckdb.connect(str(old))
    con.execute("CREATE SCHEMA snapshots; CREATE TABLE snapshots.agent_history AS "
                "SELECT range AS id FROM range(1000)")
    con.execute("CREATE SCHEMA bi; CREATE VIEW bi.n AS SELECT count(*) AS n FROM snapshots.agent_history")
    con.execute("COMMENT ON VIEW bi.n IS 'rows of history'")
    con.close()
    assert not compat.is_compatible(old)
    build = tmp_path / "build.duckdb"
    build.write_bytes(old.read_bytes())
    assert compat.ensure_compatible(build) is True
    assert compat.is_compatible(build)
    assert compat.ensure_compatible(build) is False  # once
    con = duckdb.connect(str(build), read_only=True)
    try:
        assert con.execute("select n from bi.n").fetchone()[0] == 1000
        assert con.execute("select comment from duckdb_views() where view_name = 'n'").fetchone()[0] == \
            "rows of history"
    finally:
        con.close()


def test_superset_style_nullpool_uri_sees_the_publish_once_idle(tmp_path: Path) -> None:
    """Superset's default: a plain file URI with NullPool opens the file per query."""
    pub = tmp_path / "dialsync.duckdb"
    _publish(pub, 1)
    engine = sa.create_engine(f"duckdb:///{pub}", poolclass=sa.pool.NullPool,
                              connect_args={"read_only": True})
    try:
        with engine.connect() as c:
            assert c.execute(sa.text("select v from facts")).scalar() == 1
        _publish(pub, 2)
        with engine.connect() as c:
            assert c.execute(sa.text("select v from facts")).scalar() == 2
    finally:
        engine.dispose()
