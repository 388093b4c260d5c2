"""What a running non_agent_api.php does (api-facts.md, "Measured against a running
non_agent_api.php"): one test per fact, simulator side and parser side.

The simulator's figures are checked against its own event log (independent sums here, not the
simulator's report code); the parser is checked against those figures, so a parser that pairs
values the documented way, or drops the double count, fails.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from extract.parsers import vicidial as v
from simulator.nonagent_text import natcase_sorted, strnatcasecmp
from simulator.server import ApiUser, SimulatorServer
from simulator.testing import goapi, truth

DAY = date(2025, 5, 13)
D = DAY.isoformat()
PATH = "/vicidial/non_agent_api.php"
D360 = "/adminpanel/api.php"
CRED = {"user": "6666", "pass": "1234", "source": "test"}
WHOLE_DAY = {"datetime_start": f"{D} 00:00:00", "datetime_end": f"{D} 23:59:59"}


def get(s: SimulatorServer, path: str = PATH, *, auth: bool = True, **params: str) -> httpx.Response:
    return httpx.get(s.url + path, params={**CRED, **params} if auth else params, timeout=120)


def text(s: SimulatorServer, path: str = PATH, **params: str) -> str:
    r = get(s, path, **params)
    assert r.status_code == 200
    return r.text


def lines(body: str, delim: str = "|") -> list[list[str]]:
    return [ln.split(delim) for ln in body.splitlines() if ln]


@pytest.fixture
def sim(simulator: SimulatorServer) -> SimulatorServer:
    """The session simulator (realism=real): read only."""
    return simulator


@pytest.fixture
def docs_sim(simulator_factory: Callable[..., SimulatorServer]) -> SimulatorServer:
    return simulator_factory(realism="docs")


# ----------------------------------------------------------------------------- call_dispo_report


def _dispo_truth(sim: SimulatorServer, did: str) -> tuple[list[tuple[str, str]], dict[str, Counter[str]]]:
    """(kind, label) rows in print order and their status counts, from the event log."""
    calls = sim.ctx.day_log(DAY).calls
    out = calls.filter(pc.equal(calls["direction"], "OUT"))
    inb = calls.filter(pc.equal(calls["direction"], "IN"))
    rows: list[tuple[str, str]] = []
    counts: dict[str, Counter[str]] = {}
    for kind, table, col, labels in (
            ("campaign", out, "campaign_id", sim.ctx.world.campaigns["campaign_id"].to_pylist()),
            ("ingroup", inb, "group_id", sim.ctx.world.ingroups["group_id"].to_pylist()),
            ("did", inb, "did", [did])):
        for label in labels:
            c = Counter(table.filter(pc.equal(table[col], label))["status"].to_pylist())
            if c:
                rows.append((kind, label))
                counts[label] = c
    return rows, counts


def test_call_dispo_report_header_first_seen_values_in_natural_order(sim: SimulatorServer) -> None:
    did = sim.ctx.world.dids["did_pattern"][0].as_py()
    body = text(sim, function="call_dispo_report", campaigns="ALLCAMPAIGNS", ingroups="ALLGROUPS",
                did_patterns=did, query_date=D, end_date=D, status_breakdown="1")
    assert not body.endswith("\n")
    printed = body.split("\n")
    head = printed[0].split(",")
    rows, counts = _dispo_truth(sim, did)
    # header: first seen over (campaign, status), then (in-group, status), then (DID, status)
    first_seen: dict[str, None] = {}
    for kind in ("campaign", "ingroup", "did"):
        for label in sorted(label for k, label in rows if k == kind):
            first_seen.update(dict.fromkeys(sorted(counts[label])))
    assert head[2:] == list(first_seen)
    natural = natcase_sorted(head[2:])
    assert natural != head[2:]  # the permutation is real in this world, so the pairing below matters
    body_rows = {ln.split(",")[0]: ln.split(",") for ln in printed[1:]}
    assert list(body_rows) == [label for _, label in rows] + ["TOTAL"]
    for _, label in rows:
        cells = body_rows[label]
        assert len(cells) == len(head)  # a value for every header status, 0 where none
        assert dict(zip(natural, map(int, cells[2:]), strict=True)) == {s: counts[label][s] for s in natural}
    total = body_rows["TOTAL"]  # the TOTAL row is in the same natural order
    assert dict(zip(natural, map(int, total[2:]), strict=True)) == \
        {s: sum(c[s] for c in counts.values()) for s in natural}
    assert text(sim, function="call_dispo_report", campaigns="NOSUCH", query_date=D) == \
        "CAMPAIGN,TOTAL CALLS\nTOTAL,0"


def test_call_dispo_report_example_row_from_api_facts() -> None:
    body = (b"CAMPAIGN,TOTAL CALLS,A,AA,AB,ADC,B,CALLBK,DC,DEC,DNC,DROP,NA,NI,NP,SALE,XFER,APPSET,AFTHRS\n"
            b"ACQ,400,24,33,3,10,0,0,26,22,5,12,11,13,111,70,21,26,13\n"
            b"TOTAL,400,24,33,3,10,0,0,26,22,5,12,11,13,111,70,21,26,13")
    got = {r["status"]: int(r["calls"]) for r in v.call_dispo_report(body, "csv")["call_dispo_report"].to_pylist()}
    assert got["SALE"] == 26 and got["NI"] == 70 and got["APPSET"] == 0 and got["AFTHRS"] == 0
    assert got["B"] == 26 and got["NA"] == 111 and sum(got.values()) == 400


def test_natural_case_key_is_php_strnatcasecmp() -> None:
    names = ["A", "aa", "AB", "ADC", "AFTHRS", "APPSET", "B", "CALLBK", "x10", "X9", "x1", "a_b", "aB", "A-B",
             "a2b", "a10b", "NI", "ni2", "NP", "SALE", "S A", "SALE2", "SALE10", "Z"]
    parser = sorted(names, key=v.natural_case_key)
    assert parser == natcase_sorted(names)  # two implementations: a key here, PHP's comparison there
    assert all(strnatcasecmp(a, b) < 0 for a, b in itertools.pairwise(parser) if a.upper() != b.upper())


def test_call_dispo_report_docs_and_real_forms_parse_to_the_same_truth(sim: SimulatorServer,
                                                                       docs_sim: SimulatorServer) -> None:
    did = sim.ctx.world.dids["did_pattern"][0].as_py()
    _, counts = _dispo_truth(sim, did)
    want = {(label, s): n for label, c in counts.items() for s, n in c.items()}
    for s, pct in ((sim, "0"), (docs_sim, "0"), (sim, "1"), (docs_sim, "1")):
        body = get(s, function="call_dispo_report", campaigns="ALLCAMPAIGNS", ingroups="ALLGROUPS",
                   did_patterns=did, query_date=D, end_date=D, status_breakdown="1", show_percentages=pct).content
        t = v.call_dispo_report(body, "csv")["call_dispo_report"]
        got = {(r["campaign"], r["status"]): int(r["calls"]) for r in t.to_pylist() if r["calls"] != "0"}
        assert got == want, (s.ctx.config.realism, pct)


# ----------------------------------------------------------------------------- agent_stats_export


def _states(sim: SimulatorServer, by_campaign: bool) -> dict[tuple[str, ...], Counter[str]]:
    st = sim.ctx.day_log(DAY).agent_states
    out: dict[tuple[str, ...], Counter[str]] = {}
    for u, camp, state, secs in zip(st["user"].to_pylist(), st["campaign_id"].to_pylist(),
                                    st["state"].to_pylist(), st["seconds"].to_pylist(), strict=True):
        out.setdefault((camp, u) if by_campaign else (u,), Counter())[state] += secs
    return out


def _handled(sim: SimulatorServer) -> Counter[str]:
    return Counter(x for x in sim.ctx.day_log(DAY).calls["user"].to_pylist() if x is not None)


def _ase(s: SimulatorServer, path: str = PATH, **p: str) -> list[list[str]]:
    return lines(text(s, path, function="agent_stats_export", time_format="S", **WHOLE_DAY, **p))


# column positions in the real 20-column row (campaign_id shifts them by one)
CALLS, LOGIN, TOTAL_TALK, PAUSE, WAIT, TALK, DISPO, DEAD = 3, 4, 5, 9, 16, 17, 18, 19


def test_agent_stats_export_talk_includes_dead_and_login_is_the_sum(sim: SimulatorServer) -> None:
    states, handled = _states(sim, True), _handled(sim)
    for r in _ase(sim, group_by_campaign="YES"):
        c = states[(r[0], r[1])]
        calls, login, total_talk, pause, wait, talk, dispo, dead = (
            int(r[i + 1]) for i in (CALLS, LOGIN, TOTAL_TALK, PAUSE, WAIT, TALK, DISPO, DEAD))
        assert login == sum(c.values())
        if calls and handled[r[1]]:
            assert login == pause + wait + talk + dispo
            assert talk == c["TALK"] + c["DEAD"] and dead == c["DEAD"]  # talk_sec contains dead_sec
            assert total_talk == talk - dead == c["TALK"]  # customer talk


def test_agent_stats_export_first_row_dispo_counted_twice_without_group_by(sim: SimulatorServer) -> None:
    states, handled = _states(sim, False), _handled(sim)
    st = sim.ctx.day_log(DAY).agent_states
    dispo = st.filter(pc.equal(st["state"], "DISPO")).sort_by("start")
    first = {}
    for u, secs in zip(dispo["user"].to_pylist(), dispo["seconds"].to_pylist(), strict=True):
        first.setdefault(u, secs)
    inflated = 0
    for r in _ase(sim):
        u, c = r[0], states[(r[0],)]
        if not handled[u]:
            continue
        assert int(r[DISPO]) == c["DISPO"] + first[u]
        assert int(r[LOGIN]) == sum(c.values()) + first[u]  # login inflated by the same seconds
        inflated += first[u] > 0
    assert inflated > 10


def test_agent_stats_export_group_by_campaign_exact_per_campaign_and_user(sim: SimulatorServer) -> None:
    head, *body = _ase(sim, group_by_campaign="YES", header="YES")
    assert head[0] == "campaign_id" and len(head) == 21
    keys = [(r[0], r[1]) for r in body]
    assert len(keys) == len(set(keys)) and set(keys) == set(_states(sim, True))
    per_user: dict[str, Counter[str]] = {}
    for r in body:
        acc = per_user.setdefault(r[1], Counter())
        acc["login"] += int(r[LOGIN + 1])
        acc["dispo"] += int(r[DISPO + 1])
    for (u,), c in _states(sim, False).items():
        if _handled(sim)[u]:
            assert per_user[u]["login"] == sum(c.values()) and per_user[u]["dispo"] == c["DISPO"]


def test_agent_stats_export_zero_calls_prints_zero_wait_talk_dispo_dead(sim: SimulatorServer) -> None:
    """A window holding an agent's login and first wait, but no call yet."""
    log = sim.ctx.day_log(DAY)
    st, calls = log.agent_states, log.calls
    for user in sorted(set(st["user"].to_pylist())):
        mine = st.filter(pc.equal(st["user"], user)).sort_by("start")
        waits = mine.filter(pc.equal(mine["state"], "WAIT"))
        answered = calls.filter(pc.equal(calls["user"], user))["call_date"]
        if not waits.num_rows or not len(answered):
            continue
        start, end = mine["start"][0].as_py(), waits["start"][0].as_py()
        if pc.min(answered).as_py() > end:
            break
    else:
        pytest.fail("no agent waits before the first call")
    window = {"datetime_start": f"{start:%Y-%m-%d %H:%M:%S}", "datetime_end": f"{end:%Y-%m-%d %H:%M:%S}"}
    (row,) = lines(text(sim, function="agent_stats_export", time_format="S", agent_user=user, **window))
    inside = mine.filter(pc.less_equal(mine["start"], pa.scalar(end, pa.timestamp("s"))))
    secs = Counter(dict(zip(*[inside.group_by("state").aggregate([("seconds", "sum")])[c].to_pylist()
                              for c in ("state", "seconds_sum")], strict=True)))
    assert row[CALLS] == "0" and secs["WAIT"] > 0
    assert [row[i] for i in (WAIT, TALK, DISPO, DEAD)] == ["0", "0", "0", "0"]
    assert int(row[PAUSE]) == secs["PAUSE"] and int(row[LOGIN]) == sum(secs.values())
    parsed = v.agent_stats_export(get(sim, function="agent_stats_export", time_format="S", agent_user=user,
                                      header="YES", **window).content, "pipe")["agent_stats_export"]
    assert parsed["wait_time"].to_pylist() == ["0"]  # derive wait as login - pause - talk - dispo downstream


