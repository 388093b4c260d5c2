"""A wrong password against the real simulator costs exactly one failed login, whatever runs.

The simulator counts failed logins per user like VICIdial's `failed_login_count` and locks
the account at 10: a 30-day CLI sync, repeated CLI syncs, concurrent CLI processes and
Dagster runs over several raw assets must each leave the count at one and the account open;
fixing the password clears the persisted circuit by itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance
from typer.testing import CliRunner

from dialsync import settings as sm
from dialsync.cli import app
from dialsync.settings import InstanceSettings, Settings
from orchestration.factory import build_defs
from orchestration.partitions import range_tags
from simulator.server import SimulatorServer
from tests.conftest import SIM_NOW

RIGHT, WRONG = "RightPw4242", "WrongPw1717"
USER = "6666"
USER_ENV, PASS_ENV = "DIALSYNC_E2E_USER", "DIALSYNC_E2E_PASS"
pytestmark = pytest.mark.xdist_group("auth_breaker")
SIM_TODAY = SIM_NOW.date()


def authenticated_requests(sim: SimulatorServer) -> list[dict]:
    """Requests that carried credentials (`version` needs none)."""
    return [r for r in list(sim.ctx.requests) if r["action"] != "version"]


@pytest.fixture
def sim(simulator_factory: Callable[..., SimulatorServer]) -> SimulatorServer:
    return simulator_factory(agents=8, api_pass=RIGHT)


@pytest.fixture
def cfg(tmp_path: Path, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    p = tmp_path / "dialsync.toml"
    p.write_text(f"""
