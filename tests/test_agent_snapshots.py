"""The goDashboard agentTimeUsage and goUsers getUserInfo snapshots, end to end over real HTTP:
opt-in on croco-dial, synced when enabled, typed, credentials never stored, staged by dbt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pyarrow.compute as pc
import pytest

from dialsync import runner
from dialsync.settings import InstanceSettings, Settings
from extract.parsers import goapi
from simulator.server import SimConfig, SimulatorServer
from warehouse.lake import Lake

TZ = "America/New_York"
NOW = datetime(2025, 5, 8, 15, 30, tzinfo=ZoneInfo(TZ))
USER_ENV, PASS_ENV = "SNAP_USER", "SNAP_PASS"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimConfig(seed=9, agents=6, timezone=TZ, now=NOW)) as s:
        yield s


@pytest.fixture(autouse=True)
def _creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, "6666")
    monkeypatch.setenv(PASS_ENV, "1234")


def _settings(tmp: Path, sim: SimulatorServer, extra: list[str]) -> Settings:
    inst = InstanceSettings(platform="crocodial", base_url=sim.url, timezone=TZ, user_env=USER_ENV,
                            password_env=PASS_ENV, extra_endpoints=extra)
    return Settings(data_dir=tmp, instances={"main": inst}, start_date=NOW.date())


def test_snapshots_are_synced_when_enabled_with_their_figures(tmp_path: Path, sim: SimulatorServer) -> None:
    day = NOW.date()
    off = runner.sync(_settings(tmp_path / "off", sim, []), day, day, now=lambda: NOW)
    assert not {r.endpoint for r in off} & {"agent_time_usage", "user_stats"}  # opt-in: not by default

    s = _settings(tmp_path / "on", sim, ["agent_time_usage", "user_stats"])
    results = {r.endpoint: r for r in runner.sync(s, day, day, endpoints=["users", "agent_time_usage", "user_stats"],
                                                 now=lambda: NOW)}
    assert all(r.status == "success" for r in results.values()), results
    lake = Lake(s.lake_dir)
    users = lake.read("users", "main", day)
    stats = lake.read("user_stats", "main", day)
    usage = lake.read("agent_time_usage", "main", day)
    assert users is not None and stats is not None and usage is not None
    # one getUserInfo request per user of the users snapshot, one row each
    assert sorted(stats["user"].to_pylist()) == sorted(users["user"].to_pylist())
    assert results["user_stats"].requests == users.num_rows
    # typed: seconds from HH:MM:SS, sla_productivity a fraction
    assert stats.schema.field("login_time").type == "int64"
    worked = stats.filter(pc.greater(stats["login_time"], 0))
    assert worked.num_rows > 0
    assert pc.max(worked["sla_productivity"]).as_py() <= 1.0
    # the dashboard and the user statistics agree on calls per agent
    by_user = dict(zip(usage["user"].to_pylist(), usage["total_calls"].to_pylist(), strict=True))
    for user, calls in zip(worked["user"].to_pylist(), worked["total_calls"].to_pylist(), strict=True):
        assert by_user.get(user) == calls, user
    # credentials in the answer never reach a column
    assert not set(stats.column_names) & goapi.USER_INFO_SECRETS


def test_user_info_credentials_are_never_parsed(sim: SimulatorServer) -> None:
    body = httpx.post(f"{sim.url}/goAPIv2/goUsers/goAPI.php", timeout=30, data={
        "goAction": "getUserInfo", "goUser": "6666", "goPass": "1234", "responsetype": "json",
        "user": sim.ctx.world.agents["user"][0].as_py()}).content
    assert b'"pass"' in body  # the server does send them
    table = goapi.user_stats(body, "json")["user_stats"]
    assert table.num_rows == 1 and not set(table.column_names) & goapi.USER_INFO_SECRETS