def test_dialer360_agent_stats_export_is_the_2017_form(sim: SimulatorServer) -> None:
    head, *body = _ase(sim, D360, header="YES", group_by_campaign="YES")  # 2.14-96 has no group_by_campaign
    assert head == list(v.AGENT_STATS_2017_HEADER) and head[-1] == "pauses_per_session"
    assert body and all(len(r) == 17 for r in body)
    states = _states(sim, False)
    for r in body:
        c = states[(r[0],)]
        assert int(r[16]) == c["WAIT"]  # the 17th, unnamed value is the wait time
        assert int(r[LOGIN]) == sum(c.values())  # no dispo double count
    raw = get(sim, D360, function="agent_stats_export", time_format="S", header="YES", **WHOLE_DAY).content
    t = v.agent_stats_export(raw, "pipe")["agent_stats_export"]
    assert t.column_names[-2:] == ["wait_time", "_source_row"] and "talk_time" not in t.column_names
    assert t["wait_time"].to_pylist() == [r[16] for r in body]


# ----------------------------------------------------------------------------- phone_number_log


def test_phone_number_log_type_in_out_all_and_vdad(sim: SimulatorServer) -> None:
    calls = sim.ctx.day_log(DAY).calls
    unhandled_in = calls.filter(pc.and_(pc.equal(calls["direction"], "IN"), pc.is_null(calls["user"])))
    outbound = set(calls.filter(pc.equal(calls["direction"], "OUT"))["phone_number"].to_pylist())
    num = next(n for n in unhandled_in["phone_number"].to_pylist() if n in outbound)
    out = lines(text(sim, function="phone_number_log", phone_number=num, type="OUT"))
    inb = lines(text(sim, function="phone_number_log", phone_number=num, type="IN"))
    both = lines(text(sim, function="phone_number_log", phone_number=num, type="ALL"))
    assert inb and both == out + inb  # ALL: outbound rows then inbound rows, nothing tells them apart
    assert all(len(r) == 9 for r in both)
    for part in (out, inb):
        assert [r[1] for r in part] == sorted((r[1] for r in part), reverse=True)  # newest first
    mine = unhandled_in.filter(pc.equal(unhandled_in["phone_number"], num))
    when = set(pc.strftime(mine["call_date"], "%Y-%m-%d %H:%M:%S").to_pylist())
    assert {r[8] for r in inb if r[1] in when} == {"VDAD"}  # no agent took the call: VDAD, inbound too
    assert text(sim, function="phone_number_log", phone_number="5550001234", type="IN") == \
        "NOTICE: phone_number_log NO RECORDS FOUND - 6666|5550001234\n"


