"""The simulator's croco-dial `/API/lmapi.php` (add_lead with `campaing`), over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from simulator.nonagent_hopper import hopper_rows
from simulator.server import SimulatorServer

LM = "/API/lmapi.php"
CRED = {"user": "6666", "pass": "1234", "source": "test"}


@pytest.fixture
def sim(simulator_factory: Callable[..., SimulatorServer]) -> SimulatorServer:
    """lmapi writes: every test gets its own simulator."""
    return simulator_factory()


def lm(s: SimulatorServer, *, post: bool = False, auth: bool = True, **params: str) -> str:
    q = {**CRED, **params} if auth else params
    r = httpx.post(s.url + LM, data=q, timeout=60) if post else httpx.get(s.url + LM, params=q, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    return r.text


ADDED = re.compile(r"SUCCESS: add_lead LEAD HAS BEEN ADDED - (\d+)\|6666\|(\d+)\|(\d+)\|(-?\d+(?:\.\d+)?)")


@pytest.mark.parametrize("realism", ["real", "docs"])
def test_add_lead_documented_success_line_whatever_the_realism(
        simulator_factory: Callable[..., SimulatorServer], realism: str) -> None:
    s = simulator_factory(realism=realism)
    body = lm(s, function="add_lead", phone_number="7275551111", list_id="1101", campaing="10000001",
              first_name="Bob", last_name="Wilson")
    m = ADDED.fullmatch(body.rstrip("\n"))
    assert m and body.endswith("\n"), body
    assert (m.group(1), m.group(2), m.group(4)) == ("7275551111", "1101", "-5")
    lead = s.ctx.store.get_lead(int(m.group(3)))
    assert lead is not None and (lead["first_name"], lead["last_name"], lead["list_id"]) == ("Bob", "Wilson", 1101)


def test_campaing_decides_the_hopper_campaign(sim: SimulatorServer) -> None:
    body = lm(sim, post=True, function="add_lead", phone_number="7275551112", list_id="1101", campaing="10000003",
              add_to_hopper="Y")
    lines = body.splitlines()
    lead_id = ADDED.fullmatch(lines[0]).group(3)  # type: ignore[union-attr]
    assert re.fullmatch(rf"NOTICE: add_lead ADDED TO HOPPER - 7275551112\|6666\|{lead_id}\|\d+", lines[1])
    assert [h["campaign_id"] for h in hopper_rows(sim.ctx.store) if h["lead_id"] == int(lead_id)] == ["10000003"]


def test_loaded_lead_is_visible_on_non_agent_api(sim: SimulatorServer) -> None:
    before = httpx.get(sim.url + "/vicidial/non_agent_api.php", timeout=60,
                       params={**CRED, "function": "list_info", "list_id": "1101", "leads_counts": "Y"}).text
    lm(sim, function="add_lead", phone_number="7275551113", list_id="1101", campaing="10000001")
    after = httpx.get(sim.url + "/vicidial/non_agent_api.php", timeout=60,
                      params={**CRED, "function": "list_info", "list_id": "1101", "leads_counts": "Y"}).text
    assert int(after.split("|")[8]) == int(before.split("|")[8]) + 1
    assert int(after.split("|")[9]) == int(before.split("|")[9]) + 1


def test_documented_errors(sim: SimulatorServer) -> None:
    base = {"function": "add_lead", "list_id": "1101", "campaing": "10000001"}
    assert lm(sim, phone_number="72755", **base) == "ERROR: add_lead INVALID PHONE NUMBER LENGTH - 72755|6666\n"
    assert lm(sim, phone_number="7271551111", usacan_prefix_check="Y", **base) == \
        "ERROR: add_lead INVALID PHONE NUMBER PREFIX - 7271551111|6666\n"
    assert lm(sim, phone_number="1275551111", usacan_areacode_check="Y", **base) == \
        "ERROR: add_lead INVALID PHONE NUMBER AREACODE - 1275551111|6666\n"
    assert lm(sim, function="add_lead", phone_number="7275551111", list_id="424242", campaing="10000001",
              list_exists_check="Y") == \
        "ERROR: add_lead NOT A DEFINED LIST ID, LIST EXISTS CHECK ENABLED - 7275551111|424242\n"
    first = lm(sim, phone_number="7275551114", **base)
    lead_id = ADDED.fullmatch(first.rstrip("\n")).group(3)  # type: ignore[union-attr]
    assert lm(sim, phone_number="7275551114", duplicate_check="DUPLIST", **base) == \
        f"ERROR: add_lead DUPLICATE PHONE NUMBER IN LIST - 7275551114|1101|{lead_id}\n"
    assert lm(sim, phone_number="7275551114", duplicate_check="DUPSYS", function="add_lead", list_id="2101",
              campaing="10000002") == \
        f"ERROR: add_lead DUPLICATE PHONE NUMBER IN SYSTEM - 7275551114|2101|{lead_id}|1101\n"
    assert lm(sim, user="viewer6", phone_number="7275551115", **base) == \
        "ERROR: add_lead USER DOES NOT HAVE PERMISSION TO ADD LEADS TO THE SYSTEM - viewer6|0\n"


def test_campaing_is_required(sim: SimulatorServer) -> None:
    assert lm(sim, function="add_lead", phone_number="7275551116", list_id="1101") == \
        "ERROR: add_lead CAMPAIGN DOES NOT EXIST - 7275551116|\n"
    assert lm(sim, function="add_lead", phone_number="7275551116", list_id="1101", campaing="NOPE") == \
        "ERROR: add_lead CAMPAIGN DOES NOT EXIST - 7275551116|NOPE\n"
    # the correctly spelled name is not what lmapi reads
    assert lm(sim, function="add_lead", phone_number="7275551116", list_id="1101", campaign="10000001").startswith(
        "ERROR: add_lead CAMPAIGN DOES NOT EXIST")


def test_auth_and_function(sim: SimulatorServer) -> None:
    assert lm(sim, auth=False, user="6666", function="add_lead", **{"pass": "nope"}) == \
        "ERROR: Login incorrect, please try again: |6666|nope|BAD|\n"
    assert lm(sim, function="update_lead") == "ERROR: NO FUNCTION SPECIFIED\n"
    assert lm(sim) == "ERROR: NO FUNCTION SPECIFIED\n"
    for _ in range(10):
        lm(sim, auth=False, user="6666", function="add_lead", **{"pass": "nope"})
    assert lm(sim, function="add_lead", phone_number="7275551117", campaing="10000001") == \
        "ERROR: Too many login attempts, try again in 15 minutes: |6666|LOCK|\n"
