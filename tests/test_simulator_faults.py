"""Fault injection over real HTTP: every kind, 'first N', seeded probabilities, control routes."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import orjson
import pytest

from simulator.faults import FaultInjector, FaultSpecError, parse_spec
from simulator.server import SimulatorServer
from simulator.testing import CLIENT, clear_requests, goapi, requests_log, set_faults

DAY = {"fromDate": "2025-05-13", "toDate": "2025-05-13"}


@pytest.fixture
def sim(simulator_factory: Callable[..., SimulatorServer]) -> SimulatorServer:
    return simulator_factory(agents=8)


def test_spec_grammar() -> None:
    rules = parse_spec("outbound_cdr:503#2, *:429@0.1:retry_after=3, agent_cdr:truncate@1.0, goReports:slow:delay=0.2")
    assert [(r.target, r.kind, r.prob, r.count) for r in rules] == [
        ("outbound_cdr", "503", 1.0, 2), ("*", "429", 0.1, None), ("agent_cdr", "truncate", 1.0, None),
        ("goReports", "slow", 1.0, None)]
    assert rules[1].options == {"retry_after": 3.0}
    for bad in ("outbound_cdr", "x:teapot", "x:503@2", "x:503:nokv", "x:503:color=red"):
        with pytest.raises(FaultSpecError):
            parse_spec(bad)
    assert parse_spec("") == []


def test_probability_is_seeded_and_reproducible() -> None:
    def seq(seed: int) -> list[bool]:
        f = FaultInjector("*:503@0.3", seed)
        return [f.decide("outbound_cdr") is not None for _ in range(200)]

    assert seq(1) == seq(1)
    assert seq(1) != seq(2)
    assert 30 < sum(seq(1)) < 90


def test_first_n_then_success_and_request_log(sim: SimulatorServer) -> None:
    set_faults(sim, "outbound_cdr:503#2")
    clear_requests(sim)
    codes = [goapi(sim, "goReports", "outbound_cdr", **DAY).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    other = goapi(sim, "goReports", "inbound_cdr", **DAY)
    assert other.status_code == 200
    log = requests_log(sim, "outbound_cdr")
    assert [r["fault"] for r in log] == ["503", "503", None]
    assert log[0]["params"]["fromDate"] == "2025-05-13"
    raw = CLIENT.get(f"{sim.url}/_sim/requests").content
    assert b"goPass" not in raw and b"1234" not in raw and b"goUser" not in raw
    assert orjson.loads(CLIENT.get(f"{sim.url}/_sim/faults").content)["spec"] == "outbound_cdr:503#2"


def test_429_retry_after_and_status_kinds(sim: SimulatorServer) -> None:
    set_faults(sim, "*:429#1:retry_after=7")
    r = goapi(sim, "goUsers", "getAllPortfolios")
    assert r.status_code == 429 and r.headers["retry-after"] == "7"
    for code in (500, 502, 504):
        set_faults(sim, f"getAllPortfolios:{code}#1")
        assert goapi(sim, "goUsers", "getAllPortfolios").status_code == code
        assert goapi(sim, "goUsers", "getAllPortfolios").status_code == 200


def test_reset_truncate_and_bodies(sim: SimulatorServer) -> None:
    set_faults(sim, "getAllPortfolios:reset#1")
    with pytest.raises(httpx.TransportError):
        goapi(sim, "goUsers", "getAllPortfolios")
    assert goapi(sim, "goUsers", "getAllPortfolios").status_code == 200

    set_faults(sim, "agent_cdr:truncate#1")
    with pytest.raises(httpx.TransportError):
        goapi(sim, "goReports", "agent_cdr", **DAY)

    set_faults(sim, "agent_cdr:invalid_json#1")
    r = goapi(sim, "goReports", "agent_cdr", **DAY)
    assert r.status_code == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(r.content)

    set_faults(sim, "getAllProfiles:html#1, getAllPortfolios:empty#1, goGetAllUsers:auth#1")
    r = goapi(sim, "goUsers", "getAllProfiles")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html") and b"<html>" in r.content
    r = goapi(sim, "goUsers", "getAllPortfolios")
    assert r.status_code == 200 and r.content == b""
    r = goapi(sim, "goUsers", "goGetAllUsers")
    assert orjson.loads(r.content) == {"result": "error", "message": "Invalid Username/Password"}


def test_slow_and_hang(sim: SimulatorServer) -> None:
    set_faults(sim, "getAllPortfolios:slow#1:delay=0.4")
    t = time.perf_counter()
    assert goapi(sim, "goUsers", "getAllPortfolios").status_code == 200
    assert time.perf_counter() - t >= 0.4
    set_faults(sim, "getAllPortfolios:hang#1:hang=1.5")
    with pytest.raises(httpx.ReadTimeout):
        goapi(sim, "goUsers", "getAllPortfolios", timeout=0.3)


def test_auth_storm_and_after_option(sim: SimulatorServer) -> None:
    set_faults(sim, "goapi:auth@1.0")
    for _ in range(3):
        assert b"Invalid Username/Password" in goapi(sim, "goUsers", "getAllPortfolios").content
    set_faults(sim, "getAllPortfolios:503:after=1")
    assert goapi(sim, "goUsers", "getAllPortfolios").status_code == 200
    assert goapi(sim, "goUsers", "getAllPortfolios").status_code == 503
    r = CLIENT.post(f"{sim.url}/_sim/faults", data={"spec": "x:teapot"})
    assert r.status_code == 400
    set_faults(sim, "")
    assert goapi(sim, "goUsers", "getAllPortfolios").status_code == 200


def test_faults_from_config(simulator_factory: Callable[..., SimulatorServer]) -> None:
    s = simulator_factory(agents=5, faults="inbound_cdr:502#1")
    assert goapi(s, "goReports", "inbound_cdr", **DAY).status_code == 502
    assert goapi(s, "goReports", "inbound_cdr", **DAY).status_code == 200
