"""First steps as a new user takes them: init, --version, status without a config, the Dagster UI
from a fresh checkout, schedules that wait for a runnable instance, and a sync progress bar that ends at 100 %."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import pytest
from dagster import DefaultScheduleStatus
from rich.console import Console
from typer.testing import CliRunner

from dialsync import onboarding, runner
from dialsync import settings as sm
from dialsync.cli import app
from dialsync.progress import planned_partitions, sync_progress
from dialsync.service.sync import local_today
from dialsync.settings import InstanceSettings, Settings
from orchestration.schedules import default_status
from simulator.server import SimulatorServer
from tests.conftest import SIM_NOW

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.xdist_group("onboarding")


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A user's shell: no DIALSYNC_* settings, cwd without a dialsync.toml."""
    for k in list(os.environ):
        if k.startswith("DIALSYNC_") or k == "DAGSTER_HOME":
            monkeypatch.delenv(k)
    monkeypatch.chdir(tmp_path)
    yield
    sm.set_config_path(None)


def test_init_writes_a_commented_config_the_loader_accepts(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["init", str(tmp_path / "conf")])
    assert res.exit_code == 0, res.output
    path = tmp_path / "conf" / "dialsync.toml"
    text = path.read_text()
    assert text.count("\n#") >= 5 and "[instances.main]" in text
    sm.set_config_path(path)
    s = sm.load_settings()
    assert s.instance("main").user_env == "MAIN_DIALER_USER"
    assert s.start_date < local_today(s.instance("main"))


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "dialsync.toml"
    path.write_text("# mine\n")
    res = CliRunner().invoke(app, ["init", str(path)])
    assert res.exit_code == 1 and "--force" in res.output
    assert path.read_text() == "# mine\n"
    res = CliRunner().invoke(app, ["init", str(path), "--force"])
    assert res.exit_code == 0 and "[instances.main]" in path.read_text()


def test_version_prints_the_package_version() -> None:
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.output.strip() == f"dialsync {version('dialsync')}"


def test_status_without_a_config_says_how_to_make_one() -> None:
    res = CliRunner().invoke(app, ["status"], env={"COLUMNS": "250"})
    assert res.exit_code == 2
    assert "no config file found" in res.output and "dialsync init" in res.output


def _settings(tmp_path: Path, **inst: object) -> Settings:
    i = InstanceSettings(platform="crocodial", base_url="http://127.0.0.1:9", user_env="ONB_USER",
                         password_env="ONB_PASS", **inst)  # type: ignore[arg-type]
    return Settings(data_dir=tmp_path / "data", instances={"acme": i})


def test_schedules_stay_stopped_until_an_instance_can_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_status(Settings(data_dir=tmp_path)) == DefaultScheduleStatus.STOPPED  # fresh clone
    s = _settings(tmp_path)
    assert default_status(s) == DefaultScheduleStatus.STOPPED  # the demo's config after the demo ended
    monkeypatch.setenv("ONB_USER", "u")
    assert default_status(s) == DefaultScheduleStatus.STOPPED
    monkeypatch.setenv("ONB_PASS", "p")
    assert default_status(s) == DefaultScheduleStatus.RUNNING


def test_ui_opens_the_configured_data_with_a_kept_dagster_home(tmp_path: Path) -> None:
    cfg = tmp_path / "dialsync.toml"
    cfg.write_text('data_dir = "rel/data"\n')
    sm.set_config_path(Path("dialsync.toml"))  # relative, as `--config dialsync.toml` gives it
    launch = onboarding.ui_launch(host="127.0.0.1", port=3999)
    home = tmp_path / "rel" / "data" / "dagster_home"
    assert launch.dagster_home == home and launch.env["DAGSTER_HOME"] == str(home)
    assert (home / "dagster.yaml").read_text() == (ROOT / "orchestration" / "dagster.yaml").read_text()
    # the UI runs from the project root: config and data paths must not depend on the cwd
    assert launch.env[sm.CONFIG_ENV] == str(cfg) and launch.env["DIALSYNC_DATA_DIR"] == str(tmp_path / "rel" / "data")
    assert launch.cwd == ROOT and Path(launch.argv[0]).name == "dg" and launch.argv[1:2] == ["dev"]
    assert "3999" in launch.argv


def test_dg_loads_the_definitions_from_a_fresh_checkout(tmp_path: Path) -> None:
    """The README's `dg dev` path: `[tool.dg]` finds orchestration.definitions, no DAGSTER_HOME, no config."""
    dg = Path(sys.executable).with_name("dg")
    assert dg.exists(), "dg missing: dagster-dg-cli is a dev dependency, run ./dev setup"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALSYNC_", "DAGSTER_"))}
    env["HOME"] = str(tmp_path)  # no user-level dg config either
    proc = subprocess.run([str(dg), "list", "defs", "--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    defs = json.loads(proc.stdout)
    keys = {a["key"] if "key" in a else a["asset_key"] for a in defs["assets"]}
    assert "raw/outbound_cdr" in keys and any(k.startswith("bi/") for k in keys)
    assert {s["name"] for s in defs["schedules"]} >= {"nightly_schedule", "intraday_schedule"}


def test_sync_progress_reaches_its_total_with_rows(simulator: SimulatorServer, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONB_USER", "6666")
    monkeypatch.setenv("ONB_PASS", "1234")
    s = _settings(tmp_path)
    s.instances["acme"] = s.instances["acme"].model_copy(update={"base_url": simulator.url})
    today = local_today(s.instance("acme"), SIM_NOW)
    start = today - timedelta(days=2)
    eps = runner.select_endpoints(["agent_calls_report", "users"])  # a daily and a snapshot endpoint
    plan = planned_partitions(s, start, today, eps, ["acme"], now=SIM_NOW)
    assert plan == {"acme": 3 + 1}  # three days of the daily one, today's snapshot: not 2 × 3
    con = Console(file=io.StringIO(), force_terminal=False)
    with sync_progress(con, plan) as tracker:
        results = runner.sync(s, start, today, endpoints=["agent_calls_report", "users"],
                              on_result=tracker.on_result, now=lambda: SIM_NOW)
        task = tracker.progress.tasks[0]
        assert (task.completed, task.total) == (4, 4)
    assert tracker.failures == [] and len(results) == 4
    assert tracker.rows == sum(r.total_rows for r in results) > 0


def test_sync_progress_completes_an_instance_that_is_stopped(simulator: SimulatorServer, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A time-zone mismatch stops the instance before its first report: its share is done, not stuck."""
    monkeypatch.setenv("ONB_USER", "6666")
    monkeypatch.setenv("ONB_PASS", "1234")
    s = _settings(tmp_path, timezone="Europe/Madrid")
    s.instances["acme"] = s.instances["acme"].model_copy(update={"base_url": simulator.url})
    day = local_today(s.instance("acme"), SIM_NOW) - timedelta(days=1)
    eps = runner.select_endpoints(["agent_calls_report"])
    plan = planned_partitions(s, day, day, eps, ["acme"], now=SIM_NOW)
    with sync_progress(Console(file=io.StringIO()), plan) as tracker:
        runner.sync(s, day, day, endpoints=["agent_calls_report"], on_result=tracker.on_result, now=lambda: SIM_NOW)
        task = tracker.progress.tasks[0]
        assert task.completed == task.total == 1
    assert len(tracker.failures) == 1 and "zone" in tracker.failures[0].lower()