# ----------------------------------------------------------------------------- lead_status_search


def test_lead_status_search_record_blocks_with_lead_id(sim: SimulatorServer) -> None:
    body = text(sim, function="lead_status_search", status="SALE", date=D)
    blocks = body.split(";---------- START OF RECORD ")
    assert blocks[0] == "" and blocks[1].startswith("1 ----------\n") and len(blocks) > 3
    assert all(b.split("\n")[1].startswith("lead_id => ") for b in blocks[1:])
    t = v.lead_status_search(body.encode())["lead_status_search"]
    assert t.num_rows == len(blocks) - 1 and {"lead_id", "phone_number", "status", "list_id"} <= set(t.column_names)


def test_lead_status_search_campaign_restricted_user_gets_http_500(
        simulator_factory: Callable[..., SimulatorServer]) -> None:
    s = simulator_factory(extra_users=(ApiUser("camp1", "1234", 9, True, True, True, True, "One campaign",
                                               allowed_campaigns=frozenset({"10000001"})),))
    r = httpx.get(s.url + PATH, params={"user": "camp1", "pass": "1234", "source": "t",
                                        "function": "lead_status_search", "status": "SALE", "date": D})
    assert r.status_code == 500 and r.content == b""
    ok = get(s, function="lead_status_search", status="SALE", date=D)  # an unrestricted user is served
    assert ok.status_code == 200 and ok.text.startswith(";---------- START OF RECORD 1")
    # other functions still answer the restricted user
    assert get(s, user="camp1", function="phone_number_log", phone_number="5550001234").status_code == 200


