"""Lake, ledger and catalog on real files: atomic partitions, typed empty views, publish."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract.registry import TABLES
from extract.typing import empty_table
from warehouse import catalog
from warehouse.lake import PART, Lake
from warehouse.ledger import SyncLedger


def _t(n: int, tag: str = "a") -> pa.Table:
    return pa.table({"x": pa.array(range(n), pa.int64()), "tag": pa.array([tag] * n)})


def test_partition_write_replaces_whole(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("crocodial", "i1", date(2025, 5, 1), {"t": _t(5)})
    lake.write("crocodial", "i1", date(2025, 5, 1), {"t": _t(3, "b")})
    got = lake.read("t", "i1", date(2025, 5, 1))
    assert got is not None and got.num_rows == 3 and set(got.column("tag").to_pylist()) == {"b"}
    assert len(list(tmp_path.rglob("*.parquet"))) == 1


def test_failed_write_leaves_previous_copy(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    day = date(2025, 5, 1)
    lake.write("crocodial", "i1", day, {"a": _t(4), "b": _t(2)})

    bad = {"a": _t(9, "new"), "b": "not a table"}
    with pytest.raises(Exception):  # noqa: B017 - any failure must keep the old copies
        lake.write("crocodial", "i1", day, bad)  # type: ignore[dict-item]
    assert lake.read("a", "i1", day).num_rows == 4  # type: ignore[union-attr]
    assert lake.read("b", "i1", day).num_rows == 2  # type: ignore[union-attr]
    assert not list(tmp_path.rglob("*.tmp"))


def test_leftover_temp_files_are_invisible_and_cleaned(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    day = date(2025, 5, 1)
    lake.write("vicidial", "i1", day, {"t": _t(2)})
    d = lake.partition_dir("vicidial", "t", "i1", day)
    (d / f".{PART}.deadbeef.tmp").write_bytes(b"half a parquet file")
    assert lake.read("t", "i1", day).num_rows == 2  # type: ignore[union-attr]
    assert lake.cleanup_temp() == 1


def test_ledger_keeps_numbers_of_copy_in_lake_on_failure(tmp_path: Path) -> None:
    led = SyncLedger(tmp_path / "l.sqlite")
    led.start("i1", "outbound_cdr", "2025-05-01")
    led.finish("i1", "outbound_cdr", "2025-05-01", status="success", rows=10, bytes_=100, checksum="c",
               fingerprint="f", requests=1, extracted_at="2025-05-02T00:00:00")
    led.start("i1", "outbound_cdr", "2025-05-01")
    led.finish("i1", "outbound_cdr", "2025-05-01", status="failed", error="TransientError: HTTP 503")
    row = led.get("i1", "outbound_cdr", "2025-05-01")
    assert row is not None and row.status == "failed" and row.rows == 10 and row.attempts == 2
    assert led.to_arrow().num_rows == 1


def test_raw_views_typed_and_empty_before_first_partition(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    db = tmp_path / "w.duckdb"
    with catalog.building(db) as build:
        kinds = catalog.prepare(build, lake, {"sync_ledger": SyncLedger(tmp_path / "l.sqlite").to_arrow()})
    assert set(kinds) == set(TABLES) and set(kinds.values()) == {"empty"}
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table in TABLES:
            assert con.execute(f"select count(*) from raw.{table}").fetchone() == (0,)
        cols = {r[0]: r[1] for r in con.execute("describe raw.outbound_cdr").fetchall()}
        assert cols["_partition_date"] == "DATE"
        assert cols["call_date_utc"] == "TIMESTAMP WITH TIME ZONE"
        assert con.execute("select count(*) from ops.sync_ledger").fetchone() == (0,)
    finally:
        con.close()


def test_publish_with_reader_open_and_failed_build_keeps_old(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    db = tmp_path / "w.duckdb"
    t = empty_table("portfolios")
    lake.write("crocodial", "i1", date(2025, 5, 1), {"portfolios": t})
    with catalog.building(db) as build:
        catalog.prepare(build, lake, {})
    reader = duckdb.connect(str(db), read_only=True)
    try:
        with pytest.raises(RuntimeError), catalog.building(db) as build:
            catalog.prepare(build, lake, {})
            raise RuntimeError("dbt failed")
        with catalog.building(db) as build:  # succeeds although a reader holds the file
            con = duckdb.connect(str(build))
            con.execute("create table main.marker as select 1 as x")
            con.close()
        assert reader.execute("select count(*) from raw.portfolios").fetchone() == (0,)
    finally:
        reader.close()
    fresh = duckdb.connect(str(db), read_only=True)
    assert fresh.execute("select x from main.marker").fetchone() == (1,)
    fresh.close()
    assert not list((tmp_path / ".build").glob("w.duckdb.*"))


def test_schema_file_matches_typed_schema(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    con = duckdb.connect()
    catalog.refresh_raw_views(con, lake)
    written = pq.read_schema(lake.root / "_schemas" / "outbound_cdr.parquet")
    assert written.names == empty_table("outbound_cdr").column_names
