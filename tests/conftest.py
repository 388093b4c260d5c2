"""Shared fixtures: a real simulator on a loopback port (no mocks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from simulator.server import SimConfig, SimulatorServer

#: The session simulator's fixed clock: Wednesday 2025-05-14 15:00 New York.
SIM_NOW = datetime(2025, 5, 14, 15, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorServer]:
    """Seed 42, 60 agents, fixed `now`; shared by every test that only reads."""
    with SimulatorServer(SimConfig(seed=42, agents=60, now=SIM_NOW)) as server:
        yield server


@pytest.fixture
def simulator_factory() -> Iterator[Callable[..., SimulatorServer]]:
    """Start extra simulators with their own config (faults, limits, seeds, realism); stopped after the test."""
    started: list[SimulatorServer] = []

    def make(**config: Any) -> SimulatorServer:
        cfg = SimConfig(**{"seed": 42, "agents": 60, "now": SIM_NOW, **config})
        server = SimulatorServer(cfg).start()
        started.append(server)
        return server

    yield make
    for s in started:
        s.stop()


def write_config(path: Path, *, url: str, user_env: str, password_env: str, platform: str = "crocodial",
                 timezone: str | None = "America/New_York", instance: str = "acme", top: str = "",
                 extra: str = "max_attempts = 2") -> Path:
    """A dialsync.toml for one instance, data under ``path``'s folder (CLI-level tests)."""
    tz = f'timezone = "{timezone}"\n' if timezone else ""
    path.write_text(f"""data_dir = "{path.parent / 'data'}"
{top}
[instances.{instance}]
platform = "{platform}"
base_url = "{url}"
{tz}user_env = "{user_env}"
password_env = "{password_env}"
{extra}
""")
    return path
