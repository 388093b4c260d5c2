"""Build the dbt project for real on an empty warehouse: models, snapshots, seeds, data tests
and dbt unit tests (the KPI formulas), then again with --full-refresh.

The raw views are created the way warehouse/catalog.py creates them before the first sync:
typed and empty, from `extract.typing.empty_table(name)`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"

def raw_table_names() -> list[str]:
    from extract.registry import TABLES

    return sorted(TABLES)


def create_empty_raw(con: duckdb.DuckDBPyConnection) -> str:
    """Create `raw.<table>` for every raw table, typed and empty. Returns where the types came from."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    from extract.typing import empty_table

    for name in raw_table_names():
        arrow = empty_table(name)  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f'CREATE OR REPLACE TABLE raw."{name}" AS SELECT * FROM arrow')
    return "extract.typing.empty_table"


def run_dbt(args: list[str], db_path: Path, work: Path, vars_: dict | None = None):
    from dbt.cli.main import dbtRunner

    os.environ["DIALSYNC_DUCKDB_PATH"] = str(db_path)
    full = [*args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    if vars_:
        full += ["--vars", json.dumps(vars_)]
    return dbtRunner().invoke(full)


def _failures(res) -> list[str]:
    out = []
    for r in getattr(res.result, "results", None) or []:
        if str(getattr(r, "status", "")).lower() not in {"success", "pass", "skipped"}:
            out.append(f"{r.node.unique_id}: {r.status}: {r.message}")
    if res.exception:
        out.append(repr(res.exception))
    return out


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("dbt")
    db = work / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    try:
        create_empty_raw(con)
    finally:
        con.close()
    return db, work


def test_build_on_empty_warehouse(empty_warehouse):
    db, work = empty_warehouse
    res = run_dbt(["build"], db, work)
    assert res.success, _failures(res)
    unit = [r for r in res.result.results if r.node.unique_id.startswith("unit_test.")]
    assert len(unit) >= 8 and all(str(r.status).lower() == "pass" for r in unit), unit
    con = duckdb.connect(str(db))  # same config as dbt-duckdb's in-process connection
    try:
        bi = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'bi'").fetchall()}
        assert {"calls", "agent_daily", "campaign_daily"} <= bi
        bad = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'bi' and column_name like '\\_%' escape '\\'").fetchall()
        assert not bad, bad
        uncommented = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'bi' and (comment is null or comment = '')").fetchall()
        assert not uncommented, uncommented[:10]
    finally:
        con.close()
    docs = run_dbt(["docs", "generate"], db, work)  # the docs site analysts browse, glossary included
    assert docs.success, _failures(docs)
    catalog = json.loads((work / "target" / "catalog.json").read_text())
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    assert "doc.dialsync.kpi_glossary" in manifest["docs"]
    assert any(k.startswith("model.dialsync.fct_agent_daily") for k in catalog["nodes"])


def test_full_refresh_then_windowed_incremental(empty_warehouse):
    db, work = empty_warehouse
    res = run_dbt(["build", "--full-refresh"], db, work)
    assert res.success, _failures(res)
    res = run_dbt(["run", "--select", "fct_calls+"], db, work,
                  {"start_date": "2025-05-01", "end_date": "2025-05-01"})
    assert res.success, _failures(res)


def _passes_as_dialsync_runs_it(args: list[str], db: Path, work: Path, vars_: dict | None = None) -> bool:
    """dialsync's own invocation (warehouse.dbt.run_dbt): the run vars as DIALSYNC_DBT_* env vars."""
    from warehouse.dbt import run_dbt as dialsync_dbt

    try:
        dialsync_dbt(args, db, work / "dialsync", vars_)
    except RuntimeError:
        return False
    return True


@pytest.mark.parametrize("route", ["--vars", "env"])
def test_a_windowed_run_tests_only_its_window(empty_warehouse, route):
    """A data test of an incremental model reads the run's window (a nightly's tests cost what it
    restated, not the history); without a window, or with `full_tests`, it reads every row. The
    same whether the window comes as an analyst's `--vars` or as dialsync passes it (env)."""
    db, work = empty_warehouse
    passes = _passes_as_dialsync_runs_it if route == "env" else (lambda *a: run_dbt(*a).success)
    res = run_dbt(["run", "--select", "fct_agent_daily"], db, work)
    assert res.success, _failures(res)
    con = duckdb.connect(str(db))
    try:  # a bad row on a day outside the window
        con.execute("insert into marts.fct_agent_daily (activity_date, instance, agent_user) "
                    "values (date '2025-01-15', null, 'x')")
    finally:
        con.close()
    test = ["test", "--select", "not_null_fct_agent_daily_instance"]
    window = {"start_date": "2025-05-01", "end_date": "2025-05-04"}
    try:
        assert passes(test, db, work, window)
        assert not passes(test, db, work)
        assert not passes(test, db, work, {**window, "full_tests": True})
        assert not passes(test, db, work, {"start_date": "2025-01-01", "end_date": "2025-01-31"})
    finally:
        con = duckdb.connect(str(db))
        con.execute("delete from marts.fct_agent_daily where agent_user = 'x'")
        con.close()


def test_a_new_window_keeps_the_partial_parse(empty_warehouse):
    """Every nightly run and every batch of a backfill has a new window: passed as `--vars`, each
    made dbt parse the whole project again (5-13 s); as env vars read at execution, it does not."""
    db, work = empty_warehouse
    log = work / "dialsync" / "dbt_logs" / "dbt.log"
    select = ["run", "--select", "fct_calls"]
    assert _passes_as_dialsync_runs_it(select, db, work, {"start_date": "2025-05-01", "end_date": "2025-05-01"})
    seen = log.stat().st_size
    for window in ({"start_date": "2025-05-02", "end_date": "2025-05-03"},
                   {"start_date": "2025-05-04", "end_date": "2025-05-04", "build_batch": True},
                   {"start_date": None, "end_date": None, "full_tests": True}):
        assert _passes_as_dialsync_runs_it(select, db, work, window)
        with open(log, encoding="utf-8", errors="replace") as fh:
            fh.seek(seen)
            text = fh.read()
        seen = log.stat().st_size
        assert "Nothing changed, skipping partial parsing" in text, window
        assert "Unable to do partial parsing" not in text, window


def test_a_windowed_build_leaves_the_whole_history_tests_to_full_builds(empty_warehouse):
    """wb_lead_updates is a view over every call of history: its tests cost the history, not the
    window. The nightly's windowed build (warehouse.dbt.batched) leaves them out; a build without a
    window and a batched build's last step (`full_tests`) run them."""
    from warehouse.dbt import batched
    from warehouse.dbt import run_dbt as dialsync_dbt

    db, work = empty_warehouse
    select = ["build", "--select", "wb_lead_updates"]

    def tests_run(vars_: dict | None) -> set[str]:
        for args, step_vars in batched(select, vars_, None):
            dialsync_dbt(args, db, work / "dialsync", step_vars)
        results = json.loads((work / "dialsync" / "dbt_target" / "run_results.json").read_text())["results"]
        return {r["unique_id"].split(".")[2] for r in results if r["unique_id"].startswith("test.")}

    window = {"start_date": "2025-05-01", "end_date": "2025-05-04"}
    whole = {"not_null_wb_lead_updates_instance", "not_null_wb_lead_updates_row_key",
             "not_null_wb_lead_updates_status", "accepted_values_wb_lead_updates_operation__update_lead",
             "unique_combination_wb_lead_updates_instance__row_key"}
    assert tests_run(window) == set()
    assert tests_run(None) == whole
    assert tests_run({**window, "full_tests": True}) == whole