# ----------------------------------------------------------------------------- campaign statuses


def test_campaign_status_appset_is_a_sale_of_its_campaign(sim: SimulatorServer) -> None:
    world = sim.ctx.world
    own = world.campaign_statuses.to_pylist()
    appset = next(r for r in own if r["status"] == "APPSET")
    assert appset["sale"] == "Y" and appset["human_answered"] == "Y"
    assert "APPSET" not in world.statuses["status"].to_pylist()  # a campaign status, not a system one
    calls = sim.ctx.day_log(DAY).calls
    hits = calls.filter(pc.equal(calls["status"], "APPSET"))
    assert hits.num_rows > 0 and set(hits["campaign_id"].to_pylist()) == {appset["campaign_id"]}
    daily = {r["campaign_id"]: r["sales"] for r in truth(sim, "campaign_daily", DAY).to_pylist()}
    camp = calls.filter(pc.equal(calls["campaign_id"], appset["campaign_id"]))
    assert daily[appset["campaign_id"]] == camp.filter(pc.is_in(camp["status"], pa.array(["SALE", "APPSET"]))).num_rows
    # the reports show it like any status (nothing lists its flags: the warehouse must be told)
    body = text(sim, function="call_dispo_report", campaigns=appset["campaign_id"], query_date=D, end_date=D,
                status_breakdown="1")
    assert "APPSET" in body.split("\n")[0].split(",")
    stats = lines(text(sim, function="call_status_stats", campaigns=appset["campaign_id"], query_date=D))[0]
    human = set(world.statuses_flagged("human_answered").to_pylist())
    out = camp.filter(pc.equal(camp["direction"], "OUT"))
    assert int(stats[2]) == out.filter(pc.is_in(out["status"], pa.array(sorted(human)))).num_rows
    assert "APPSET" in human


