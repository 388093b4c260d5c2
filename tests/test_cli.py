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
from tests.conftest import write_config

PASSWORD = "CliSecret55pw"
pytestmark = pytest.mark.xdist_group("cli")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimConfig(seed=5, agents=12, api_pass=PASSWORD)) as s:
        yield s


@pytest.fixture
def cfg(tmp_path: Path, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    p = write_config(tmp_path / "dialsync.toml", url=sim.url, user_env="ACME_USER", password_env="ACME_PASS")
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


def test_status_shows_a_fanout_blocked_by_its_failed_key_source(cfg: Path, sim: SimulatorServer) -> None:
    day = (date.today() - timedelta(days=4)).isoformat()
    sim.ctx.faults.set_spec("agent_stats_export:503")
    res = run(cfg, "sync", "--from", day, "--to", day, "-e", "agent_stats_export", "-e", "recording_lookup",
              "--no-publish")
    assert res.exit_code == 1
    sim.ctx.faults.set_spec("")
    res = run(cfg, "status", "--from", day, "--to", day)
    assert res.exit_code == 0
    assert "blocked" in res.output.splitlines()[2]  # a column, since a partition is in that state
    line = next(ln for ln in res.output.splitlines() if ln.startswith(f"acme recording_lookup {day}"))
    assert "blocked" in line and "upstream agent_stats_export failed" in line, res.output


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


# --- arguments refused before any request --------------------------------------------------
def _asked(sim: SimulatorServer) -> int:
    return len(sim.ctx.requests)


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2025-05-10", "--to", "2025-05-01"), "--from 2025-05-10 is after --to 2025-05-01"),
    (("--from", "2015-01-01", "--to", "2025-12-31"), "spans 4018 days; the maximum is 3660"),
    (("--from", "2025-03-01", "--to", "2027-06-01"), "--to 2027-06-01 is past tomorrow in instance acme's zone"),
    (("--from", "2099-01-01"), "--from 2099-01-01 is in the future in instance acme's zone"),
    (("--from", "2024-12-31"), "--from 2024-12-31 is before start_date 2025-01-01 of instance acme; "
                               "pass --before-start"),
    (("--from", "2025-03-01", "-i", "nope"), "no instance 'nope' configured"),
])
def test_bad_sync_ranges_exit_nonzero_before_any_request(cfg: Path, sim: SimulatorServer, args: tuple[str, ...],
                                                         message: str) -> None:
    before = _asked(sim)
    res = run(cfg, "sync", *args, "-e", "agent_calls_report")
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert _asked(sim) == before


def test_before_start_flag_allows_older_days(cfg: Path, sim: SimulatorServer) -> None:
    day = (date.today() - timedelta(days=3)).isoformat()
    cfg.write_text(cfg.read_text().replace('max_attempts = 2', f'max_attempts = 2\nstart_date = "{date.today()}"'))
    res = run(cfg, "sync", "--from", day, "-e", "agent_calls_report", "--no-publish")
    assert res.exit_code == 2 and "before start_date" in res.output
    res = run(cfg, "sync", "--from", day, "-e", "agent_calls_report", "--no-publish", "--before-start")
    assert res.exit_code == 0, res.output


def test_status_range_errors_are_one_line(cfg: Path) -> None:
    res = run(cfg, "status", "--from", "2025-05-10", "--to", "2025-05-01")
    assert res.exit_code == 2 and "--from 2025-05-10 is after --to 2025-05-01" in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
    res = run(cfg, "status")
    assert res.exit_code == 0 and "acme: auth circuit closed" in res.output


@pytest.mark.parametrize(("spec", "message"), [("outbound_cdr", "expected target:kind"),
                                               ("*:teapot", "unknown kind 'teapot'"),
                                               ("*:503@2", "probability must be within 0..1"),
                                               ("*:503#x", "--faults")])
def test_bad_faults_spec_is_refused(spec: str, message: str) -> None:
    res = CliRunner().invoke(app, ["simulator", "serve", "--faults", spec, "--port", "1"])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_simulator_serve_rejects_bad_zone() -> None:
    res = CliRunner().invoke(app, ["simulator", "serve", "--timezone", "Mars/Olympus"])
    assert res.exit_code == 2 and "IANA zone" in res.output


@pytest.mark.parametrize("platform", ["vicidial", "dialer360", "crocodial"])
def test_server_in_another_zone_stops_the_instance_before_reports(tmp_path: Path, simulator_factory: object,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 platform: str) -> None:
    """Every non_agent_api surface answers `function=version`; a zone that disagrees stops the
    instance with both offsets shown, and no report request is sent."""
    madrid = simulator_factory(agents=6, timezone="Europe/Madrid", api_pass=PASSWORD)  # type: ignore[operator]
    p = tmp_path / "dialsync.toml"
    p.write_text(f"""
data_dir = "{tmp_path / 'data'}"
[instances.eu]
platform = "{platform}"
base_url = "{madrid.url}"
timezone = "America/New_York"
user_env = "ACME_USER"
password_env = "ACME_PASS"
""")
    monkeypatch.setenv("ACME_USER", "6666")
    monkeypatch.setenv("ACME_PASS", PASSWORD)
    res = run(p, "sync", "--from", "2025-05-12", "--no-publish")
    sm.set_config_path(None)
    assert res.exit_code == 1, res.output
    assert "server time zone mismatch" in res.output
    assert "UTC+02:00" in res.output and "UTC-04:00" in res.output  # both offsets, May (DST on both sides)
    assert [r["action"] for r in madrid.ctx.requests] == ["version"], "no report request was sent"


def test_auth_reset_and_status(cfg: Path) -> None:
    res = run(cfg, "auth", "reset")
    assert res.exit_code == 0 and "acme: auth circuit was not open" in res.output
    res = run(cfg, "auth", "reset", "-i", "nope")
    assert res.exit_code == 2 and "no instance 'nope' configured" in res.output
    res = run(cfg, "auth", "status")
    assert res.exit_code == 0 and "acme: auth circuit closed" in res.output
