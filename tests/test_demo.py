"""The quickstart path end to end: `dialsync demo --days 2` as a user runs it, then the docs."""

from __future__ import annotations

import contextlib
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


BI_TYPES = {"BIGINT", "INTEGER", "DOUBLE", "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "VARCHAR", "BOOLEAN"}


def test_bi_columns_have_types_bi_tools_read(demo: tuple[subprocess.CompletedProcess, Path]) -> None:
    """No HUGEINT (pandas reads it as float), DECIMAL, unsigned or list columns in bi.* (macro bi_view)."""
    _, data = demo
    con = duckdb.connect(str(data / "data" / "dialsync.duckdb"), read_only=True)
    try:
        cols = con.execute("select table_name, column_name, data_type from information_schema.columns "
                           "where table_schema = 'bi'").fetchall()
    finally:
        con.close()
    assert len({t for t, _, _ in cols}) >= 15
    odd = [f"bi.{t}.{c}: {d}" for t, c, d in cols if d not in BI_TYPES]
    assert not odd, odd


CHARTS = {"chart-calls", "chart-agents", "chart-funnel", "chart-abandon"}


def _chromium() -> str:
    import shutil

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("DIALSYNC_REQUIRE_CHROMIUM"):
            pytest.fail("chromium missing: .ci/run installs the Debian package `chromium`")
        pytest.skip("headless Chromium not installed (apt-get install chromium); CI requires it")
    return exe


def test_demo_report_is_self_contained_and_draws_in_chromium(demo: tuple[subprocess.CompletedProcess, Path]) -> None:
    proc, data = demo
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = data / "data" / "report.html"
    assert str(report) in proc.stdout.replace("\n", "") and "report:" not in proc.stdout  # no section lacked a column
    html = report.read_text()
    # viewable offline: nothing to fetch (the SVG namespace is an identifier, not a request)
    assert not re.search(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""", html, flags=re.I)
    assert "<link" not in html and "<img" not in html and "@import" not in html
    # the numbers are the warehouse's: the calls and sales totals of the window
    con = duckdb.connect(str(data / "data" / "dialsync.duckdb"), read_only=True)
    try:
        calls, sales = con.execute("select sum(coalesce(dials, 0) + coalesce(inbound_calls, 0)), "
                                   "sum(coalesce(sales, 0)) from bi.campaign_daily").fetchone()
    finally:
        con.close()
    assert calls > 0 and f"<b>{calls:,}</b> calls" in html and f"<b>{sales:,}</b> sales" in html
    marks = {cid: len(re.findall(r'class="mark ', body))
             for cid, body in re.findall(r'<svg class="chart" id="(chart-[a-z]+)"(.*?)</svg>', html, flags=re.S)}
    assert set(marks) == CHARTS and all(marks.values()), marks
    # the browser lays the charts out: the page's script counts marks with a non-empty box
    out = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--proxy-server=127.0.0.1:9", "--dump-dom", report.as_uri()],
                         capture_output=True, text=True, timeout=180, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'data-rendered="yes"' in out.stdout
    drawn = {cid: int(n) for cid, n in re.findall(r'<svg[^>]*\bid="(chart-[a-z]+)"[^>]*\bdata-drawn="(\d+)"',
                                                   out.stdout)}
    assert set(drawn) == CHARTS, drawn
    for cid, n in drawn.items():
        assert 0 < n <= marks[cid], (cid, n, marks[cid])


def test_demo_leaves_a_config_and_a_dagster_home_with_its_runs(demo: tuple[subprocess.CompletedProcess, Path]) -> None:
    """`dialsync ui` after the demo shows the demo's data and runs, with the schedules stopped."""
    from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus, DefaultScheduleStatus

    from dialsync import settings as sm
    from orchestration.schedules import default_status

    proc, data = demo
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    cfg = data / "data" / "dialsync.toml"
    assert f"--config {cfg} ui" in proc.stdout.replace("\n", "")
    sm.set_config_path(cfg)
    try:
        s = sm.load_settings()
    finally:
        sm.set_config_path(None)
    assert s.data_dir == data / "data" and list(s.instances) == ["demo"]
    # it counts what the demo counted: the campaign status APPSET stays a sale, not unclassified
    assert s.instance("demo").campaign_statuses["10000005"]["APPSET"].sale is True
    assert default_status(s) == DefaultScheduleStatus.STOPPED  # its simulator and credentials are gone
    home = data / "data" / "dagster_home"
    assert (home / "dagster.yaml").exists()
    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert {r.job_name for r in runs} >= {"nightly", "snapshots", "dbt_build"}
        assert all(r.status == DagsterRunStatus.SUCCESS for r in runs)
        # the history the UI shows survived its unsynced writes (dialsync.demo.unsynced_sqlite_under):
        # raw and dbt materializations and the dbt tests' check evaluations are all there
        for key in (AssetKey(["raw", "outbound_cdr"]), AssetKey(["marts", "fct_agent_daily"])):
            assert instance.get_latest_materialization_event(key) is not None, key
        dbt_run = next(r for r in runs if r.job_name == "dbt_build")
        evaluations = instance.get_records_for_run(dbt_run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION,
                                                   limit=1000).records
        assert len(evaluations) > 100
        assert all(e.event_log_entry.dagster_event.event_specific_data.passed for e in evaluations)


_RUNS_AND_SCHEDULES = """{ runsOrError { ... on Runs { results { jobName status } } }
  repositoriesOrError { ... on RepositoryConnection { nodes { schedules { name scheduleState { status } } } } } }"""


def test_dialsync_ui_serves_the_demo_runs_with_schedules_stopped(
        demo: tuple[subprocess.CompletedProcess, Path], tmp_path: Path) -> None:
    """What a user does after the demo: `dialsync ui` from anywhere, then looks at Runs and Schedules."""
    import json
    import signal
    import socket
    import time

    import httpx

    proc, data = demo
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALSYNC_", "DAGSTER_"))}
    exe = Path(sys.executable).with_name("dialsync")
    log = (tmp_path / "ui.log").open("w")
    ui = subprocess.Popen([str(exe), "--config", str(data / "data" / "dialsync.toml"), "ui", "--port", str(port)],
                          cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        got = None
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and ui.poll() is None:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": _RUNS_AND_SCHEDULES}, timeout=30)
                got = r.json()["data"]
                if got["repositoriesOrError"].get("nodes"):
                    break
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                pass
            time.sleep(3)
        assert got is not None, (tmp_path / "ui.log").read_text()[-3000:]
        runs = got["runsOrError"]["results"]
        assert {r["jobName"] for r in runs} >= {"nightly", "snapshots", "dbt_build"}
        assert all(r["status"] == "SUCCESS" for r in runs)
        schedules = {s["name"]: s["scheduleState"]["status"]
                     for n in got["repositoriesOrError"]["nodes"] for s in n["schedules"]}
        assert "nightly_schedule" in schedules and set(schedules.values()) == {"STOPPED"}, json.dumps(schedules)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(ui.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            ui.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(ui.pid, signal.SIGKILL)  # what is left of the webserver, daemon and code server dg started
        ui.wait(timeout=30)
        log.close()


def test_unsynced_sqlite_only_under_the_demo_home_and_only_inside_the_block(tmp_path: Path) -> None:
    """The demo's Dagster history skips fsync; every other SQLite file keeps SQLite's default (FULL)."""
    from sqlalchemy import create_engine, text

    from dialsync.demo import unsynced_sqlite_under

    home, elsewhere = tmp_path / "dagster_home", tmp_path / "other"
    for d in (home / "history" / "runs", elsewhere):
        d.mkdir(parents=True)

    def synchronous(db: Path) -> int:
        engine = create_engine(f"sqlite:///{db}")
        try:
            with engine.connect() as conn:
                return conn.execute(text("PRAGMA synchronous")).scalar_one()
        finally:
            engine.dispose()

    run_db, other_db = home / "history" / "runs" / "r.db", elsewhere / "x.db"
    with unsynced_sqlite_under(home):
        assert synchronous(run_db) == 0  # OFF
        assert synchronous(other_db) == 2  # FULL
    assert synchronous(run_db) == 2  # the listener is gone with the block
