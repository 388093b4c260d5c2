"""A sync of past days takes the dimension snapshots it needs to map them (issue #14 point 2).

The dialer only knows today's users, campaigns, lists...: a backfill into an empty lake takes
today's once, says so, and a later backfill whose range they cover does not ask again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from dialsync import settings as sm
from dialsync.cli import app
from extract.registry import ENDPOINTS
from simulator.server import SimConfig, SimulatorServer
from tests.conftest import write_config
from warehouse.lake import Lake

TZ = "America/New_York"
DIMENSIONS = {e.name: e.tables[0] for e in ENDPOINTS if e.dimension and "crocodial" in e.platforms}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimConfig(seed=3, agents=8, calls_scale=0.2, timezone=TZ)) as s:
        yield s


@pytest.fixture
def cfg(tmp_path: Path, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    p = write_config(tmp_path / "dialsync.toml", url=sim.url, user_env="BF_USER", password_env="BF_PASS", timezone=TZ)
    monkeypatch.setenv("BF_USER", "6666")
    monkeypatch.setenv("BF_PASS", "1234")
    yield p
    sm.set_config_path(None)


def test_past_range_into_an_empty_lake_takes_todays_dimensions_once(cfg: Path, tmp_path: Path) -> None:
    today = datetime.now(ZoneInfo(TZ)).date()
    first, last = (today - timedelta(days=3)).isoformat(), (today - timedelta(days=2)).isoformat()
    # the progress bar's total counts the snapshots the backfill will take
    from datetime import date

    from dialsync.progress import planned_partitions
    from dialsync.runner import select_endpoints

    sm.set_config_path(cfg)
    s = sm.load_settings()
    eps = select_endpoints(None)
    inst = s.instance("acme")
    daily = sum(1 for e in eps if e.kind == "daily" and inst.runs(e))  # opt-in ones only when enabled
    plan = planned_partitions(s, date.fromisoformat(first), date.fromisoformat(last), eps, ["acme"])
    assert plan == {"acme": 2 * daily + len(DIMENSIONS)}
    res = CliRunner().invoke(app, ["--config", str(cfg), "sync", "--from", first, "--to", last, "--no-publish"],
                             env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    lake = Lake(tmp_path / "data" / "lake")
    assert set(DIMENSIONS) >= {"users", "campaigns", "portfolios", "profiles", "calltimes", "list_info"}
    for name, table in DIMENSIONS.items():
        assert lake.days(table, "acme") == [today], name
    note = f"acme: dimension snapshot of {today}, taken to map {first} … {last}"
    line = next(ln for ln in res.output.splitlines() if ln.startswith(note))
    assert all(name in line for name in DIMENSIONS), line
    assert "hopper" not in line and "agent_summary_stats" not in line  # snapshots that map nothing

    # the lake now holds snapshots dated after any past range: a second backfill asks no more
    res = CliRunner().invoke(app, ["--config", str(cfg), "sync", "--from", first, "--no-publish",
                                   "-e", "agent_calls_report", "-e", "campaigns", "-e", "users"],
                             env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "dimension snapshot" not in res.output
    assert "campaigns" not in res.output.split("sync summary", 1)[-1]
