"""goAPI parsers: document examples (JSON and real-form XML), error bodies, the Arrow fast path."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import orjson
import pyarrow as pa
import pytest

from extract.errors import ApiError, AuthError, ParseError, UnsupportedError
from extract.parsers import goapi, jsonrows

DATA = Path(__file__).parent / "data" / "responses"


def _load_samples_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SAMPLES = _load_samples_module()

ENDPOINTS = {
    "outbound_cdr": (goapi.outbound_cdr, {"outbound_cdr": 2, "outbound_cdr_summary": 2}),
    "inbound_cdr": (goapi.inbound_cdr, {"inbound_cdr": 2}),
    "agent_cdr": (goapi.agent_cdr, {"agent_cdr": 2}),
    "agent_report": (goapi.agent_report, {"agent_report": 2, "agent_report_summary": 4}),
    "agent_calls_report": (goapi.agent_calls_report, {"agent_calls_report": 3}),
    "pause_report": (goapi.pause_report, {"pause_report": 26}),
    "inbound_summary_stats": (goapi.inbound_summary_stats, {"inbound_summary_stats": 3}),
    "agent_summary_stats": (goapi.agent_summary_stats, {"agent_summary_stats": 2}),
    "users": (goapi.users, {"users": 1}),
    "portfolios": (goapi.portfolios, {"portfolios": 4}),
    "profiles": (goapi.profiles, {"profiles": 2}),
    "campaigns": (goapi.campaigns, {"campaigns": 2}),
    "calltimes": (goapi.calltimes, {"calltimes": 3}),
    "hopper": (goapi.hopper, {"hopper": 2}),
}


def body(name: str, fmt: str = "json") -> bytes:
    return (DATA / f"goapi_{name}.{fmt}").read_bytes()


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_document_examples_json_and_xml_agree(name: str) -> None:
    fn, counts = ENDPOINTS[name]
    from_json = fn(body(name), "json")
    from_xml = fn(body(name, "xml"), "xml")
    assert {k: t.num_rows for k, t in from_json.items()} == counts
    for key, table in from_json.items():
        assert table.equals(from_xml[key]), key
        assert table.column_names[-1] == "_source_row"
        assert table.schema.field("_source_row").type == pa.int64()
        assert all(pa.types.is_string(f.type) for f in table.schema if f.name != "_source_row")


def test_outbound_cdr_columns_in_server_order_and_summary_numbers_as_strings() -> None:
    out = goapi.outbound_cdr(body("outbound_cdr"), "json")
    rows = out["outbound_cdr"]
    assert rows.column_names[:3] == ["call_date", "src", "dst"]
    assert rows.column_names[-2:] == ["entry_date", "_source_row"]
    assert rows["queue_time"].to_pylist() == ["0", "37"]
    summary = out["outbound_cdr_summary"]
    assert summary["total_calls"].to_pylist() == ["651", "1013"]
    assert summary["_source_row"].to_pylist() == [0, 1]


def test_agent_report_summary_keeps_type_and_fractions() -> None:
    summary = goapi.agent_report(body("agent_report"), "json")["agent_report_summary"]
    assert summary["type"].to_pylist() == ["Summary", "Average", "Max", "Min"]
    assert summary["total_calls"].to_pylist() == ["983", "491.5", "299", "299"]
    rows = goapi.agent_report(body("agent_report"), "json")["agent_report"]
    assert "talk_+_avail" in rows.column_names and "avalible" in rows.column_names
    assert rows["wp_sec"].to_pylist() == [None, None]


def test_agent_cdr_numeric_lead_id_stringified() -> None:
    t = goapi.agent_cdr(body("agent_cdr"), "json")["agent_cdr"]
    assert t["lead_id"].to_pylist() == ["3333333", "3344444"]
    assert t["disposition"].to_pylist() == ["VM / NML", "VM / NML"]  # PHP's \/ escape


def test_pause_report_long_layout() -> None:
    t = goapi.pause_report(body("pause_report"), "json")["pause_report"]
    assert t.column_names[:3] == ["user", "pause_code", "seconds"]
    assert "total_time" in t.column_names and "pause_sec" in t.column_names
    rows = t.to_pylist()
    codes_u1 = [r["pause_code"] for r in rows if r["user"] == "Example.User1"]
    assert codes_u1[:3] == ["pause", "dialne", "manual"] and len(codes_u1) == 13
    assert "manual_talk" not in codes_u1 and "billable_time" not in codes_u1
    lunch2 = next(r for r in rows if r["user"] == "Example.User2" and r["pause_code"] == "lunch")
    assert lunch2["seconds"] == "1870" and lunch2["total_time"] == "25742"
    assert lunch2["_source_row"] == 1


def test_pause_report_without_code_columns_keeps_user_rows() -> None:
    b = orjson.dumps({"result": "success", "data": {"rows": [{"user": "a", "pause_sec": "5"}]}})
    t = goapi.pause_report(b, "json")["pause_report"]
    assert t.to_pylist() == [{"user": "a", "pause_code": None, "seconds": None, "pause_sec": "5",
                              "_source_row": 0}]


def test_agent_summary_stats_partition_date() -> None:
    t = goapi.agent_summary_stats(body("agent_summary_stats"), "json")["agent_summary_stats"]
    assert t.column_names[0] == "USER"
    assert t["dates"].to_pylist()[0] == "'2025-05-06' AND '2025-05-06 23:59:59'"
    assert goapi.partition_date_of(t) == dt.date(2025, 5, 6)
    assert goapi.partition_date_from_dates("garbage") is None


def test_calltimes_rows_and_real_xml_without_list_names() -> None:
    t = goapi.calltimes(body("calltimes"), "json")["calltimes"]
    assert t["call_time_id"].to_pylist() == ["24hrs", "7am6pm", "CLOSED"]
    assert t["ct_default_stop"].to_pylist() == ["0", "1800", "2400"]
    assert t.column_names[-2:] == ["user_group", "_source_row"]
    bad = orjson.dumps({"result": "success", "call_time_id": ["a", "b"], "call_time_name": ["a"]})
    with pytest.raises(ParseError, match="differ in length"):
        goapi.calltimes(bad, "json")


def test_users_allowed_companys_json_text_both_formats() -> None:
    for fmt in ("json", "xml"):
        t = goapi.users(body("users", fmt), fmt)["users"]
        assert t["allowed_companys"].to_pylist() == ['["AMI","IST","PTR"]']
        assert t["closer_campaigns"].to_pylist() == [" AGENTDIRECT "]
        assert t.column_names.index("allowed_companys") == t.column_names.index("profile_id") + 1


def test_profiles_prefers_rich_rows_and_xml_cdata() -> None:
    t = goapi.profiles(body("profiles", "xml"), "xml")["profiles"]
    assert t["disposition_set"].to_pylist()[1] == "GENERAL INQUIRIES & MORE"
    assert t["action"].to_pylist()[0].startswith('<button class="btn btn-success')
    plain = orjson.dumps({"result": "success", "data": [{"profile_id": "A", "profile_name": "A"}]})
    assert goapi.profiles(plain, "json")["profiles"].column_names == [
        "profile_id", "profile_name", "_source_row"]


def test_hopper_campaign_column() -> None:
    t = goapi.hopper(body("hopper"), "json", campaign_id="123456")["hopper"]
    assert t.column_names[-2:] == ["campaign_id", "_source_row"]
    assert t["campaign_id"].to_pylist() == ["123456", "123456"]


def test_empty_results() -> None:
    empty = b'{"result":"success","data":{"rows":[],"headers":[],"summary_rows":[]}}'
    out = goapi.outbound_cdr(empty, "json")
    assert out["outbound_cdr"].num_rows == 0 and out["outbound_cdr_summary"].num_rows == 0
    assert out["outbound_cdr"].column_names == ["_source_row"]
    xml = b'<?xml version="1.0"?>\\n<goautodialapi version="4.0"><result>success</result></goautodialapi>'
    assert goapi.inbound_cdr(xml, "xml")["inbound_cdr"].num_rows == 0
    assert goapi.outbound_cdr(empty, "json", fast=True)["outbound_cdr"].num_rows == 0


def test_xml_single_row_and_special_characters() -> None:
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\\n<goautodialapi version="4.0">(\\n'
           '<action>"inbound_cdr "</action>\\n" )<result>success</result>\n<data>\n<rows>\n'
           '<src><![CDATA[a<b & "c"]]></src>\n<dst>x &amp; y</dst>\n<agent></agent>\n'
           '<uniq1>Olé</uniq1>\n</rows>\n</data>\n</goautodialapi>').encode()
    t = goapi.inbound_cdr(xml, "xml")["inbound_cdr"]
    assert t.to_pylist() == [{"src": 'a<b & "c"', "dst": "x & y", "agent": None, "uniq1": "Olé",
                              "_source_row": 0}]


def test_xml_declared_latin1_encoding() -> None:
    xml = ('<?xml version="1.0" encoding="ISO-8859-1"?>\\n<goautodialapi version="4.0">'
           "<result>success</result><data><rows><agent>José</agent></rows></data>"
           "</goautodialapi>").encode("latin-1")
    assert goapi.inbound_cdr(xml, "xml")["inbound_cdr"]["agent"].to_pylist() == ["José"]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("payload", "exc", "text"), [
    ({"result": "error", "message": "Invalid Username/Password"}, AuthError, "Invalid Username"),
    ({"result": "error", "message": "Command Not Found"}, UnsupportedError, "Command Not Found"),
    ({"code": "40001", "message": "Error: Missing required parameters"}, ApiError, "40001"),
    ({"code": "10004", "result": "Error: No such resource or access is restricted "}, ApiError,
     "No such resource"),
    ({"result": "error", "message": "Something broke"}, ApiError, "Something broke"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_goapi_error_bodies(payload: dict, exc: type, text: str, fmt: str) -> None:
    raw = SAMPLES.php_json(payload) if fmt == "json" else SAMPLES.php_xml(payload, "outbound_cdr")
    with pytest.raises(exc, match=text) as info:
        goapi.outbound_cdr(raw, fmt)
    assert not info.value.retryable
    if exc is ApiError:
        assert info.value.server_message


def test_auth_error_never_contains_password() -> None:
    raw = b'{"result":"error","message":"Invalid Username/Password"}'
    with pytest.raises(AuthError) as info:
        goapi.users(raw, "json")
    assert "1234" not in str(info.value)


def test_bad_responsetype_plain_text() -> None:
    raw = b"result=error;message=This API function only accepts XML or JSON value on responsetype;"
    with pytest.raises(ApiError, match="only accepts XML or JSON") as info:
        goapi.campaigns(raw, "json")
    assert info.value.server_message == "This API function only accepts XML or JSON value on responsetype"


@pytest.mark.parametrize("raw", [
    b"",
    b"   \n",
    (DATA / "html_502.html").read_bytes(),
    b'{"result":"success","data":{"rows":[{"call_date":"2025-05-02 06:58:53","src":"88',
    b"not json at all",
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unparseable_bodies_are_retryable_parse_errors(raw: bytes, fmt: str) -> None:
    with pytest.raises(ParseError) as info:
        goapi.outbound_cdr(raw, fmt)
    assert info.value.retryable


def test_truncated_xml_is_parse_error() -> None:
    raw = body("outbound_cdr", "xml")[:-200]
    with pytest.raises(ParseError):
        goapi.outbound_cdr(raw, "xml")


def test_unsafe_xml_refused() -> None:
    raw = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
           b"<goautodialapi><result>&a;</result></goautodialapi>")
    with pytest.raises(ParseError):
        goapi.users(raw, "xml")


def test_unknown_fmt_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        goapi.users(body("users"), "csv")


# ----------------------------------------------------------------------------- fast path


def _cdr_body(rows: list[dict], *, pretty: bool = False) -> bytes:
    obj = {"result": "success", "data": {"rows": rows, "headers": [{"field": "x"}],
                                         "summary_rows": [{"campaign_name": "C", "total_calls": 1}]}}
    if pretty:
        return json.dumps(obj, indent=2).encode()
    return json.dumps(obj, separators=(",", ":")).replace("/", "\\/").encode()


def _rows(n: int) -> list[dict]:
    return [{"call_date": f"2025-05-02 06:{i % 60:02d}:00", "src": str(1000 + i), "dst": "5",
             "agent": "A/B", "lead_id": str(i), "entry_date": "2025-05-01"} for i in range(n)]


def _both(raw: bytes, **kw: int) -> tuple[pa.Table, pa.Table]:
    if kw:
        found = jsonrows.locate(raw, ("data", "rows"))
        assert found is not None
        fast = jsonrows.parse_rows_array(raw, found[0], found[1], chunk_bytes=kw["chunk_bytes"])
    else:
        fast = goapi.outbound_cdr(raw, "json", fast=True)["outbound_cdr"]
    exact = goapi.outbound_cdr(raw, "json", fast=False)["outbound_cdr"]
    return fast, exact


def test_fast_path_equals_exact_on_plain_rows() -> None:
    fast, exact = _both(_cdr_body(_rows(500)))
    assert fast.equals(exact)
    assert fast["entry_date"].to_pylist()[0] == "2025-05-01"  # not inferred as a timestamp


def test_fast_path_string_containing_separator_falls_back_exactly() -> None:
    rows = _rows(50)
    rows[10]["agent"] = 'x},{"src":"evil"},{y'
    rows[20]["agent"] = "a},{b"
    rows[30]["agent"] = "}]"
    raw = _cdr_body(rows)
    fast, exact = _both(raw)
    assert fast.equals(exact)
    assert exact["agent"].to_pylist()[10] == 'x},{"src":"evil"},{y'
    for chunk in (1, 64, 300, 1000):  # chunk cuts inside strings must be merged
        fast, exact = _both(raw, chunk_bytes=chunk)
        assert fast.equals(exact), chunk


def test_fast_path_unknown_and_late_fields_numbers_nulls_nested() -> None:
    rows = _rows(40)
    rows[0]["queue_time"] = None
    rows[5]["new_field"] = "2025-05-05"       # date-like, appears late: must stay a string
    rows[7]["num"] = 3
    rows[8]["num"] = 2.5
    rows[9]["num"] = 5.0
    rows[12]["nested"] = [1, {"a": "b"}]
    rows[13]["flag"] = True
    raw = _cdr_body(rows)
    for chunk in (1, 200, 1 << 20):
        fast, exact = _both(raw, chunk_bytes=chunk)
        assert fast.equals(exact), chunk
    _, exact = _both(raw)
    assert exact["num"].to_pylist()[7:10] == ["3", "2.5", "5"]
    assert exact["nested"].to_pylist()[12] == '[1,{"a":"b"}]'
    assert exact["new_field"].to_pylist()[5] == "2025-05-05"
    assert exact.column_names[-6:] == ["queue_time", "new_field", "num", "nested", "flag",
                                       "_source_row"]


def test_fast_path_pretty_printed_json() -> None:
    fast, exact = _both(_cdr_body(_rows(30), pretty=True))
    assert fast.equals(exact)
    assert fast.num_rows == 30


def test_fast_path_summary_and_errors_from_envelope() -> None:
    out = goapi.outbound_cdr(_cdr_body(_rows(3)), "json", fast=True)
    assert out["outbound_cdr_summary"]["total_calls"].to_pylist() == ["1"]
    err = b'{"result":"error","message":"Invalid Username/Password","data":{"rows":[]}}'
    with pytest.raises(AuthError):
        goapi.outbound_cdr(err, "json", fast=True)


def test_fast_path_truncated_body_is_parse_error() -> None:
    raw = _cdr_body(_rows(200))
    with pytest.raises(ParseError):
        goapi.outbound_cdr(raw[: len(raw) // 2], "json", fast=True)


def test_body_from_file_path_and_memoryview(tmp_path: Path) -> None:
    raw = _cdr_body(_rows(100))
    path = tmp_path / "body.json"
    path.write_bytes(raw)
    expected = goapi.outbound_cdr(raw, "json", fast=False)
    for src in (path, str(path), memoryview(raw), memoryview(bytearray(raw))[0:]):
        for fast in (True, False):
            got = goapi.outbound_cdr(src, "json", fast=fast)
            assert got["outbound_cdr"].equals(expected["outbound_cdr"])
            assert got["outbound_cdr_summary"].equals(expected["outbound_cdr_summary"])
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(ParseError):
        goapi.outbound_cdr(empty, "json")


def test_generic_rows_nested_path() -> None:
    t = goapi.rows(body("agent_calls_report"), "json", ("data", "agent_report", "rows"))
    assert t.num_rows == 3
    assert goapi.rows(body("portfolios", "xml"), "xml", ("data",)).num_rows == 4


def test_every_declared_parser_is_a_parser_of_its_surface() -> None:
    from extract.registry import ENDPOINTS
    for ep in ENDPOINTS:
        assert ep.parse.__module__ == ("extract.parsers.goapi" if ep.surface == "goapi"
                                       else "extract.parsers.vicidial"), ep.name


# --- completeness: a real response cut anywhere is never accepted ------------------------------
def _cuts(body: bytes, n_lines: int = 60, n_inside: int = 40) -> list[int]:
    """Cut positions: line boundaries (every one, or ``n_lines`` spread over the body), inside
    lines, and the last bytes (a missing closing bracket or root tag)."""
    lines = [i + 1 for i, b in enumerate(body) if b == 10]
    if len(lines) > n_lines:
        lines = lines[:: max(1, len(lines) // n_lines)]
    inside = [p for p in range(1, len(body), max(1, len(body) // n_inside)) if body[p - 1:p] != b"\n"]
    tail = list(range(max(1, len(body) - 12), len(body)))
    full = body.rstrip()
    return sorted(p for p in {0, *lines, *inside, *tail} if body[:p].rstrip() != full)


def test_cut_goreports_responses_are_never_accepted(simulator_factory) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from extract.errors import DialerError
    from extract.registry import ENDPOINTS

    sim = simulator_factory(agents=4, calls_scale=0.02)
    day = "2025-05-13"
    silent: list[str] = []
    tried = 0
    for ep in (e for e in ENDPOINTS if e.module == "goReports"):
        for fmt in ("json", "xml"):
            form = {"goAction": ep.action, "goUser": "6666", "goPass": "1234", "responsetype": fmt,
                    **ep.request_params(day)}
            body = httpx.post(f"{sim.url}/goAPIv2/goReports/goAPI.php", data=form, timeout=60).content
            parse = ep.parse
            assert sum(t.num_rows for t in parse(body, fmt).values()) > 0, f"{ep.name} {fmt}: empty sample"
            for pos in _cuts(body):
                tried += 1
                try:
                    parse(body[:pos], fmt)
                except DialerError:
                    continue
                silent.append(f"{ep.name} {fmt} cut at {pos}/{len(body)}")
    assert tried > 1000
    assert not silent, silent[:20]


def test_summary_that_disagrees_with_the_data_rows_is_a_parse_error() -> None:
    obj = json.loads(body("agent_report"))
    goapi.agent_report(json.dumps(obj).encode(), "json")  # the document example agrees with itself
    obj["data"]["rows"] = obj["data"]["rows"][:1]  # a row missing, the Summary still counts it
    with pytest.raises(ParseError, match="Summary total_calls = 983 but the 1 data rows sum to 684"):
        goapi.agent_report(json.dumps(obj).encode(), "json")
    assert ParseError.retryable


def test_xml_without_its_closing_root_is_a_parse_error() -> None:
    xml = body("portfolios", "xml")
    cut = xml[: xml.rindex(b"</goautodialapi>")]
    with pytest.raises(ParseError, match="does not end with </goautodialapi>"):
        goapi.portfolios(cut, "xml")
    goapi.portfolios(xml + b"\n\n", "xml")  # trailing whitespace is fine
