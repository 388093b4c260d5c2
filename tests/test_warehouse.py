"""Lake, ledger and catalog on real files: atomic partitions, typed empty views, publish."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract.registry import TABLES
from extract.typing import empty_table, raw_schemas
from warehouse import catalog
from warehouse import ledger as ledger_mod
from warehouse.lake import PART, Lake
from warehouse.ledger import SyncLedger
from warehouse.process import this_writer


def _t(n: int, tag: str = "a") -> pa.Table:
    return pa.table({"x": pa.array(range(n), pa.int64()), "tag": pa.array([tag] * n)})


def test_partition_write_replaces_whole(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("crocodial", "i1", date(2025, 5, 1), {"t": _t(5)})
    lake.write("crocodial", "i1", date(2025, 5, 1), {"t": _t(3, "b")})
    got = lake.read("t", "i1", date(2025, 5, 1))
    assert got is not None and got.num_rows == 3 and set(got.column("tag").to_pylist()) == {"b"}
    assert len(lake.paths("t", "i1")) == 1
    assert len(list(lake.store_dir("crocodial", "t", "i1", date(2025, 5, 1)).glob("g-*"))) == 1  # old one removed


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
    assert len(list(lake.store_dir("crocodial", "a", "i1", day).glob("g-*"))) == 1  # the failed one is gone
    assert not list((tmp_path / ".staging").iterdir())


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
        ops = {"sync_ledger": SyncLedger(tmp_path / "l.sqlite").to_arrow()}
        kinds = catalog.prepare(build, lake, ops, raw_schemas())
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
        catalog.prepare(build, lake, {}, raw_schemas())
    reader = duckdb.connect(str(db), read_only=True)
    try:
        with pytest.raises(RuntimeError), catalog.building(db) as build:
            catalog.prepare(build, lake, {}, raw_schemas())
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
    catalog.refresh_raw_views(con, lake, raw_schemas())
    written = pq.read_schema(lake.root / "_schemas" / "outbound_cdr.parquet")
    assert written.names == empty_table("outbound_cdr").column_names


# --- crash hygiene: real kill -9, then the next run cleans up ---------------------------------
ROOT = Path(__file__).resolve().parents[1]

WRITE_LOOP = """
import sys, pyarrow as pa
from warehouse.lake import Lake
lake = Lake(sys.argv[1])
n = 0
while True:  # every generation: both tables carry the same tag, the big one takes a while
    n += 1
    big = pa.table({"x": pa.array(range(400_000), pa.int64()), "tag": pa.array([n] * 400_000, pa.int64())})
    small = pa.table({"tag": pa.array([n], pa.int64())})
    lake.write("crocodial", "i1", "2025-05-01", {"cdr": big, "cdr_summary": small}, group="cdr")
    print(n, flush=True)
"""


def _child(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)


def test_kill_9_mid_write_never_mixes_tables_and_next_run_cleans(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    day = "2025-05-01"
    store = lake.store_dir("crocodial", "cdr", "i1", day)
    for delay in (0.05, 0.13, 0.29):
        child = _child(WRITE_LOOP, str(tmp_path))
        assert child.stdout is not None and child.stdout.readline()  # one generation committed
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        cdr, summary = lake.read("cdr", "i1", day), lake.read("cdr_summary", "i1", day)
        assert cdr is not None and summary is not None
        assert set(cdr.column("tag").to_pylist()) == set(summary.column("tag").to_pylist())  # one commit
        con = duckdb.connect()
        got = con.execute(f"select distinct tag from read_parquet('{lake.glob('cdr')}') union "
                          f"select distinct tag from read_parquet('{lake.glob('cdr_summary')}')").fetchall()
        assert len(got) == 1, got  # DuckDB's globs see one generation too
        con.close()
        lake.cleanup_temp()
        assert [p.name for p in store.glob("g-*")] == [os.readlink(store / "current")]
        assert not list((tmp_path / ".staging").iterdir())
        assert lake.read("cdr", "i1", day).equals(cdr)  # type: ignore[union-attr]


def test_cleanup_spares_a_live_writer(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("crocodial", "i1", "2025-05-01", {"t": _t(2)})
    me = this_writer()
    store = lake.store_dir("crocodial", "t", "i1", "2025-05-01")
    (store / f"g-{me.tag}-feedfacecafe").mkdir()  # this process, still staging
    (tmp_path / ".staging" / f"g-{me.tag}-feedfacecafe.json").write_text("{}")
    assert lake.cleanup_temp() == 0
    assert (store / f"g-{me.tag}-feedfacecafe").exists()


def test_ledger_row_of_a_killed_process_reads_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    code = ("import os, signal, sys\nfrom warehouse.ledger import SyncLedger\n"
            "SyncLedger(sys.argv[1]).start('i1', 'outbound_cdr', '2025-05-01')\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    child = _child(code, str(path))
    child.wait()
    assert child.returncode == -signal.SIGKILL
    led = SyncLedger(path)
    row = led.get("i1", "outbound_cdr", "2025-05-01")
    assert row is not None and row.status == "interrupted" and row.pid == child.pid
    assert "ended during the sync" in (row.error or "")
    led.start("i1", "agent_cdr", "2025-05-01")  # this process is alive: still running
    assert led.get("i1", "agent_cdr", "2025-05-01").status == "running"  # type: ignore[union-attr]
    assert {r.status for r in led.rows()} == {"interrupted", "running"}
    assert set(led.to_arrow().column("status").to_pylist()) == {"interrupted", "running"}


def test_ledger_written_before_writers_were_recorded_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "l.sqlite"
    con = sqlite3.connect(path)
    con.executescript(ledger_mod.SCHEMA.replace(
        "    pid INTEGER,                       -- writer of the last attempt (see warehouse.process)\n"
        "    host TEXT,\n    proc_start TEXT,\n", ""))
    con.execute("INSERT INTO sync_ledger (instance, endpoint, partition_date, status, started_at) "
                "VALUES ('i1', 'outbound_cdr', '2025-05-01', 'running', 'x')")
    con.commit()
    con.close()
    led = SyncLedger(path)
    assert led.get("i1", "outbound_cdr", "2025-05-01").status == "running"  # type: ignore[union-attr]  # unknown writer
    led.start("i1", "outbound_cdr", "2025-05-01")
    assert led.get("i1", "outbound_cdr", "2025-05-01").pid == os.getpid()  # type: ignore[union-attr]


def test_build_copy_left_by_kill_9_is_removed_by_next_build(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    code = ("import os, signal, sys, duckdb\nfrom warehouse import catalog\n"
            "with catalog.building(sys.argv[1]) as b:\n"
            "    con = duckdb.connect(str(b)); con.execute('create table t as select 1 as x')\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n")
    child = _child(code, str(db))
    child.wait()
    assert child.returncode == -signal.SIGKILL
    left = list((tmp_path / ".build").glob("w.duckdb.*"))
    assert left, "the killed build left no copy: the test did not simulate the crash"
    with catalog.building(db) as build:
        assert [p for p in (tmp_path / ".build").glob("w.duckdb.*") if p != build] == []
        duckdb.connect(str(build)).close()
    assert not list((tmp_path / ".build").glob("w.duckdb.*"))
    assert (tmp_path / ".build" / "publish.lock").exists()  # the lock file is not a copy