# ----------------------------------------------------------------------------- failed logins


def test_failed_logins_counted_per_request_whatever_the_function_and_surface(
        simulator_factory: Callable[..., SimulatorServer]) -> None:
    s = simulator_factory()
    bad = {"user": "6666", "pass": "wrong", "source": "t"}
    attempts = [(PATH, {"function": "list_info", "list_id": "1101"}), (PATH, {"function": "agent_stats_export"}),
                (PATH, {"function": "nosuchfunction"}), (PATH, {}), (D360, {"function": "phone_number_log"}),
                (D360, {"function": "call_dispo_report"}), (PATH, {"function": "lead_status_search"})]
    for i in range(9):
        path, p = attempts[i % len(attempts)]
        assert "Login incorrect" in httpx.get(s.url + path, params={**bad, **p}).text
    r = goapi(s, "goReports", "agent_cdr", creds={"goUser": "6666", "goPass": "wrong"})  # the 10th, on goAPI
    assert "Invalid Username" in r.text
    lock = "ERROR: Too many login attempts, try again in 15 minutes: |6666|LOCK|\n"
    for path in (PATH, D360):  # now even the right password is refused, on every surface
        assert text(s, path, function="list_info", list_id="1101") == lock
    assert "Invalid Username" in goapi(s, "goReports", "agent_cdr").text
    assert text(s, function="version").startswith("VERSION:")  # no login needed
    httpx.post(f"{s.url}/_sim/clock", data={"now": (s.ctx.clock.now() + timedelta(minutes=16)).isoformat()})
    assert text(s, function="list_info", list_id="1101").startswith("1101|")


def test_failed_logins_below_ten_do_not_lock(simulator_factory: Callable[..., SimulatorServer]) -> None:
    s = simulator_factory()
    for _ in range(9):
        httpx.get(s.url + PATH, params={"user": "6666", "pass": "no", "function": "version_x"})
    assert text(s, function="list_info", list_id="1101").startswith("1101|")
