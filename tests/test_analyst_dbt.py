"""The analyst path: `cd dbt_project && dbt build` with nothing set up beyond the install.

A real one-day sync of a croco-dial instance fills a lake at `<dir>/data/lake` (the default the
dev profile reads: `../data/lake` from the project); the dbt project is copied to
`<dir>/dbt_project` so its target/ and dev file stay out of the repository. dbt then runs as a
subprocess with a clean environment (HOME a temp dir, no DIALSYNC_* or DBT_* variables): the dev
target writes `target/dev.duckdb`, the dbt-duckdb plugin creates `raw.*` over the lake, and the
ops tables fall back to typed empty relations.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from dialsync import runner
from dialsync.settings import InstanceSettings, Settings
from simulator.server import SimConfig, SimulatorServer

ROOT = Path(__file__).resolve().parents[1]
TZ = "America/New_York"
NOW = datetime(2025, 5, 8, 0, 30, tzinfo=ZoneInfo(TZ))
DAY = date(2025, 5, 7)  # one full day, plus today's partial day and dimension snapshots
USER_ENV, PASS_ENV = "ANALYST_DIALER_USER", "ANALYST_DIALER_PASS"

pytestmark = pytest.mark.xdist_group("analyst_dbt")


def _clean_env(home: Path) -> dict[str, str]:
    keep = {"PATH", "LANG", "LC_ALL", "TZ", "TMPDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    return {**env, "HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("analyst")
    with pytest.MonkeyPatch.context() as mp, SimulatorServer(SimConfig(seed=5, agents=10, timezone=TZ, now=NOW,
                                                                       log_requests=False)) as sim:
        mp.setenv(USER_ENV, "6666")
        mp.setenv(PASS_ENV, "1234")
        inst = InstanceSettings(platform="crocodial", base_url=sim.url, timezone=TZ, user_env=USER_ENV,  # type: ignore[arg-type]
                                password_env=PASS_ENV, requests_per_second=1000, max_concurrency=4)
        settings = Settings(data_dir=root / "data", instances={"croco": inst})
        results = runner.sync(settings, DAY, NOW.date(), now=lambda: NOW)
    failed = [f"{r.endpoint}: {r.message}" for r in results if r.status == "failed"]
    assert not failed, failed
    shutil.copytree(ROOT / "dbt_project", root / "dbt_project",
                    ignore=shutil.ignore_patterns("target", "logs", "__pycache__"))
    (root / "home").mkdir()
    return root


def _dbt(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("dbt")
    return subprocess.run([str(exe), *args], cwd=workdir / "dbt_project", env=_clean_env(workdir / "home"),
                          capture_output=True, text=True, timeout=1200, check=False)


def test_dbt_build_from_the_project_dir_needs_no_environment(workdir: Path) -> None:
    proc = _dbt(workdir, "build")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    dev = workdir / "dbt_project" / "target" / "dev.duckdb"
    assert dev.exists()
    assert not (workdir / "data" / "dialsync.duckdb").exists()  # never the published file
    con = duckdb.connect(str(dev), read_only=True)
    try:
        assert con.execute("select count(*) from raw.outbound_cdr").fetchone()[0] > 0
        for view in ("calls", "agent_daily", "campaign_daily", "inbound_queue_daily"):
            assert con.execute(f"select count(*) from bi.{view}").fetchone()[0] > 0, view
        assert con.execute("select min(call_date) from bi.calls").fetchone() == (DAY,)
    finally:
        con.close()


def test_run_select_show_and_docs_work_on_the_dev_file(workdir: Path) -> None:
    for args in (("run", "-s", "fct_calls+"), ("test", "-s", "fct_calls"),
                 ("show", "--inline", "select count(*) as n from {{ ref('bi_calls') }}"),
                 ("docs", "generate")):
        proc = _dbt(workdir, *args)
        assert proc.returncode == 0, (args, proc.stdout[-3000:] + proc.stderr[-2000:])
    assert (workdir / "dbt_project" / "target" / "catalog.json").exists()


def test_dialsync_dbt_runs_dbt_the_production_way(workdir: Path) -> None:
    """`dialsync dbt ARGS…`: dbt in a private copy of the published file, published atomically."""
    from typer.testing import CliRunner

    from dialsync.cli import app
    from dialsync.settings import set_config_path

    cfg = workdir / "dialsync.toml"
    cfg.write_text(f"""
data_dir = "{workdir / 'data'}"
[instances.croco]
platform = "crocodial"
base_url = "http://127.0.0.1:1"
timezone = "{TZ}"
user_env = "{USER_ENV}"
password_env = "{PASS_ENV}"
""")
    published = workdir / "data" / "dialsync.duckdb"
    try:
        res = CliRunner().invoke(app, ["--config", str(cfg), "dbt", "build", "-s", "+bi_calls",
                                       "--indirect-selection", "cautious"], env={"COLUMNS": "250"})
        bare = CliRunner().invoke(app, ["--config", str(cfg), "dbt"])
    finally:
        set_config_path(None)
    assert bare.exit_code != 0  # a dbt command is required
    assert res.exit_code == 0, res.output[-3000:]
    assert str(published) in res.output.replace("\n", "")
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("select count(*) from bi.calls").fetchone()[0] > 0
        assert con.execute("select count(*) from ops.sync_ledger").fetchone()[0] > 0  # the prod build has ops
    finally:
        con.close()
    assert not [p for p in (workdir / "data" / ".build").glob("dialsync.duckdb.*")]
