"""The quickstart path end to end: `dialsync demo --days 2` as a user runs it, then the docs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET = "Demo7Recognizable9Pw"

pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    data = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "DIALSYNC_SIM_API_PASS": SECRET, "DAGSTER_HOME": str(data / "dagster_home")}
    env.pop("DIALSYNC_CONFIG", None)
    (data / "dagster_home").mkdir()
    exe = Path(sys.executable).with_name("dialsync")
    proc = subprocess.run([str(exe), "demo", "--days", "2", "--data-dir", str(data / "data"), "--agents", "20"],
                          capture_output=True, text=True, env=env, timeout=900, cwd=data, check=False)
    return proc, data


def test_demo_runs_and_prints_path_and_summary(demo: tuple[subprocess.CompletedProcess, Path]) -> None:
    proc, data = demo
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    db = data / "data" / "dialsync.duckdb"
    assert str(db) in proc.stdout.replace("\n", "")
    assert "calls per campaign per day" in proc.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = con.execute("select count(*) from ops.sync_ledger where endpoint = 'outbound_cdr' "
                             "and status = 'success'").fetchone()[0]
        assert loaded == 3  # two full days and today's partial day
        days = con.execute("select count(distinct activity_date) from bi.campaign_daily "
                           "where dials + inbound_calls > 0").fetchone()[0]
        assert days >= 2
        calls = con.execute("select sum(dials) from bi.campaign_daily").fetchone()[0]
        assert calls > 0
    finally:
        con.close()


def test_demo_never_prints_or_writes_the_password(demo: tuple[subprocess.CompletedProcess, Path]) -> None:
    proc, data = demo
    assert SECRET not in proc.stdout and SECRET not in proc.stderr
    for p in data.rglob("*"):
        if p.is_file():
            assert SECRET.encode() not in p.read_bytes(), p


def test_example_queries_run_on_the_demo_warehouse(demo: tuple[subprocess.CompletedProcess, Path]) -> None:
    _, data = demo
    sql = (ROOT / "docs" / "example_queries.sql").read_text()
    statements = [s for s in sql.split(";") if re.sub(r"--[^\n]*", "", s).strip()]
    assert len(statements) >= 5
    con = duckdb.connect(str(data / "data" / "dialsync.duckdb"), read_only=True)
    try:
        for stmt in statements:
            con.execute(stmt).fetchall()
        readme_sql = re.findall(r"```sql\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
        for block in readme_sql:
            for stmt in (s for s in block.split(";") if re.sub(r"--[^\n]*", "", s).strip()):
                con.execute(stmt).fetchall()
    finally:
        con.close()


def test_readme_glossary_matches_dbt_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- glossary:start -->")[1].split("<!-- glossary:end -->")[0].strip()
    glossary = (ROOT / "dbt_project" / "KPI_GLOSSARY.md").read_text().split("\n", 1)[1].strip()
    assert block == re.sub(r"^## ", "### ", glossary, flags=re.M)
    docs = (ROOT / "dbt_project" / "docs" / "kpi_glossary.md").read_text()
    inner = docs.split("{% docs kpi_glossary %}")[1].split("{% enddocs %}")[0].strip()
    assert inner == (ROOT / "dbt_project" / "KPI_GLOSSARY.md").read_text().strip()


def test_readme_quickstart_is_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quickstart")[1].split("```bash")[1].split("```")[0]
    commands = [line for line in quick.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert [c.split("#")[0].strip() for c in commands] == ["./dev demo", "./dev test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./dev test" in ci


DUCKDB1 = ROOT / ".venv" / "duckdb1"
_READ_ALL_BI = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
views = [r[0] for r in con.execute(
    "select view_name from duckdb_views() where schema_name = 'bi' and not internal order by 1").fetchall()]
rows = {v: con.execute(f'select count(*) from (select * from bi."{v}")').fetchone()[0] for v in views}
print(json.dumps({"version": duckdb.__version__, "rows": rows}))
"""


def test_duckdb_1x_client_reads_every_bi_view(demo: tuple[subprocess.CompletedProcess, Path]) -> None:
    """BI drivers still embed DuckDB 1.x (Evidence, JDBC/ODBC, .NET): the published file must open there."""
    import json

    _, data = demo
    assert (DUCKDB1 / "duckdb").is_dir(), "DuckDB 1.x client missing: run ./dev setup"
    env = {**os.environ, "PYTHONPATH": str(DUCKDB1)}
    db = data / "data" / "dialsync.duckdb"
    proc = subprocess.run([sys.executable, "-c", _READ_ALL_BI, str(db)], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    assert got["version"].startswith("1."), got["version"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        views = [r[0] for r in con.execute(
            "select view_name from duckdb_views() where schema_name = 'bi' and not internal").fetchall()]
        expected = {v: con.execute(f'select count(*) from bi."{v}"').fetchone()[0] for v in views}
    finally:
        con.close()
    assert len(expected) >= 15
    assert got["rows"] == expected
