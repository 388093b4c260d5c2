"""goAPIv2 over real HTTP: every action in JSON and XML, errors, determinism, cross-report consistency."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable
from datetime import date

import defusedxml.ElementTree as ET
import orjson
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from simulator.server import SimulatorServer
from simulator.testing import CLIENT, goapi, goapi_json, truth

D = date(2025, 5, 13)
DAY = {"fromDate": D.isoformat(), "toDate": D.isoformat()}
ACTIONS = [
    ("goReports", "outbound_cdr", DAY), ("goReports", "inbound_cdr", DAY), ("goReports", "agent_cdr", DAY),
    ("goReports", "exportAgentReport", DAY), ("goReports", "agent_calls_report", DAY),
    ("goReports", "exportPauseReport", DAY), ("goReports", "inbound_summary_stats", DAY),
    ("goReports", "agent_summary_stats", {}),
    ("goDashboard", "agentTimeUsage", {}), ("goDashboard", "getAgentStatus", {}),
    ("goDashboard", "goGetTotalAgentsCall", {}),
    ("goUsers", "goGetAllUsers", {}), ("goUsers", "getAllPortfolios", {}), ("goUsers", "getAllProfiles", {}),
    ("goUsers", "getUserInfo", {"user": "@agent"}), ("goUsers", "getLiveAgentInfo", {"user": "@agent"}),
    ("goCampaigns", "goGetAllCampaigns", {}), ("goCampaigns", "getCampaignInfo", {"campaign_id": "10000001"}),
    ("goCampaigns", "getLeadsOnHopper", {"campaign_id": "10000001"}),
    ("goCalltimes", "goGetAllCalltimes", {}), ("goCalltimes", "goGetCalltimeInfo", {"call_time_id": "9am9pm"}),
]


def _params(sim: SimulatorServer, extra: dict[str, str]) -> dict[str, str]:
    agent = sim.ctx.world.agents["user"][0].as_py()
    return {k: (agent if v == "@agent" else v) for k, v in extra.items()}


_TAG = re.compile(rb"<(/?)([^\s<>/!?\[]+)>")


def parse_xml(body: bytes) -> ET.Element:
    """Real-mode XML is PHP's: literal '\\n' in the prologue, and tag names that are not XML names
    (`<talk_+_avail>`, `<0>` for list items). Make them parseable the way a lenient client must."""
    def fix(m: re.Match[bytes]) -> bytes:
        name = m.group(2)
        if re.fullmatch(rb"[A-Za-z_][A-Za-z0-9_.-]*", name):
            return m.group(0)
        return b"<" + m.group(1) + b"_" + re.sub(rb"[^A-Za-z0-9_]", b"_", name) + b">"

    return ET.fromstring(_TAG.sub(fix, body.replace(b"\\n", b"\n")))


@pytest.mark.parametrize(("module", "action", "extra"), ACTIONS, ids=[a for _, a, _ in ACTIONS])
def test_every_action_json_and_xml(simulator: SimulatorServer, module: str, action: str, extra: dict) -> None:
    p = _params(simulator, extra)
    r = goapi(simulator, module, action, "json", **p)
    assert r.status_code == 200
    body = orjson.loads(r.content)
    assert body["result"] == "success", body
    x = goapi(simulator, module, action, "xml", **p)
    assert x.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\\n<goautodialapi version="4.0">\\n')
    root = parse_xml(x.content)
    assert root.tag == "goautodialapi" and root.findtext("result") == "success"
    assert root.findtext("action") == action


def test_report_rows_are_strings_like_the_doc(simulator: SimulatorServer) -> None:
    body = goapi_json(simulator, "goReports", "outbound_cdr", **DAY)
    row = body["data"]["rows"][0]
    assert list(row) == ["call_date", "src", "dst", "agent", "campaign", "call_type", "disposition",
                         "carrier_disposition", "term_reason", "queue_time", "portfolio", "vendor_lead_code",
                         "lead_id", "list_id", "entry_date"]
    assert all(v is None or isinstance(v, str) for v in row.values())
    assert all(isinstance(v, int) for k, v in body["data"]["summary_rows"][0].items() if k != "campaign_name")
    cdr = goapi_json(simulator, "goReports", "agent_cdr", **DAY)["data"]["rows"]
    assert all(len(r["call_duration"]) == 8 and r["call_duration"][2] == ":" for r in cdr[:100])
    assert {r["call_type"] for r in cdr} == {"MANUAL", "DIALER", "INBOUND"}
    inbound = goapi_json(simulator, "goReports", "inbound_cdr", **DAY)["data"]["rows"][0]
    assert {"enter_on_queue", "uniq1", "queue", "queue_position", "call_duration"} <= set(inbound)
    calls = goapi_json(simulator, "goReports", "agent_calls_report", **DAY)["data"]
    assert calls["frequency_report"] == {"headers": [], "rows": []} and calls["agent_report"]["rows"]
    stats = goapi_json(simulator, "goReports", "agent_summary_stats")["data"]
    assert stats["dates"] == "'2025-05-14' AND '2025-05-14 23:59:59'"
    assert "USER" in stats["rows"][0] and "WIT" in stats["rows"][0]
    cts = goapi_json(simulator, "goCalltimes", "goGetAllCalltimes")
    assert isinstance(cts["call_time_id"], list) and len(cts["ct_monday_start"]) == len(cts["call_time_id"])


def test_errors(simulator: SimulatorServer) -> None:
    bad = goapi(simulator, "goReports", "outbound_cdr", creds={"goUser": "6666", "goPass": "nope"}, **DAY)
    assert orjson.loads(bad.content) == {"result": "error", "message": "Invalid Username/Password"}
    cmd = goapi(simulator, "goReports", "no_such_action")
    assert orjson.loads(cmd.content) == {"result": "error", "message": "Command Not Found"}
    noperm = goapi(simulator, "goReports", "outbound_cdr", creds={"goUser": "noreports", "goPass": "1234"}, **DAY)
    assert orjson.loads(noperm.content) == {"code": "10004",
                                            "result": "Error: No such resource or access is restricted "}
    missing = goapi(simulator, "goReports", "exportPauseReport")
    assert orjson.loads(missing.content) == {"code": "40001", "message": "Error: Missing required parameters"}
    rt = goapi(simulator, "goUsers", "getAllPortfolios", responsetype="csv")
    assert rt.text == "result=error;message=This API function only accepts XML or JSON value on responsetype;"
    default = goapi(simulator, "goUsers", "getAllPortfolios", responsetype=None)
    assert parse_xml(default.content).findtext("result") == "success"
    xml_err = parse_xml(goapi(simulator, "goReports", "x", "xml").content)
    assert xml_err.findtext("message") == "Command Not Found"
    assert orjson.loads(goapi(simulator, "goUsers", "getUserInfo").content)["code"] == "40001"


def test_real_xml_quirks(simulator: SimulatorServer) -> None:
    rep = goapi(simulator, "goReports", "exportAgentReport", "xml", **DAY).content
    assert b"<talk_+_avail>" in rep
    users = goapi(simulator, "goUsers", "goGetAllUsers", "xml").content
    assert b"<0>" in users and b"<all_campaigns>" not in users  # a list of scalars: `<0>a</0><1>b</1>`
    cts = parse_xml(goapi(simulator, "goCalltimes", "goGetAllCalltimes", "xml").content)
    assert [e.text for e in cts][2:4] == ["24hrs", "9am9pm"]


def test_docs_realism(simulator_factory: Callable[..., SimulatorServer]) -> None:
    s = simulator_factory(agents=6, realism="docs")
    rt = goapi(s, "goUsers", "getAllPortfolios", responsetype="csv")
    assert rt.text == "result=error;message=This API function only accepts XML or JSON value on responsetype"
    x = goapi(s, "goUsers", "getAllPortfolios", "xml")
    assert x.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<goautodialapi')
    assert ET.fromstring(x.content).findtext("result") == "success"
    rep = goapi(s, "goReports", "exportAgentReport", "xml", **DAY).content
    assert ET.fromstring(rep).find("data/rows/talk___avail") is not None  # well-formed in docs mode
    j = goapi(s, "goReports", "agent_cdr", **DAY)
    assert j.headers["content-type"].startswith("application/json")
    # real mode escapes '/' like PHP json_encode; docs mode does not
    assert b"\\/" not in j.content


def test_determinism_and_get_equals_post(simulator: SimulatorServer) -> None:
    a = goapi(simulator, "goReports", "outbound_cdr", **DAY).content
    b = goapi(simulator, "goReports", "outbound_cdr", method="GET", **DAY).content
    assert a == b
    c = goapi(simulator, "goReports", "outbound_cdr", fromDate="2025-05-12", toDate="2025-05-12").content
    assert a != c


def test_same_seed_other_server_same_bytes(simulator_factory: Callable[..., SimulatorServer]) -> None:
    s1, s2 = simulator_factory(agents=10), simulator_factory(agents=10)
    for action in ("agent_cdr", "exportPauseReport"):
        assert goapi(s1, "goReports", action, **DAY).content == goapi(s2, "goReports", action, **DAY).content
    s3 = simulator_factory(agents=10, seed=43)
    assert goapi(s1, "goReports", "agent_cdr", **DAY).content != goapi(s3, "goReports", "agent_cdr", **DAY).content


def test_filters(simulator: SimulatorServer) -> None:
    rows = goapi_json(simulator, "goReports", "outbound_cdr", tenant=["GAL", "CSC"], **DAY)["data"]["rows"]
    assert {r["portfolio"] for r in rows} == {"GAL", "CSC"}
    agent = simulator.ctx.world.agents["user"][3].as_py()
    rows = goapi_json(simulator, "goReports", "agent_cdr", user=[agent], **DAY)["data"]["rows"]
    assert rows and {r["user"] for r in rows} == {agent}
    rows = goapi_json(simulator, "goReports", "agent_cdr", profile=["collections"], **DAY)["data"]["rows"]
    profiles = dict(zip(simulator.ctx.world.agents["user"].to_pylist(),
                        simulator.ctx.world.agents["profile"].to_pylist(), strict=True))
    assert rows and {profiles[r["user"]] for r in rows} == {"COLLECTIONS"}


def test_cross_report_consistency(simulator: SimulatorServer) -> None:
    cdr = goapi_json(simulator, "goReports", "agent_cdr", **DAY)["data"]["rows"]
    per_agent = Counter(r["user"] for r in cdr)
    report = goapi_json(simulator, "goReports", "exportAgentReport", **DAY)["data"]
    rows = report["rows"]
    assert {r["user"]: int(r["total_calls"]) for r in rows if int(r["total_calls"])} == dict(per_agent)
    for r in rows:  # login time is made of the other columns
        parts = ("avalible", "talk", "aftercall", "break", "pause")
        assert int(r["login_time"]) == sum(int(r[k]) for k in parts)
    summary = {s["type"]: s for s in report["summary_rows"]}
    for col in ("talk", "total_calls", "login_time", "sales"):
        vals = [int(r[col]) for r in rows]
        assert summary["Summary"][col] == sum(vals)
        assert summary["Max"][col] == max(vals) and summary["Min"][col] == min(vals)
        assert summary["Average"][col] == pytest.approx(sum(vals) / len(vals), abs=0.01)
    acr = goapi_json(simulator, "goReports", "agent_calls_report", **DAY)["data"]["agent_report"]["rows"]
    assert {r["user"]: int(r["total_calls"]) for r in acr} == dict(per_agent)
    assert all(int(r["total_calls"]) == int(r["manual"]) + int(r["inbound"]) + int(r["dialer"]) for r in acr)

    # agent_cdr durations add up to the agents' talk time
    def secs(hms: str) -> int:
        h, m, s = map(int, hms.split(":"))
        return h * 3600 + m * 60 + s

    talk = Counter()
    for r in cdr:
        talk[r["user"]] += secs(r["call_duration"])
    assert {r["user"]: int(r["talk"]) for r in rows if int(r["total_calls"])} == dict(talk)

    out = goapi_json(simulator, "goReports", "outbound_cdr", **DAY)["data"]
    by_camp = Counter(r["campaign"] for r in out["rows"])
    for s in out["summary_rows"]:
        assert s["total_calls"] == by_camp[s["campaign_name"]] == s["dialer"] + s["manual_calls"]
    manual = Counter(r["campaign"] for r in out["rows"] if r["call_type"] == "Manual")
    assert {s["campaign_name"]: s["manual_calls"] for s in out["summary_rows"] if s["manual_calls"]} == dict(manual)


def test_pause_report_matches_truth(simulator: SimulatorServer) -> None:
    rows = goapi_json(simulator, "goReports", "exportPauseReport", **DAY)["data"]["rows"]
    t = truth(simulator, "pause_daily", D)
    expect: dict[tuple[str, str], int] = {}
    for r in t.to_pylist():
        expect[(r["user"], r["pause_code"].lower())] = r["seconds"]
    got = {}
    codes = ["pause"] + [c.lower() for c in simulator.ctx.world.pause_code_list]
    for r in rows:
        assert r["billable_time"] + r["no_billable_time"] == r["total_time"]
        assert sum(r[c] for c in codes) == r["pause_sec"]
        for c in codes:
            if r[c]:
                got[(r["user"], c)] = r[c]
        keys = list(r)
        assert keys[9] == "pause"  # then the used codes alphabetically, then unused ones
        used = [k for k in keys[10:10 + len(codes) - 1] if r[k]]
        assert used == sorted(used)
    assert got == expect


def test_truth_route_matches_reports(simulator: SimulatorServer) -> None:
    raw = CLIENT.get(f"{simulator.url}/_sim/truth/agent_daily", params={"date": D.isoformat()})
    assert raw.headers["content-type"] == "application/vnd.apache.parquet"
    agent_daily = pq.read_table(io.BytesIO(raw.content))
    report = {r["user"]: r for r in goapi_json(simulator, "goReports", "exportAgentReport", **DAY)["data"]["rows"]}
    calls = truth(simulator, "calls", D)
    # croco-dial's `sales` column counts the SALE status itself; the truth counts every sale=Y
    # status, campaign statuses (APPSET) included, which only the marts' status flags can add
    appset = Counter(calls.filter(pc.equal(calls["status"], "APPSET"))["user"].to_pylist())
    for r in agent_daily.to_pylist():
        rep = report[r["user"]]
        assert int(rep["total_calls"]) == r["calls"]
        assert int(rep["talk"]) == r["talk_seconds"] and int(rep["login_time"]) == r["login_seconds"]
        assert int(rep["sales"]) == r["sales"] - appset[r["user"]]
    assert sum(appset.values()) > 0
    camp = truth(simulator, "campaign_daily", D)
    out = goapi_json(simulator, "goReports", "outbound_cdr", **DAY)["data"]["summary_rows"]
    names = dict(zip(simulator.ctx.world.campaigns["campaign_id"].to_pylist(),
                     simulator.ctx.world.campaigns["campaign_name"].to_pylist(), strict=True))
    dials = {names[r["campaign_id"]]: r["dials"] for r in camp.to_pylist() if r["dials"]}
    assert {s["campaign_name"]: s["total_calls"] for s in out} == dials
    q = truth(simulator, "queue_daily", D)
    stats = goapi_json(simulator, "goReports", "inbound_summary_stats", **DAY)["data"]["rows"][0]
    assert int(stats["total_calls"]) == pc.sum(q["calls"]).as_py()
    assert int(stats["abandon2"]) == pc.sum(q["abandoned"]).as_py()
    assert int(stats["abandon1"]) == pc.sum(q["abandoned_after_20s"]).as_py() <= int(stats["abandon2"])
    assert int(stats["handled_calls"]) == pc.sum(q["handled"]).as_py()
    assert CLIENT.get(f"{simulator.url}/_sim/truth/nope", params={"date": D.isoformat()}).status_code == 404


def test_dst_day_and_default_window(simulator: SimulatorServer) -> None:
    rows = goapi_json(simulator, "goReports", "inbound_cdr", fromDate="2025-03-09", toDate="2025-03-09")
    dates = {r["call_date"][:10] for r in rows["data"]["rows"]}
    assert dates == {"2025-03-09"}
    last24 = goapi_json(simulator, "goReports", "agent_cdr")["data"]["rows"]
    stamps = sorted(r["answer_time"] for r in last24)
    assert stamps[0] >= "2025-05-13 15:00:00" and stamps[-1] <= "2025-05-14 15:00:00"
    future = goapi_json(simulator, "goReports", "outbound_cdr", fromDate="2025-05-20", toDate="2025-05-20")
    assert future["data"]["rows"] == [] and future["data"]["summary_rows"] == []


def test_result_limit(simulator_factory: Callable[..., SimulatorServer]) -> None:
    s = simulator_factory(agents=10, limits={"rows": 50, "records": 1000, "lead_search": 10})
    assert len(goapi_json(s, "goReports", "outbound_cdr", **DAY)["data"]["rows"]) == 50