data_dir = "{tmp_path / 'data'}"
start_date = "2025-01-01"
[instances.acme]
platform = "crocodial"
base_url = "{sim.url}"
timezone = "America/New_York"
user_env = "{USER_ENV}"
password_env = "{PASS_ENV}"
max_attempts = 3
""")
    monkeypatch.setenv(USER_ENV, USER)
    monkeypatch.setenv(PASS_ENV, WRONG)
    yield p
    sm.set_config_path(None)


def cli(cfg: Path, *args: str) -> object:
    return CliRunner().invoke(app, ["--config", str(cfg), *args], env={"COLUMNS": "250"})


def test_wrong_password_30_day_cli_sync_costs_one_failed_login(cfg: Path, sim: SimulatorServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    start, end = SIM_TODAY - timedelta(days=30), SIM_TODAY - timedelta(days=1)
    res = cli(cfg, "sync", "--from", start.isoformat(), "--to", end.isoformat())
    assert res.exit_code == 1, res.output
    assert "auth circuit open for instance acme since" in res.output
    assert "fix the credentials or run `dialsync auth reset" in res.output
    assert sim.ctx.failed_logins(USER) == 1 and not sim.ctx.is_locked(USER)
    assert len(authenticated_requests(sim)) == 1

    # the next run (a cron job, an operator retrying) asks nothing at all
    seen = len(sim.ctx.requests)
    res = cli(cfg, "sync", "--from", start.isoformat(), "--to", end.isoformat())
    assert res.exit_code == 1 and "auth circuit open for instance acme" in res.output
    assert len(sim.ctx.requests) == seen and sim.ctx.failed_logins(USER) == 1

    res = cli(cfg, "status", "--from", end.isoformat(), "--to", end.isoformat())
    assert res.exit_code == 0 and "acme: auth circuit open since" in res.output
    res = cli(cfg, "config", "show")
    assert res.exit_code == 0 and '"auth_circuit": "open since' in res.output
    for out in (res.output,):
        assert WRONG not in out and RIGHT not in out
    state = cfg.parent / "data" / "state" / "auth"
    for p in state.iterdir():
        assert WRONG.encode() not in p.read_bytes() and USER.encode() not in p.read_bytes()

    # explicit reset: the next sync tries again (and spends its one login)
    res = cli(cfg, "auth", "reset", "-i", "acme")
    assert res.exit_code == 0 and "acme: auth circuit reset (was open)" in res.output
    res = cli(cfg, "sync", "--from", end.isoformat(), "-e", "agent_calls_report", "--no-publish")
    assert res.exit_code == 1 and sim.ctx.failed_logins(USER) == 2

    # fixed credentials: the circuit recorded for the old ones clears by itself
    monkeypatch.setenv(PASS_ENV, RIGHT)
    res = cli(cfg, "sync", "--from", end.isoformat(), "-e", "agent_calls_report", "--no-publish")
    assert res.exit_code == 0, res.output
    assert sim.ctx.failed_logins(USER) == 0 and not sim.ctx.is_locked(USER)
    assert "auth circuit closed" in cli(cfg, "auth", "status").output


def test_concurrent_cli_processes_cost_one_failed_login(cfg: Path, sim: SimulatorServer) -> None:
    """Parallel processes (cron overlap, Dagster's multiprocess executor) share the probe lock."""
    day = (SIM_TODAY - timedelta(days=2)).isoformat()
    env = {**os.environ, USER_ENV: USER, PASS_ENV: WRONG, "COLUMNS": "200"}
    cmd = [sys.executable, "-m", "dialsync.cli", "--config", str(cfg), "sync", "--from", day, "--no-publish",
           "-e", "agent_calls_report", "-e", "pause_report", "-e", "agent_stats_export"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
    outs = [p.communicate(timeout=120)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [1, 1, 1], outs
    assert all("auth circuit open for instance acme" in o for o in outs), outs
    assert sim.ctx.failed_logins(USER) == 1 and len(authenticated_requests(sim)) == 1
    assert not any(WRONG in o for o in outs)


RAW = ("agent_calls_report", "pause_report", "outbound_cdr", "agent_stats_export")


def test_dagster_runs_cost_one_failed_login_then_none_then_clear(sim: SimulatorServer, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, USER)
    monkeypatch.setenv(PASS_ENV, WRONG)
    s = Settings(data_dir=tmp_path / "data", start_date=date(2025, 1, 1), instances={
        "main": InstanceSettings(platform="crocodial", base_url=sim.url, timezone="America/New_York",
                                 user_env=USER_ENV, password_env=PASS_ENV, max_attempts=3)})
    defs = build_defs(s, with_dbt=False)
    job = defs.resolve_job_def("nightly")
    keys = [AssetKey(["raw", n]) for n in RAW]
    tags = range_tags(SIM_TODAY - timedelta(days=3), SIM_TODAY - timedelta(days=1), "main")
    instance = DagsterInstance.ephemeral()

    def run() -> object:
        return job.execute_in_process(instance=instance, tags=tags, asset_selection=keys, raise_on_error=False)

    first = run()
    assert not first.success
    failures = [e.step_failure_data.error.to_string() for e in first.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == len(RAW), failures
    # one step met the rejection itself (its later days, and every other step, met the open circuit)
    assert sum("AuthError: goAPI rejected the credentials" in m for m in failures) == 1, failures
    assert sum("auth circuit open" in m for m in failures) >= len(RAW) - 1, failures
    assert sim.ctx.failed_logins(USER) == 1 and len(authenticated_requests(sim)) == 1
    assert not sim.ctx.is_locked(USER)
    assert all(WRONG not in str(e) for e in first.all_events)

    seen = len(sim.ctx.requests)
    second = run()
    assert not second.success
    assert len(sim.ctx.requests) == seen, "an open circuit sends nothing, not even the version check"
    assert sim.ctx.failed_logins(USER) == 1
    errors = [e.step_failure_data.error.to_string() for e in second.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(errors) == len(RAW) and all("auth circuit open for instance main" in m for m in errors), errors

    monkeypatch.setenv(PASS_ENV, RIGHT)  # the operator fixes the secret: no reset needed
    third = run()
    assert third.success, [e.step_failure_data.error.to_string() for e in third.all_events
                           if e.event_type_value == "STEP_FAILURE"]
    assert sim.ctx.failed_logins(USER) == 0


def test_wrong_password_lead_load_costs_one_failed_login(cfg: Path, sim: SimulatorServer, tmp_path: Path) -> None:
    """Write-back shares the persisted circuit: 200 leads, two runs, one failed login."""
    leads = tmp_path / "leads.csv"
    leads.write_text("phone_number,first_name\n" + "".join(f"312555{i:04d},First{i}\n" for i in range(200)))
    res = cli(cfg, "leads", "load", str(leads), "--list", "1101")
    assert res.exit_code != 0, res.output
    assert sim.ctx.failed_logins(USER) == 1 and not sim.ctx.is_locked(USER)
    seen = len(authenticated_requests(sim))
    res = cli(cfg, "leads", "load", str(leads), "--list", "1101")
    assert res.exit_code != 0, res.output
    assert len(authenticated_requests(sim)) == seen and sim.ctx.failed_logins(USER) == 1
    assert WRONG not in res.output
