"""The CLI as an operator uses it: config file + env, sync with a summary, status, leads load."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dialsync import settings as sm
from dialsync.cli import app
from simulator.server import SimConfig, SimulatorServer

PASSWORD = "CliSecret55pw"
pytestmark = pytest.mark.xdist_group("cli")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimConfig(seed=5, agents=12, api_pass=PASSWORD)) as s:
        yield s


@pytest.fixture
def cfg(tmp_path: Path, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    p = tmp_path / "dialsync.toml"
    p.write_text(f"""
data_dir = "{tmp_path / 'data'}"
[instances.acme]
platform = "crocodial"
base_url = "{sim.url}"
timezone = "America/New_York"
user_env = "ACME_USER"
password_env = "ACME_PASS"
max_attempts = 2
""")
    monkeypatch.setenv("ACME_USER", "6666")
    monkeypatch.setenv("ACME_PASS", PASSWORD)
    yield p
    sm.set_config_path(None)
    sim.ctx.faults.set_spec("")


def run(cfg: Path, *args: str) -> object:
    return CliRunner().invoke(app, ["--config", str(cfg), *args], env={"COLUMNS": "250"})


def test_sync_status_and_failures(cfg: Path, sim: SimulatorServer, tmp_path: Path) -> None:
    day = (date.today() - timedelta(days=3)).isoformat()
    res = run(cfg, "sync", "--from", day, "--to", day, "-e", "agent_calls_report", "-e", "pause_report")
    assert res.exit_code == 0, res.output
    assert "agent_calls_report" in res.output and "DuckDB:" in res.output
    con = duckdb.connect(str(tmp_path / "data" / "dialsync.duckdb"), read_only=True)
    assert con.execute("select count(*) from raw.pause_report").fetchone()[0] > 0
    con.close()
    res = run(cfg, "status", "--from", day, "--to", day)
    assert res.exit_code == 0 and "pause_report" in res.output

    sim.ctx.faults.set_spec("agent_calls_report:503")
    res = run(cfg, "sync", "--from", day, "--to", day, "-e", "agent_calls_report")
    assert res.exit_code == 1
    assert "HTTP 503" in res.output and "endpoint=agent_calls_report" in res.output
    res = run(cfg, "status", "--from", day, "--to", day)
    assert "failed" in res.output
    assert PASSWORD not in res.output


def test_unknown_endpoint_and_missing_secret_are_clear(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    res = run(cfg, "sync", "-e", "no_such_report")
    assert res.exit_code == 1 and "unknown endpoint 'no_such_report'" in res.output
    monkeypatch.delenv("ACME_PASS")
    res = run(cfg, "sync", "-e", "agent_calls_report")
    assert res.exit_code == 1 and "ACME_PASS" in res.output


def test_leads_load_dry_run_then_real_then_log(cfg: Path, sim: SimulatorServer, tmp_path: Path) -> None:
    csv = tmp_path / "leads.csv"
    csv.write_text("phone_number,first_name,last_name\n7275550101,Ann,Lee\n7275550102,Bo,Kim\n12,Bad,Phone\n")
    lists = sim.ctx.store.lists()
    list_id = str(lists.column("list_id")[0].as_py())
    res = run(cfg, "leads", "load", str(csv), "--list", list_id, "--dry-run")
    assert res.exit_code == 0, res.output
    assert "dry run" in res.output and "would_send=2" in res.output and "phone_number" in res.output
    res = run(cfg, "leads", "load", str(csv), "--list", list_id)
    assert res.exit_code == 0, res.output
    assert "applied=2" in res.output
    res = run(cfg, "leads", "load", str(csv), "--list", list_id)
    assert "sent=0" in res.output  # exactly once
    res = run(cfg, "writeback", "log")
    assert res.exit_code == 0 and "write-back ledger" in res.output and PASSWORD not in res.output
    res = run(cfg, "writeback", "log", "--csv")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert "operation" in lines[0] and sum('"add_lead"' in x and '"applied"' in x for x in lines) == 2
    assert PASSWORD not in res.output
