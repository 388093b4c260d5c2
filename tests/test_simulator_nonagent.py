"""The simulator's VICIdial non_agent_api and Dialer360 surfaces, over real HTTP on loopback.

Covers the text layer (stages, header, time formats, percentages), auth/lockout/permissions,
every report function in real and docs realism, write-back visibility, and consistency of
the reports with the day's event log.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from simulator.nonagent_text import format_fixed1, format_pct, format_seconds, msg, natcase_sorted, render_table
from simulator.server import SimulatorServer

NOW = datetime(2025, 5, 14, 15, 0, 0)  # conftest's SIM_NOW as local wall time (a Wednesday, EDT)
DAY = date(2025, 5, 13)
D = DAY.isoformat()
PATH = "/vicidial/non_agent_api.php"
D360 = "/adminpanel/api.php"
CRED = {"user": "6666", "pass": "1234", "source": "test"}


@pytest.fixture
def sim(simulator: SimulatorServer) -> SimulatorServer:
    """The session simulator (real realism): only for tests that do not write."""
    assert simulator.ctx.clock.now_local() == NOW
    return simulator


@pytest.fixture
def docs_sim(simulator_factory: Callable[..., SimulatorServer]) -> SimulatorServer:
    return simulator_factory(realism="docs")


@pytest.fixture
def fresh(simulator_factory: Callable[..., SimulatorServer]) -> SimulatorServer:
    """A private simulator for tests that write (each starts from the seed's base state)."""
    return simulator_factory()


def get(s: SimulatorServer, path: str = PATH, *, auth: bool = True, **params: str) -> httpx.Response:
    q = {**CRED, **params} if auth else params
    r = httpx.get(s.url + path, params=q, timeout=120)
    assert r.status_code == 200
    return r


def text(s: SimulatorServer, path: str = PATH, **params: str) -> str:
    return get(s, path, **params).text


def rows(body: str, delim: str = "|") -> list[list[str]]:
    return [ln.split(delim) for ln in body.splitlines() if ln]


# ----------------------------------------------------------------------------- text layer


def test_format_seconds_all_time_formats() -> None:
    secs = pa.array([0, 5, 83 * 60 + 45, 5023, 36000 + 61], pa.int64())
    assert format_seconds(secs, "H").to_pylist() == ["0:00:00", "0:00:05", "1:23:45", "1:23:43", "10:01:01"]
    assert format_seconds(secs, "HF").to_pylist() == ["0:00:00", "0:00:05", "1:23:45", "1:23:43", "10:01:01"]
    assert format_seconds(secs, "M").to_pylist() == ["0:00", "0:05", "83:45", "83:43", "601:01"]
    assert format_seconds(secs, "S").to_pylist() == ["0", "5", "5025", "5023", "36061"]
    assert format_seconds(secs, "bogus").to_pylist() == format_seconds(secs, "HF").to_pylist()


def test_percentages_php_style() -> None:
    assert format_pct(pa.array([1, 1, 0, 5]), pa.array([6, 1, 7, 0])).to_pylist() == ["16.7%", "100%", "0%", "0%"]
    assert format_fixed1(pa.array([0.0, 4.1666, 100.0, 10.0])).to_pylist() == ["0.0", "4.2", "100.0", "10.0"]


def test_render_table_stages_header_trailing() -> None:
    t = pa.table({"a": ["1", "2"], "b": ["x", None]})
    assert render_table(t, "pipe", "YES") == "a|b\n1|x\n2|\n"
    assert render_table(t, "csv", "NO") == "1,x\n2,\n"
    assert render_table(t, "tab", "YES") == "a\tb\n1\tx\n2\t\n"
    assert render_table(t, "CSV", "yes") == "1|x\n2|\n"  # case-sensitive stage, header must be YES
    assert render_table(t, "pipe", None, trailing=True) == "1|x|\n2||\n"


def test_message_line_forms() -> None:
    assert msg("ERROR", "add_lead", "INVALID PHONE NUMBER LENGTH", ["72755", "6666"]) == \
        "ERROR: add_lead INVALID PHONE NUMBER LENGTH - 72755|6666\n"
    assert msg("ERROR", "auth", "USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION", ["6666", "x"], sep=": ",
               wrap=True) == "ERROR: auth USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION: |6666|x|\n"
    assert msg("ERROR", "call_status_stats", "INVALID OR MISSING CAMPAIGNS", "") == \
        "ERROR: call_status_stats INVALID OR MISSING CAMPAIGNS\n"


# ----------------------------------------------------------------------------- version, auth


def test_version_needs_no_login_real_and_docs(sim: SimulatorServer, docs_sim: SimulatorServer) -> None:
    epoch = int(sim.ctx.clock.now().timestamp())
    r = get(sim, auth=False, function="version")
    assert r.headers["content-type"].startswith("text/html")
    assert r.text == (f"VERSION: 2.14-202|BUILD: 250720-1841|DATE: 2025-05-14 15:00:00|EPOCH: {epoch}|"
                      "DST: 1|TZ: -5.00|TZNOW: -4.00|\n")
    docs = get(docs_sim, auth=False, function="version").text
    assert docs == (f"VERSION: 2.4-34|BUILD: 110424-0854|DATE: 2025-05-14 15:00:00|EPOCH: {epoch}|DST: 1|"
                    "TZ: -5|TZNOW: -4|\n")
    assert get(sim, D360, auth=False, function="version").text.startswith("VERSION: 2.4-34|")


def test_login_incorrect_echoes_password_and_cleans_input(sim: SimulatorServer) -> None:
    body = get(sim, auth=False, user="6666", function="list_info", list_id="1101", **{"pass": "wr*ong"}).text
    assert body == "ERROR: Login incorrect, please try again: |6666|wrong|BAD|\n"
    # cleaned credentials: characters outside [-_0-9a-zA-Z] are dropped, so this logs in
    ok = get(sim, auth=False, user="66.66", function="list_info", list_id="1101", **{"pass": "12'34"}).text
    assert ok.startswith("1101|")
    sim.ctx.unlock_all()


def test_lockout_after_ten_failures(fresh: SimulatorServer) -> None:
    for _ in range(10):
        assert "Login incorrect" in get(fresh, auth=False, user="6666", function="list_info",
                                         **{"pass": "bad"}).text
    locked = get(fresh, function="list_info", list_id="1101").text  # right password, still locked
    assert locked == "ERROR: Too many login attempts, try again in 15 minutes: |6666|LOCK|\n"
    # other accounts are not affected; version never needs a login
    assert "PERMISSION" in get(fresh, user="viewer6", function="list_info", list_id="1101").text
    assert get(fresh, auth=False, function="version").text.startswith("VERSION:")
    # the lock lasts 15 minutes of the dialer's clock, then the right password works again
    now = fresh.ctx.clock.now()
    httpx.post(f"{fresh.url}/_sim/clock", data={"now": (now + timedelta(minutes=14)).isoformat()})
    assert "Too many login attempts" in get(fresh, function="list_info", list_id="1101").text
    httpx.post(f"{fresh.url}/_sim/clock", data={"now": (now + timedelta(minutes=16)).isoformat()})
    assert get(fresh, function="list_info", list_id="1101").text.startswith("1101|")
    httpx.post(f"{fresh.url}/_sim/clock", data={"now": now.isoformat()})


FUNCTION_DENIED = {
    "agent_stats_export": "ERROR: agent_stats_export USER DOES NOT HAVE PERMISSION TO GET AGENT INFO - viewer6|1",
    "call_dispo_report": "ERROR: call_dispo_report USER DOES NOT HAVE PERMISSION TO VIEW STATS",
    "call_status_stats": "ERROR: call_status_stats USER DOES NOT HAVE PERMISSION TO VIEW STATS",
    "phone_number_log": "ERROR: phone_number_log USER DOES NOT HAVE PERMISSION TO GET CALL LOG INFO - viewer6|1",
    "did_log_export": "ERROR: did_log_export USER DOES NOT HAVE PERMISSION TO GET DID INFO - viewer6|1",
    "recording_lookup": "ERROR: recording_lookup USER DOES NOT HAVE PERMISSION TO GET RECORDING INFO - viewer6|1",
    "lead_status_search": "ERROR: lead_status_search USER DOES NOT HAVE PERMISSION TO GET LEAD INFO - viewer6|0",
    "list_info": "ERROR: list_info USER DOES NOT HAVE PERMISSION TO MODIFY LISTS - viewer6",
    "add_lead": "ERROR: add_lead USER DOES NOT HAVE PERMISSION TO ADD LEADS TO THE SYSTEM - viewer6|0",
    "update_lead": "ERROR: update_lead USER DOES NOT HAVE PERMISSION TO UPDATE LEADS IN THE SYSTEM - viewer6|0",
    "add_list": "ERROR: add_list USER DOES NOT HAVE PERMISSION TO ADD LISTS - viewer6|0",
    "update_list": "ERROR: update_list USER DOES NOT HAVE PERMISSION TO UPDATE LISTS - viewer6",
}


@pytest.mark.parametrize("function", sorted(FUNCTION_DENIED))
def test_permission_errors_per_function(sim: SimulatorServer, function: str) -> None:
    # user level 6: each function's own refusal
    assert text(sim, user="viewer6", function=function) == FUNCTION_DENIED[function] + "\n"
    # account whose user group allows no API function: the auth refusal (real form)
    assert text(sim, user="noreports", function=function) == \
        f"ERROR: auth USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION: |noreports|{function}|\n"


def test_permission_error_documented_form(docs_sim: SimulatorServer) -> None:
    for function in FUNCTION_DENIED:
        assert text(docs_sim, user="noreports", function=function) == \
            f"ERROR: auth USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION - noreports|{function}\n"
        assert text(docs_sim, user="viewer6", function=function) == FUNCTION_DENIED[function] + "\n"


def test_unknown_or_missing_function(sim: SimulatorServer) -> None:
    assert text(sim, function="sounds_list") == "ERROR: NO FUNCTION SPECIFIED\n"
    assert text(sim) == "ERROR: NO FUNCTION SPECIFIED\n"


@pytest.mark.parametrize("function", ["call_dispo_report", "list_info", "lead_status_search", "call_status_stats"])
def test_dialer360_lacks_functions(sim: SimulatorServer, function: str) -> None:
    params = {"campaigns": "ALLCAMPAIGNS", "list_id": "1101", "status": "SALE", "date": D, "query_date": D}
    assert text(sim, D360, function=function, **params) == "ERROR: NO FUNCTION SPECIFIED\n"
    assert text(sim, PATH, function=function, **params) != "ERROR: NO FUNCTION SPECIFIED\n"


def test_dialer360_serves_its_functions(sim: SimulatorServer) -> None:
    a = text(sim, D360, function="agent_stats_export", datetime_start=f"{D} 00:00:00", datetime_end=f"{D} 23:59:59")
    b = text(sim, PATH, function="agent_stats_export", datetime_start=f"{D} 00:00:00", datetime_end=f"{D} 23:59:59")
    assert [r[:4] for r in rows(a)] == [r[:4] for r in rows(b)] and a.count("\n") > 5  # same agents, calls
    did = sim.ctx.world.dids["did_pattern"][0].as_py()
    assert text(sim, D360, function="did_log_export", phone_number=did, date=D).count("\n") > 3


def test_post_form_works_like_get(sim: SimulatorServer) -> None:
    data = {**CRED, "function": "list_info", "list_id": "1101"}
    r = httpx.post(sim.url + PATH, data=data, timeout=60)
    assert r.status_code == 200 and r.text.startswith("1101|")


# ----------------------------------------------------------------------------- every tabular function × stage

TABULAR_HEADERS = {
    "agent_stats_export": "",  # REAL_HEADER, defined below
    "phone_number_log": ("phone_number|call_date|list_id|length_in_sec|lead_status|hangup_reason|call_status|"
                         "source_id|user"),
    "did_log_export": "did_number|call_date|caller_id_number|length_in_sec",
    "recording_lookup": "start_time|user|recording_id|lead_id|location",
    "list_info": ("list_id|list_name|campaign_id|active|list_changedate|list_lastcalldate|expiration_date|"
                  "resets_today"),
}


def _tabular_params(sim: SimulatorServer, function: str) -> dict[str, str]:
    calls = sim.ctx.day_log(DAY).calls
    agent = calls.filter(pc.greater(calls["talk_seconds"], 0))["user"].drop_null()[0].as_py()
    return {
        "agent_stats_export": {"datetime_start": f"{D} 00:00:00", "datetime_end": f"{D} 23:59:59"},
        "phone_number_log": {"phone_number": _outbound(sim)["phone_number"][0].as_py(), "type": "ALL"},
        "did_log_export": {"phone_number": sim.ctx.world.dids["did_pattern"][0].as_py(), "date": D},
        "recording_lookup": {"agent_user": agent, "date": D},
        "list_info": {"list_id": "1101"},
    }[function]


@pytest.mark.parametrize("function", sorted(TABULAR_HEADERS))
def test_every_tabular_function_in_every_stage(sim: SimulatorServer, function: str) -> None:
    params = _tabular_params(sim, function)
    reference = text(sim, function=function, stage="pipe", header="YES", **params).splitlines()
    expected_head = REAL_HEADER if function == "agent_stats_export" else TABULAR_HEADERS[function]
    assert reference[0] == expected_head and len(reference) > 1
    for stage, delim in (("pipe", "|"), ("csv", ","), ("tab", "\t"), ("bogus", "|")):
        with_head = text(sim, function=function, stage=stage, header="YES", **params).splitlines()
        assert with_head[0] == expected_head.replace("|", delim)
        assert [ln.split(delim) for ln in with_head] == [ln.split("|") for ln in reference]
        assert text(sim, function=function, stage=stage, **params).splitlines() == with_head[1:]
        assert text(sim, function=function, stage=stage, header="yes", **params).splitlines() == with_head[1:]


# ----------------------------------------------------------------------------- agent_stats_export

REAL_HEADER = ("user|full_name|user_group|calls|login_time|total_talk_time|avg_talk_time|avg_wait_time|pct_of_queue|"
               "pause_time|sessions|avg_session|pauses|avg_pause_time|pause_pct|pauses_per_session|wait_time|"
               "talk_time|dispo_time|dead_time")
DOCS_HEADER = ("user|full_name|user_group|calls|login_time|total_talk_time|avg_talk_time|avg_wait_time|pct_of_queue|"
               "pause_time|sessions|avg_session|pauses|avg_pause_time|pause_pct|pauses_per_session|total_wait_time")


def _ase(s: SimulatorServer, **p: str) -> str:
    return text(s, function="agent_stats_export", datetime_start=f"{D} 00:00:00", datetime_end=f"{D} 23:59:59", **p)


@pytest.mark.parametrize("stage,delim", [("pipe", "|"), ("csv", ","), ("tab", "\t"), ("", "|")])
def test_agent_stats_export_stages_and_header(sim: SimulatorServer, stage: str, delim: str) -> None:
    with_header = _ase(sim, stage=stage, header="YES").splitlines()
    assert with_header[0] == REAL_HEADER.replace("|", delim)
    no_header = _ase(sim, stage=stage).splitlines()
    assert no_header == with_header[1:]
    assert all(len(r.split(delim)) == 20 for r in no_header)
    assert not any(r.endswith(delim) for r in no_header)


def test_agent_stats_export_time_formats(sim: SimulatorServer) -> None:
    by = {tf: rows(_ase(sim, time_format=tf)) for tf in ("H", "HF", "M", "S")}
    secs = by["S"]
    for i, r in enumerate(secs):
        login = int(r[4])
        assert by["H"][i][4] == f"{login // 3600}:{login // 60 % 60:02d}:{login % 60:02d}"
        assert by["HF"][i][4] == by["H"][i][4]
        assert by["M"][i][4] == f"{login // 60}:{login % 60:02d}"
        for tf in by:  # pause_time is seconds whatever the format
            assert by[tf][i][9] == r[9] and r[9].isdigit()
        assert re.fullmatch(r"\d+(\.\d)?%", r[8]) and re.fullmatch(r"\d+(\.\d)?%", r[14])
    assert _ase(sim) == _ase(sim, time_format="HF")


def test_agent_stats_export_matches_event_log(sim: SimulatorServer) -> None:
    """Exact per-user figures (group_by_campaign=YES summed per user; see test_simulator_realserver)."""
    log = sim.ctx.day_log(DAY)
    st = log.agent_states
    got: dict[str, list[int]] = {}
    for r in rows(_ase(sim, time_format="S", group_by_campaign="YES")):
        acc = got.setdefault(r[1], [0] * 7)
        for k, i in enumerate((4, 5, 6, 10, 17, 18, 19)):  # calls, login, total_talk, pause, wait, talk, dispo
            acc[k] += int(r[i])
    per_user: dict[str, Counter[str]] = {}
    for u, state, secs in zip(st["user"].to_pylist(), st["state"].to_pylist(), st["seconds"].to_pylist(),
                              strict=True):
        c = per_user.setdefault(u, Counter())
        c[state] += secs
        c["login"] += secs
    handled = Counter(x for x in log.calls["user"].to_pylist() if x is not None)
    assert set(got) == set(per_user)
    for u, c in per_user.items():
        calls, login, total_talk, pause, wait, talk, dispo = got[u]
        assert calls == handled[u] and login == c["login"] == pause + wait + talk + dispo
        if calls:
            assert (total_talk, talk, dispo, pause) == (c["TALK"], c["TALK"] + c["DEAD"], c["DISPO"], c["PAUSE"])


def test_agent_stats_export_options_and_errors(sim: SimulatorServer, docs_sim: SimulatorServer) -> None:
    users = [r[0] for r in rows(_ase(sim))]
    one = rows(_ase(sim, agent_user=users[0]))
    assert len(one) == 1 and one[0][0] == users[0]
    by_camp = _ase(sim, group_by_campaign="YES", header="YES").splitlines()
    assert by_camp[0] == "campaign_id|" + REAL_HEADER and len(by_camp[1].split("|")) == 21
    assert _ase(docs_sim, header="YES").splitlines()[0] == DOCS_HEADER
    bad = text(sim, function="agent_stats_export", datetime_start=f"{D} 0:00:00", datetime_end=f"{D} 23:59:59")
    assert bad == f"ERROR: agent_stats_export INVALID SEARCH PARAMETERS - 6666||{D} 0:00:00|{D} 23:59:59\n"
    future = text(sim, function="agent_stats_export", datetime_start="2025-07-01 00:00:00",
                  datetime_end="2025-07-01 23:59:59")
    assert future == "ERROR: agent_stats_export NO RECORDS FOUND - 6666||2025-07-01 00:00:00|2025-07-01 23:59:59\n"
    # the URL form with '+' between date and time is the same request
    plus = httpx.get(sim.url + PATH + f"?user=6666&pass=1234&function=agent_stats_export"
                     f"&datetime_start={D}+00:00:00&datetime_end={D}+23:59:59", timeout=60).text
    assert plus == _ase(sim)


# ----------------------------------------------------------------------------- call_dispo_report


def _cdr(s: SimulatorServer, **p: str) -> httpx.Response:
    return get(s, function="call_dispo_report", query_date=D, end_date=D, **p)


def _outbound(s: SimulatorServer) -> pa.Table:
    calls = s.ctx.day_log(DAY).calls
    return calls.filter(pc.equal(calls["direction"], "OUT"))


def test_call_dispo_report_totals_match_event_log(sim: SimulatorServer) -> None:
    r = _cdr(sim, campaigns="ALLCAMPAIGNS", status_breakdown="1")
    assert r.headers["content-type"].startswith("text/plain")
    assert not r.text.endswith("\n")
    lines = r.text.split("\n")
    head = lines[0].split(",")
    assert head[:2] == ["CAMPAIGN", "TOTAL CALLS"]
    names = natcase_sorted(head[2:])  # the values' order (test_simulator_realserver)
    out = _outbound(sim)
    by_camp = Counter(out["campaign_id"].to_pylist())
    body = {ln.split(",")[0]: ln.split(",") for ln in lines[1:]}
    assert int(body["TOTAL"][1]) == out.num_rows
    for camp, n in by_camp.items():
        assert int(body[camp][1]) == n
        statuses = Counter(out.filter(pc.equal(out["campaign_id"], camp))["status"].to_pylist())
        assert {h: int(v) for h, v in zip(names, body[camp][2:], strict=True) if int(v)} == dict(statuses)
    for vals in body.values():  # every row's statuses sum to its TOTAL CALLS
        assert sum(int(v) for v in vals[2:]) == int(vals[1])


def test_call_dispo_report_selection_and_percentages(sim: SimulatorServer) -> None:
    out = _outbound(sim)
    two = sorted(set(out["campaign_id"].to_pylist()))[:2]
    plain = _cdr(sim, campaigns="-".join(two)).text.split("\n")
    assert plain[0] == "CAMPAIGN,TOTAL CALLS" and [ln.split(",")[0] for ln in plain[1:]] == [*two, "TOTAL"]
    pct = _cdr(sim, campaigns="-".join(two), status_breakdown="1", show_percentages="1").text.split("\n")
    for ln in pct[1:]:
        cells = ln.split(",")
        total = int(cells[1])
        for cell in cells[2:]:
            m = re.fullmatch(r"(\d+) \((\d+\.\d)%\)", cell)
            assert m, cell
            assert float(m.group(2)) == pytest.approx(100 * int(m.group(1)) / total, abs=0.051)
    # in-groups, DIDs: inbound rows; ---ALL--- means all
    calls = sim.ctx.day_log(DAY).calls
    inbound = calls.filter(pc.equal(calls["direction"], "IN"))
    both = _cdr(sim, campaigns="---ALL---", ingroups="ALLGROUPS").text.split("\n")
    assert both[-1] == f"TOTAL,{calls.num_rows}"
    did = sim.ctx.world.dids.slice(0, 1).to_pylist()[0]
    n_did = inbound.filter(pc.equal(inbound["did"], did["did_pattern"])).num_rows
    expect = f"CAMPAIGN,TOTAL CALLS\n{did['did_pattern']},{n_did}\nTOTAL,{n_did}"
    assert _cdr(sim, did_ids=str(did["did_id"])).text == expect
    assert _cdr(sim, did_patterns=did["did_pattern"]).text == expect
    sale = _cdr(sim, campaigns="ALLCAMPAIGNS", statuses="SALE", status_breakdown="1").text.split("\n")
    assert sale[0] == "CAMPAIGN,TOTAL CALLS,SALE"


def test_call_dispo_report_no_data_and_errors(sim: SimulatorServer) -> None:
    assert _cdr(sim, campaigns="NOSUCH").text == "CAMPAIGN,TOTAL CALLS\nTOTAL,0"
    assert _cdr(sim, campaigns="NOSUCH", status_breakdown="1").text == "CAMPAIGN,TOTAL CALLS\nTOTAL,0"
    assert _cdr(sim).text == "ERROR: call_dispo_report INVALID OR MISSING CAMPAIGNS, INGROUPS, OR DIDS\n"


# ----------------------------------------------------------------------------- call_status_stats


def test_call_status_stats(sim: SimulatorServer) -> None:
    body = text(sim, function="call_status_stats", campaigns="---ALL---", query_date=D)
    out = _outbound(sim)
    by_camp = Counter(out["campaign_id"].to_pylist())
    seen = set()
    for ln in body.splitlines():
        ident, total, human, hourly, statuses, end = ln.split("|")
        assert end == ""
        hours = [h.split("-") for h in hourly.split(",")]
        assert [h for h, _ in hours] == [f"{i:02d}" for i in range(24)]
        assert sum(int(n) for _, n in hours) == int(total)
        assert sum(int(x.rsplit("-", 1)[1]) for x in statuses.split(",") if x) == int(total)
        assert int(human) <= int(total)
        if ident in by_camp:
            assert int(total) == by_camp[ident]
        seen.add(ident)
    assert set(by_camp) <= seen
    assert set(sim.ctx.world.ingroups["group_id"].to_pylist()) <= seen
    one = text(sim, function="call_status_stats", campaigns="10000001", ingroups="AGENTDIRECT", statuses="SALE-NI",
               query_date=D)
    assert [ln.split("|")[0] for ln in one.splitlines()] == ["10000001", "AGENTDIRECT"]
    assert all(set(re.findall(r"([A-Z]+)-\d+", ln.split("|")[4])) <= {"SALE", "NI"} for ln in one.splitlines())
    assert text(sim, function="call_status_stats") == "ERROR: call_status_stats INVALID OR MISSING CAMPAIGNS\n"


# ----------------------------------------------------------------------------- phone_number_log


def _number_with_both_directions(sim: SimulatorServer) -> str:
    calls = sim.ctx.day_log(DAY).calls
    ins = set(calls.filter(pc.equal(calls["direction"], "IN"))["phone_number"].to_pylist())
    outs = calls.filter(pc.equal(calls["direction"], "OUT"))["phone_number"].to_pylist()
    both = [n for n in outs if n in ins]
    return both[0] if both else outs[0]


def test_phone_number_log_type_detail_order(sim: SimulatorServer, docs_sim: SimulatorServer) -> None:
    num = _number_with_both_directions(sim)
    other = _outbound(sim)["phone_number"][3].as_py()
    body = text(sim, function="phone_number_log", phone_number=f"{num},{other}", type="ALL", header="YES")
    lines = body.splitlines()
    assert lines[0] == ("phone_number|call_date|list_id|length_in_sec|lead_status|hangup_reason|call_status|"
                        "source_id|user")
    recs = rows("\n".join(lines[1:]))
    assert [r[0] for r in recs] == sorted([r[0] for r in recs], key=lambda x: [num, other].index(x))
    mine = [r for r in recs if r[0] == num]
    assert all(r[8] for r in mine)  # unhandled calls show the system user (VDAD/VDCL)
    only_out = rows(text(sim, function="phone_number_log", phone_number=num))
    only_in = rows(text(sim, function="phone_number_log", phone_number=num, type="IN"))
    assert mine == only_out + only_in  # type=ALL: outbound rows, then inbound rows
    for part in (only_out, only_in):  # each newest first
        assert [r[1] for r in part] == sorted((r[1] for r in part), reverse=True)
    calls = sim.ctx.day_log(DAY).calls
    n_in = calls.filter(pc.and_(pc.equal(calls["phone_number"], num), pc.equal(calls["direction"], "IN"))).num_rows
    assert len([r for r in only_in if r[1].startswith(D)]) == n_in
    last = rows(text(sim, function="phone_number_log", phone_number=num, detail="LAST"))
    assert last == only_out[:1]
    csv = text(sim, function="phone_number_log", phone_number=num, stage="csv")
    assert rows(csv, ",") == only_out
    none = text(sim, function="phone_number_log", phone_number="5550001234")
    assert none == "NOTICE: phone_number_log NO RECORDS FOUND - 6666|5550001234\n"
    assert text(docs_sim, function="phone_number_log", phone_number="5550001234").startswith("ERROR: ")
    assert text(sim, function="phone_number_log", phone_number="312,12") == \
        "ERROR: phone_number_log NO VALID PHONE NUMBERS DEFINED - 6666|312,12\n"


# ----------------------------------------------------------------------------- did_log_export


def test_did_log_export_real_swaps_columns(sim: SimulatorServer, docs_sim: SimulatorServer) -> None:
    did = sim.ctx.world.dids["did_pattern"][0].as_py()
    real = text(sim, function="did_log_export", phone_number=did, date=D, header="YES").splitlines()
    docs = text(docs_sim, function="did_log_export", phone_number=did, date=D, header="YES").splitlines()
    assert real[0] == docs[0] == "did_number|call_date|caller_id_number|length_in_sec"
    calls = sim.ctx.day_log(DAY).calls
    n = calls.filter(pc.and_(pc.equal(calls["did"], did), pc.equal(calls["direction"], "IN"))).num_rows
    assert len(real) == len(docs) == n + 1
    r, d = real[1].split("|"), docs[1].split("|")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", d[1]) and r[2] == d[1] and r[1] == d[2]
    assert text(sim, function="did_log_export", phone_number=did, date="2025-13-01") == \
        f"ERROR: did_log_export INVALID SEARCH PARAMETERS - 6666|{did}|2025-13-01\n"
    assert text(sim, function="did_log_export", phone_number="5550000", date=D) == \
        f"ERROR: did_log_export NO RECORDS FOUND - 6666|5550000|{D}\n"


def test_result_limit_is_silent_truncation(fresh: SimulatorServer) -> None:
    did = fresh.ctx.world.dids["did_pattern"][0].as_py()
    fresh.ctx.limits["rows"] = 5
    body = text(fresh, function="did_log_export", phone_number=did, date=D)
    assert len(body.splitlines()) == 5 and "NOTICE" not in body and "ERROR" not in body


# ----------------------------------------------------------------------------- recording_lookup


def test_recording_lookup(sim: SimulatorServer) -> None:
    calls = sim.ctx.day_log(DAY).calls
    talked = calls.filter(pc.and_(pc.is_valid(calls["user"]), pc.greater(calls["talk_seconds"], 0)))
    agent = talked["user"][0].as_py()
    body = text(sim, function="recording_lookup", agent_user=agent, date=D, header="YES").splitlines()
    assert body[0] == "start_time|user|recording_id|lead_id|location"
    assert len(body) - 1 == talked.filter(pc.equal(talked["user"], agent)).num_rows
    first = body[1].split("|")
    assert first[1] == agent and first[2].isdigit() and first[4].startswith("http://") and first[4].endswith(".mp3")
    lead = next(r.split("|")[3] for r in body[1:] if r.split("|")[3])
    by_lead = rows(text(sim, function="recording_lookup", lead_id=lead, date=D))
    assert by_lead and all(r[3] == lead for r in by_lead)
    assert text(sim, function="recording_lookup", date=D) == \
        f"ERROR: recording_lookup INVALID SEARCH PARAMETERS - 6666|||{D}|\n"
    assert text(sim, function="recording_lookup", agent_user="nobody", date=D) == \
        f"ERROR: recording_lookup NO RECORDINGS FOUND - 6666|nobody||{D}|\n"


# ----------------------------------------------------------------------------- lead_status_search


def _records(body: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for ln in body.splitlines():
        if ln.startswith(";---------- START OF RECORD"):
            out.append({})
        else:
            k, _, v = ln.partition(" => ")
            out[-1][k] = v
    return out


def test_lead_status_search(fresh: SimulatorServer) -> None:
    calls = fresh.ctx.day_log(DAY).calls
    sale_leads = list(dict.fromkeys(calls.filter(pc.and_(pc.equal(calls["status"], "SALE"),
                                                         pc.is_valid(calls["lead_id"])))["lead_id"].to_pylist()))
    body = text(fresh, function="lead_status_search", status="SALE", date=D)
    recs = _records(body)
    assert body.startswith(";---------- START OF RECORD 1 ----------\n")
    assert [int(r["lead_id"]) for r in recs] == sale_leads
    assert {"lead_id", "status", "user", "vendor_lead_code", "source_id", "list_id", "gmt_offset_now", "phone_code",
            "phone_number"} <= set(recs[0])
    assert re.fullmatch(r"-?\d+\.\d\d", recs[0]["gmt_offset_now"])
    fresh.ctx.limits["lead_search"] = 2
    assert len(_records(text(fresh, function="lead_status_search", status="SALE", date=D))) == 2
    one = _records(text(fresh, function="lead_status_search", lead_id=recs[0]["lead_id"]))
    assert len(one) == 1 and one[0]["lead_id"] == recs[0]["lead_id"]
    # a write-back is visible: the update is newer than the call
    upd = text(fresh, function="update_lead", lead_id=recs[0]["lead_id"], status="VRF", first_name="Zed")
    assert upd.startswith("SUCCESS: update_lead LEAD HAS BEEN UPDATED - 6666|" + recs[0]["lead_id"] + "|")
    again = _records(text(fresh, function="lead_status_search", status="SALE", date=D))[0]
    assert (again["status"], again["first_name"]) == ("VRF", "Zed")
    assert text(fresh, function="lead_status_search", status="SALE") == \
        "ERROR: lead_status_search INVALID SEARCH PARAMETERS - 6666|SALE||\n"
    assert text(fresh, function="lead_status_search", status="NOPE", date=D) == \
        f"ERROR: lead_status_search NO RESULTS FOUND - 6666|NOPE|{D}|\n"


# ----------------------------------------------------------------------------- lists


def test_list_info_forms(sim: SimulatorServer, docs_sim: SimulatorServer) -> None:
    real = text(sim, function="list_info", list_id="1101", header="YES").splitlines()
    assert real[0] == ("list_id|list_name|campaign_id|active|list_changedate|list_lastcalldate|expiration_date|"
                       "resets_today")
    assert real[1].startswith("1101|") and real[1].endswith("|") and len(real[1].split("|")) == 9
    counts = text(sim, function="list_info", list_id="1101", leads_counts="Y", stage="csv").strip()
    assert counts.endswith(",") and len(counts.split(",")) == 11
    leads = sim.ctx.store.leads()
    in_list = leads.filter(pc.equal(leads["list_id"], 1101))
    assert counts.split(",")[8] == str(in_list.num_rows)
    assert counts.split(",")[9] == str(pc.sum(pc.equal(in_list["status"], "NEW")).as_py())
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", counts.split(",")[5])
    doc_plain = text(docs_sim, function="list_info", list_id="1101").strip()
    doc_counts = text(docs_sim, function="list_info", list_id="1101", leads_counts="Y").strip()
    assert doc_plain.endswith("|") and not doc_counts.endswith("|")
    assert text(sim, function="list_info", list_id="4") == \
        "ERROR: list_info YOU MUST USE ALL REQUIRED FIELDS - 6666|4\n"
    assert text(sim, function="list_info", list_id="98762") == "ERROR: list_info LIST DOES NOT EXIST - 98762\n"


def _list_row(s: SimulatorServer, list_id: str) -> list[str]:
    return text(s, function="list_info", list_id=list_id, leads_counts="Y").strip().split("|")


def test_add_list_update_list_lifecycle(fresh: SimulatorServer) -> None:
    add = text(fresh, function="add_list", list_id="7001", list_name="API test list", campaign_id="10000001")
    assert add == "SUCCESS: add_list LIST HAS BEEN ADDED - 6666|7001|API test list|10000001\n"
    assert _list_row(fresh, "7001")[:4] == ["7001", "API test list", "10000001", "N"]
    assert text(fresh, function="add_list", list_id="7001", list_name="API test list", campaign_id="10000001") == \
        "ERROR: add_list LIST ALREADY EXISTS: |6666|7001\n"
    assert text(fresh, function="add_list", list_id="7002", list_name="short", campaign_id="10000001") == \
        "ERROR: add_list YOU MUST USE ALL REQUIRED FIELDS - 6666|7002|short|10000001\n"
    assert text(fresh, function="add_list", list_id="7002", list_name="API test list", campaign_id="NOPE") == \
        "ERROR: add_list CAMPAIGN DOES NOT EXIST - 6666|NOPE\n"
    upd = text(fresh, function="update_list", list_id="7001", active="Y", list_name="Renamed list")
    assert upd == "SUCCESS: update_list LIST HAS BEEN UPDATED - 6666|7001\n"
    assert _list_row(fresh, "7001")[1:4] == ["Renamed list", "10000001", "Y"]
    assert text(fresh, function="update_list", list_id="7001") == "NOTICE: update_list NO UPDATES DEFINED: |6666|\n"
    assert text(fresh, function="update_list", list_id="7001", active="U") == \
        "ERROR: update_list ACTIVE MUST BE Y OR N, THIS IS AN OPTIONAL FIELD - 6666|U\n"
    for i in range(3):
        assert text(fresh, function="add_lead", phone_number=f"727555200{i}", list_id="7001").startswith("SUCCESS")
    assert _list_row(fresh, "7001")[8:10] == ["3", "3"]
    fresh.ctx.store.update_lead(fresh.ctx.store.find_leads(list_ids=[7001])[0]["lead_id"],
                                {"called_since_last_reset": "Y"})
    reset = text(fresh, function="update_list", list_id="7001", reset_list="Y")
    assert reset == "NOTICE: update_list LEADS IN LIST HAVE BEEN RESET - 6666|7001|\n"
    assert {r["called_since_last_reset"] for r in fresh.ctx.store.find_leads(list_ids=[7001])} == {"N"}
    assert _list_row(fresh, "7001")[7] == "1"  # resets_today
    gone = text(fresh, function="update_list", list_id="7001", delete_leads="Y")
    assert gone == "NOTICE: update_list LEADS IN LIST HAVE BEEN DELETED - 6666|7001|3\n"
    assert _list_row(fresh, "7001")[8] == "0"
    dl = text(fresh, function="update_list", list_id="7001", delete_list="Y")
    assert dl == "NOTICE: update_list LIST HAS BEEN DELETED - 6666|7001|1\n"
    assert text(fresh, function="list_info", list_id="7001") == "ERROR: list_info LIST DOES NOT EXIST - 7001\n"
    assert text(fresh, function="update_list", list_id="7001") == "ERROR: update_list LIST DOES NOT EXIST - 6666|7001\n"
    ins = text(fresh, function="update_list", list_id="7003", insert_if_not_found="Y", list_name="Inserted list",
               campaign_id="10000002")
    assert ins.splitlines() == ["NOTICE: update_list LIST DOES NOT EXIST, SENDING TO add_list FUNCTION - 6666|7003",
                                "SUCCESS: add_list LIST HAS BEEN ADDED - 6666|7003|Inserted list|10000002"]


def test_list_functions_docs_forms(docs_sim: SimulatorServer) -> None:
    s = docs_sim
    assert text(s, function="add_list", list_id="7001", list_name="API test list", campaign_id="10000001") == \
        "SUCCESS: add_list LIST HAS BEEN ADDED - 6666|7001|10000001\n"
    assert text(s, function="add_list", list_id="7001", list_name="API test list", campaign_id="10000001") == \
        "ERROR: add_list LIST ALREADY EXISTS - 6666|7001\n"
    assert text(s, function="update_list", list_id="7001") == "NOTICE: update_list NO UPDATES DEFINED - 6666|\n"
    text(s, function="add_lead", phone_number="7275552000", list_id="7001")
    assert text(s, function="update_list", list_id="7001", reset_list="Y") == \
        "NOTICE: update_list LEADS IN LIST HAVE BEEN RESET - 6666|7001|1\n"


# ----------------------------------------------------------------------------- add_lead


def test_add_lead_real_and_docs_success_lines(simulator_factory: Callable[..., SimulatorServer]) -> None:
    for realism, expect in (("real", r"7275551111\|1101\|(\d+)\|-5\|6666"),
                            ("docs", r"7275551111\|6666\|1101\|(\d+)\|-5")):
        s = simulator_factory(realism=realism)
        body = text(s, function="add_lead", phone_number="7275551111", list_id="1101", first_name="Bob")
        m = re.fullmatch(rf"SUCCESS: add_lead LEAD HAS BEEN ADDED - {expect}\n", body)
        assert m, body
        lead = s.ctx.store.get_lead(int(m.group(1)))
        assert lead is not None and (lead["list_id"], lead["status"], lead["first_name"]) == (1101, "NEW", "Bob")


def test_add_lead_validation_and_notices(fresh: SimulatorServer) -> None:
    assert text(fresh, function="add_lead", phone_number="72755") == \
        "ERROR: add_lead INVALID PHONE NUMBER LENGTH - 72755|6666\n"
    assert text(fresh, function="add_lead", phone_number="7271551111", usacan_prefix_check="Y") == \
        "ERROR: add_lead INVALID PHONE NUMBER PREFIX - 7271551111|6666\n"
    assert text(fresh, function="add_lead", phone_number="1275551111", usacan_areacode_check="Y") == \
        "ERROR: add_lead INVALID PHONE NUMBER AREACODE - 1275551111|6666\n"
    assert text(fresh, function="add_lead", phone_number="7275551111", list_id="424242", list_exists_check="Y") == \
        "ERROR: add_lead NOT A DEFINED LIST ID, LIST EXISTS CHECK ENABLED - 7275551111|424242\n"
    lines = text(fresh, function="add_lead", phone_number="7275551112", list_id="1101", nanpa_ac_prefix_check="Y",
                 add_to_hopper="Y", custom_fields="Y",
                 multi_alt_phones="7275551212_1_work!7275551213_1_sister").splitlines()
    assert lines[0] == "NOTICE: add_lead NANPA options disabled, NANPA prefix data not loaded - 0|6666"
    assert lines[1].startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED - 7275551112|1101|")
    lead_id = lines[1].split("|")[2]
    assert lines[2] == f"NOTICE: add_lead MULTI-ALT-PHONE NUMBERS LOADED - 2|6666|{lead_id}"
    assert lines[3].startswith("NOTICE: add_lead CUSTOM FIELDS NOT ADDED")
    assert re.fullmatch(rf"NOTICE: add_lead ADDED TO HOPPER - 7275551112\|6666\|{lead_id}\|\d+", lines[4])
    from simulator.nonagent_hopper import hopper_rows

    assert any(h["lead_id"] == int(lead_id) and h["campaign_id"] == "10000001" for h in hopper_rows(fresh.ctx.store))
    cb = text(fresh, function="add_lead", phone_number="7275551113", list_id="1101", campaign_id="10000001",
              callback="Y", callback_datetime="NOW", callback_type="USERONLY", callback_user="6666").splitlines()
    cb_id = cb[0].split("|")[2]
    assert cb[1] == ("NOTICE: add_lead SCHEDULED CALLBACK ADDED - "
                     f"{cb_id}|2025-05-14 15:00:00|10000001|6666|USERONLY|CALLBK")
    assert fresh.ctx.store.get_lead(int(cb_id))["status"] == "CBHOLD"


@pytest.mark.parametrize("check,params,expect", [
    ("DUPLIST", {}, "ERROR: add_lead DUPLICATE PHONE NUMBER IN LIST - {phone}|{list}|{lead}"),
    ("DUPCAMP", {"list_id": "1102"},
     "ERROR: add_lead DUPLICATE PHONE NUMBER IN CAMPAIGN LISTS - {phone}|1102|{lead}|{list}"),
    ("DUPSYS", {"list_id": "2101"}, "ERROR: add_lead DUPLICATE PHONE NUMBER IN SYSTEM - {phone}|2101|{lead}|{list}"),
    ("DUPNAMEPHONELIST", {"first_name": "{first}", "last_name": "{last}"},
     "ERROR: add_lead DUPLICATE NAME PHONE IN LIST - {first}|{last}|{phone}|{list}|{lead}|{list}"),
    ("DUPSYS90DAY", {"list_id": "2101"}, None),  # the existing lead is older than 90 days
])
def test_add_lead_duplicate_checks(fresh: SimulatorServer, check: str, params: dict[str, str],
                                   expect: str | None) -> None:
    leads = fresh.ctx.store.leads()
    old = leads.filter(pc.equal(leads["list_id"], 1101)).sort_by("entry_date").slice(0, 1).to_pylist()[0]
    fill = {"phone": old["phone_number"], "list": 1101, "lead": old["lead_id"], "first": old["first_name"],
            "last": old["last_name"]}
    p = {"list_id": "1101", **{k: v.format(**fill) for k, v in params.items()}}
    body = text(fresh, function="add_lead", phone_number=old["phone_number"], duplicate_check=check, **p)
    if expect is None:
        assert body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED")
    else:
        assert body == expect.format(**fill) + "\n"


def test_add_lead_duplicate_alt_and_title(fresh: SimulatorServer) -> None:
    first = text(fresh, function="add_lead", phone_number="7275553000", list_id="1101", alt_phone="7275553999",
                 title="Mr")
    lead = first.split("|")[2]
    assert text(fresh, function="add_lead", phone_number="7275553999", list_id="1101",
                duplicate_check="DUPPHONEALTLIST") == \
        f"ERROR: add_lead DUPLICATE PHONE NUMBER IN LIST - 7275553999|1101|{lead}|ALT\n"
    assert text(fresh, function="add_lead", phone_number="7275553001", list_id="1101", title="Mr",
                alt_phone="7275553999", duplicate_check="DUPTITLEALTPHONELIST") == \
        f"ERROR: add_lead DUPLICATE TITLE ALT_PHONE IN LIST - Mr|7275553999|1101|{lead}\n"


# ----------------------------------------------------------------------------- update_lead


def test_update_lead_search_methods_and_outcomes(fresh: SimulatorServer) -> None:
    a = text(fresh, function="add_lead", phone_number="7275554000", list_id="1101", vendor_lead_code="VLC-A")
    lead_a = a.split("|")[2]
    b = text(fresh, function="add_lead", phone_number="7275554000", list_id="1102", vendor_lead_code="VLC-B")
    lead_b = b.split("|")[2]
    # default LEAD_ID
    assert text(fresh, function="update_lead", lead_id=lead_a, last_name="SMITH") == \
        f"SUCCESS: update_lead LEAD HAS BEEN UPDATED - 6666|{lead_a}|1|0|\n"
    assert fresh.ctx.store.get_lead(int(lead_a))["last_name"] == "SMITH"
    # VENDOR_LEAD_CODE; vendor_lead_code is not overwritten when it is the search key
    assert lead_b in text(fresh, function="update_lead", search_method="VENDOR_LEAD_CODE", vendor_lead_code="VLC-B",
                          city="Chicago")
    # PHONE_NUMBER finds both, records=1 takes the most recent, records=2 both
    one = text(fresh, function="update_lead", search_method="PHONE_NUMBER", phone_number="7275554000", city="Tampa")
    assert one.splitlines() == [f"SUCCESS: update_lead LEAD HAS BEEN UPDATED - 6666|{lead_b}|1|0|"]
    two = text(fresh, function="update_lead", search_method="PHONE_NUMBER", phone_number="7275554000", records="2",
               city="Miami")
    assert len(two.splitlines()) == 2
    # combined methods AND together; search_location LIST narrows
    both = text(fresh, function="update_lead", search_method="VENDOR_LEAD_CODE_PHONE_NUMBER",
                vendor_lead_code="VLC-A", phone_number="7275554000", owner="me")
    assert lead_a in both and lead_b not in both
    assert lead_a in text(fresh, function="update_lead", search_method="PHONE_NUMBER", phone_number="7275554000",
                          search_location="LIST", list_id="1101", owner="x")
    assert text(fresh, function="update_lead", search_method="PHONE_NUMBER", phone_number="7275554000",
                search_location="LIST", list_id="2101", owner="x") == \
        "ERROR: update_lead NO MATCHES FOUND IN THE SYSTEM: |6666|||7275554000|\n"
    # nothing to change: empty body
    r = get(fresh, function="update_lead", lead_id=lead_a)
    assert r.content == b""
    # --BLANK-- empties a field
    text(fresh, function="update_lead", lead_id=lead_a, last_name="--BLANK--")
    assert fresh.ctx.store.get_lead(int(lead_a))["last_name"] == ""
    # no_update reports without changing
    assert text(fresh, function="update_lead", lead_id=lead_a, no_update="Y", city="Nope") == \
        f"NOTICE: update_lead LEADS FOUND IN THE SYSTEM: |6666|{lead_a}|VLC-A|7275554000|1101|0\n"
    assert fresh.ctx.store.get_lead(int(lead_a))["city"] == "Miami"
    # errors
    assert text(fresh, function="update_lead", lead_id="999999999") == \
        "ERROR: update_lead NO MATCHES FOUND IN THE SYSTEM: |6666|999999999|||\n"
    assert text(fresh, function="update_lead", search_method="PHONE_NUMBER") == \
        "ERROR: update_lead NO VALID SEARCH METHOD - 6666|SYSTEM|||\n"
    # delete
    assert text(fresh, function="update_lead", lead_id=lead_a, delete_lead="Y") == \
        f"SUCCESS: update_lead LEAD HAS BEEN DELETED 0|0 - 6666|{lead_a}|1|0|0|\n"
    assert fresh.ctx.store.get_lead(int(lead_a)) is None


def test_update_lead_insert_if_not_found_and_hopper(fresh: SimulatorServer) -> None:
    body = text(fresh, function="update_lead", search_method="PHONE_NUMBER", phone_number="7275556000",
                insert_if_not_found="Y", list_id="1101", phone_code="1", first_name="Ann", status="OLD")
    lines = body.splitlines()
    assert lines[0] == "NOTICE: update_lead NO MATCHES FOUND IN THE SYSTEM - 6666|||7275556000"
    m = re.fullmatch(r"SUCCESS: update_lead LEAD HAS BEEN ADDED - 7275556000\|1101\|(\d+)\|-5\|6666", lines[1])
    assert m
    lead = fresh.ctx.store.get_lead(int(m.group(1)))
    assert (lead["first_name"], lead["status"]) == ("Ann", "OLD")
    bad = text(fresh, function="update_lead", search_method="PHONE_NUMBER", phone_number="7275556001",
               insert_if_not_found="Y")
    assert bad.splitlines()[1] == "ERROR: update_lead INVALID DATA FOR LEAD INSERTION - 6666|7275556001|1|"
    hop = text(fresh, function="update_lead", lead_id=m.group(1), no_update="Y", add_to_hopper="Y").splitlines()
    assert hop[1].startswith(f"NOTICE: update_lead ADDED TO HOPPER - 7275556000|6666|{m.group(1)}|")
    again = text(fresh, function="update_lead", lead_id=m.group(1), no_update="Y", add_to_hopper="Y").splitlines()
    assert again[1] == ("NOTICE: update_lead NOT ADDED TO HOPPER, LEAD IS ALREADY IN THE HOPPER - "
                        f"7275556000|{m.group(1)}|6666")
    # the goAPI sees the same hopper: the pinned lead comes first for its campaign
    lists = fresh.ctx.store.lists()
    camp = lists.filter(pc.equal(pc.cast(lists["list_id"], pa.string()), "1101"))["campaign_id"][0].as_py()
    form = {"goAction": "getLeadsOnHopper", "goUser": "6666", "goPass": "1234", "responsetype": "json",
            "campaign_id": camp}
    rows = httpx.post(f"{fresh.url}/goAPIv2/goCampaigns/goAPI.php", data=form).json()["data"]["rows"]
    assert rows[0]["lead_id"] == m.group(1) and rows[0]["phone_number"] == "7275556000"
    assert [r["lead_id"] for r in rows].count(m.group(1)) == 1


def test_write_back_visible_next_day(fresh: SimulatorServer) -> None:
    body = text(fresh, function="add_lead", phone_number="7275557000", list_id="1101")
    lead_id = int(body.split("|")[2])
    store = fresh.ctx.store
    assert lead_id not in store.leads(as_of=date(2025, 5, 14))["lead_id"].to_pylist()
    assert lead_id in store.leads(as_of=date(2025, 5, 15))["lead_id"].to_pylist()
    # past days' reports do not change
    before = _cdr(fresh, campaigns="ALLCAMPAIGNS", status_breakdown="1").text
    text(fresh, function="update_list", list_id="1101", reset_list="Y")
    assert _cdr(fresh, campaigns="ALLCAMPAIGNS", status_breakdown="1").text == before


def test_update_lead_docs_forms(docs_sim: SimulatorServer) -> None:
    s = docs_sim
    lead = text(s, function="add_lead", phone_number="7275558000", list_id="1101").split("|")[3]
    assert text(s, function="update_lead", lead_id=lead, city="X") == \
        f"SUCCESS: update_lead LEAD HAS BEEN UPDATED - 6666|{lead}\n"
    assert text(s, function="update_lead", lead_id="999999999") == \
        "ERROR: update_lead NO MATCHES FOUND IN THE SYSTEM - 6666|999999999||\n"
    assert text(s, function="update_lead", lead_id=lead, delete_lead="Y") == \
        f"SUCCESS: update_lead LEAD HAS BEEN DELETED - 7275558000|6666|1101|{lead}|-5\n"
