"""VICIdial / Dialer360 text parsers: message lines, delimited exports, call_dispo_report."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.errors import ApiError, AuthError, ParseError, PermissionDeniedError
from extract.parsers import vicidial as v

DATA = Path(__file__).parent / "data" / "responses"


def rows(tables: dict, name: str) -> list[dict]:
    return tables[name].to_pylist()


# ----------------------------------------------------------------------------- messages


@pytest.mark.parametrize("line", [
    "SUCCESS: add_lead LEAD HAS BEEN ADDED - 7275551111|6666|999|193715|-4",
    "SUCCESS: add_lead LEAD HAS BEEN ADDED – 7275551111|6666|999|193715|-4",
    "SUCCESS: add_lead LEAD HAS BEEN ADDED: |7275551111|6666|999|193715|-4|",
])
def test_message_separators(line: str) -> None:
    (msg,) = v.parse_message_lines(line.encode())
    assert (msg.kind, msg.function, msg.text) == ("SUCCESS", "add_lead", "LEAD HAS BEEN ADDED")
    assert msg.data == ["7275551111", "6666", "999", "193715", "-4"]


def test_messages_several_per_line_and_mixed_lines() -> None:
    body = ("NOTICE: add_lead CUSTOM FIELDS NOT ADDED, NO FIELDS DEFINED - 7275551111|1234|101\n"
            "SUCCESS: add_lead LEAD HAS BEEN ADDED - 7275551111|6666|999|193716|-4 "
            "NOTICE: add_lead ADDED TO HOPPER - 7275551111|6666|193716|1677922\r\n"
            "some data line\n"
            "SUCCESS: update_lead LEAD HAS BEEN DELETED 0|0 - 6666|193716|1|0|0|\n"
            "ERROR: NO FUNCTION SPECIFIED\n")
    msgs = v.parse_message_lines(body)
    assert [m.kind for m in msgs] == ["NOTICE", "SUCCESS", "NOTICE", "SUCCESS", "ERROR"]
    assert msgs[0].text == "CUSTOM FIELDS NOT ADDED, NO FIELDS DEFINED"
    assert msgs[2].data[-1] == "1677922"
    assert msgs[3].text == "LEAD HAS BEEN DELETED 0|0" and msgs[3].data == ["6666", "193716", "1", "0", "0"]
    assert msgs[4].function is None and msgs[4].text == "NO FUNCTION SPECIFIED" and msgs[4].data == []


def test_login_failure_drops_echoed_password() -> None:
    body = b"ERROR: Login incorrect, please try again: |6666|S3cretPass|BAD|\n"
    (msg,) = v.parse_message_lines(body)
    assert msg.data == [] and "S3cretPass" not in repr(msg) and "S3cretPass" not in msg.render()
    with pytest.raises(AuthError) as info:
        v.agent_stats_export(body, "pipe")
    assert "S3cretPass" not in str(info.value) and "S3cretPass" not in repr(info.value.args)
    assert not info.value.retryable
    # no space after the colon: the text itself must not leak the password either
    (msg,) = v.parse_message_lines(b"ERROR: Login incorrect, please try again:|6666|S3cretPass|BAD|")
    assert "S3cretPass" not in msg.render()


def test_lockout_and_permission() -> None:
    with pytest.raises(AuthError, match="locked"):
        v.phone_number_log(b"ERROR: Too many login attempts, try again in 15 minutes: |6666|LOCK|",
                           "pipe")
    for line in ("ERROR: auth USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION: |6666|agent_stats_export|",
                 "ERROR: call_dispo_report USER DOES NOT HAVE PERMISSION TO VIEW STATS",
                 "ERROR: recording_lookup USER DOES NOT HAVE PERMISSION TO GET RECORDING INFO – 6666|0"):
        with pytest.raises(PermissionDeniedError):
            v.recording_lookup(line.encode(), "pipe")


def test_other_error_is_api_error_with_redacted_server_message() -> None:
    body = b"ERROR: agent_stats_export INVALID SEARCH PARAMETERS - 6666|pw123|2010-12-03 00:00:00|x"
    with pytest.raises(ApiError) as info:
        v.agent_stats_export(body, "pipe", secrets=["pw123"])
    assert info.value.server_message is not None
    assert "INVALID SEARCH PARAMETERS" in info.value.server_message
    assert "pw123" not in info.value.server_message and "pw123" not in str(info.value)


@pytest.mark.parametrize("body", [
    b"ERROR: agent_stats_export NO RECORDS FOUND - 1255||2010-12-03 00:00:00|2010-12-03 00:00:01",
    "ERROR: agent_stats_export NO RECORDS FOUND – 1255||2010-12-03 00:00:00|2010-12-03 00:00:01".encode(),
    b"NOTICE: agent_stats_export NO RECORDS FOUND: |1255||2010-12-03 00:00:00|\n",
])
def test_no_records_is_empty_table_with_documented_columns(body: bytes) -> None:
    t = v.agent_stats_export(body, "pipe")["agent_stats_export"]
    assert t.num_rows == 0
    assert t.column_names[0] == "user" and t.column_names[-1] == "_source_row"


def test_no_recordings_and_no_results() -> None:
    assert v.recording_lookup(b"ERROR: recording_lookup NO RECORDINGS FOUND - 1255|6666||2010-12-03|",
                              "pipe")["recording_lookup"].num_rows == 0
    assert v.lead_status_search(b"ERROR: lead_status_search NO RESULTS FOUND - 6666|||",
                                "pipe")["lead_status_search"].num_rows == 0


@pytest.mark.parametrize("raw", [b"", b"\n \n", (DATA / "html_502.html").read_bytes()])
def test_empty_or_html_body_is_parse_error(raw: bytes) -> None:
    with pytest.raises(ParseError) as info:
        v.phone_number_log(raw, "pipe")
    assert info.value.retryable


# ----------------------------------------------------------------------------- exports


def test_agent_stats_export_real_header() -> None:
    t = v.agent_stats_export(DATA / "vicidial_agent_stats_export_real.pipe", "pipe")
    r = rows(t, "agent_stats_export")
    assert len(r) == 2 and list(r[0])[-5:] == ["wait_time", "talk_time", "dispo_time", "dead_time",
                                               "_source_row"]
    assert r[0]["pct_of_queue"] == "16.7%"


def test_agent_stats_export_documented_without_header() -> None:
    t = v.agent_stats_export(DATA / "vicidial_agent_stats_export_doc.pipe", "pipe")["agent_stats_export"]
    assert t.column_names[-2:] == ["total_wait_time", "_source_row"]
    assert t["login_time"].to_pylist() == ["0:01:52", "0:04:11"]


def test_agent_stats_export_group_by_campaign_and_stages() -> None:
    real = (DATA / "vicidial_agent_stats_export_real.pipe").read_text()
    lines = real.splitlines()
    grouped = "\n".join(["campaign_id|" + lines[0]] + ["TESTCAMP|" + ln for ln in lines[1:]]) + "\n"
    t = v.agent_stats_export(grouped.encode(), "pipe")["agent_stats_export"]
    assert t.column_names[:2] == ["campaign_id", "user"] and t["campaign_id"].to_pylist()[0] == "TESTCAMP"
    no_header = "\n".join("TESTCAMP|" + ln for ln in lines[1:]) + "\n"
    t2 = v.agent_stats_export(no_header.encode(), "pipe")["agent_stats_export"]
    assert t2.column_names == t.column_names
    for stage, sep in (("csv", ","), ("tab", "\t")):
        t3 = v.agent_stats_export(real.replace("|", sep).encode(), stage)["agent_stats_export"]
        assert t3.drop_columns([]).to_pylist() == rows(
            v.agent_stats_export(real.encode(), "pipe"), "agent_stats_export")


def test_field_count_mismatch_is_parse_error() -> None:
    real = (DATA / "vicidial_agent_stats_export_real.pipe").read_bytes()
    with pytest.raises(ParseError, match="line 2"):
        v.agent_stats_export(real[:-20] + b"\n", "pipe")
    with pytest.raises(ParseError, match="no newline"):
        v.agent_stats_export(real[:-20], "pipe")
    with pytest.raises(ParseError, match="without a header"):
        v.agent_stats_export(b"a|b|c\n", "pipe")
    with pytest.raises(ValueError):
        v.agent_stats_export(real, "json")


def test_list_info_trailing_delimiter_both_forms() -> None:
    r = rows(v.list_info(DATA / "vicidial_list_info_counts.pipe", "pipe"), "list_info")
    assert r[0]["new_leads_count"] == "3" and len(r[0]) == 11
    plain = b"1101|performance list|TESTCAMP|Y|2019-09-02 08:52:50|2019-11-07 10:12:12|2099-12-31|0|\n"
    r2 = rows(v.list_info(plain, "pipe"), "list_info")
    assert r2[0]["resets_today"] == "0" and "all_leads_count" not in r2[0]
    gone = b"ERROR: list_info LIST DOES NOT EXIST - 98762"
    assert v.list_info(gone, "pipe")["list_info"].num_rows == 0


def test_did_log_export_real_column_swap() -> None:
    r = rows(v.did_log_export(DATA / "vicidial_did_log_export_real.pipe", "pipe"), "did_log_export")
    assert r[0]["call_date"] == "2010-12-03 12:00:01" and r[0]["caller_id_number"] == "7275551212"
    documented = b"3125551212|2010-12-03 12:00:01|7275551212|123\n"
    r2 = rows(v.did_log_export(documented, "pipe"), "did_log_export")
    assert r2[0]["call_date"] == "2010-12-03 12:00:01" and r2[0]["caller_id_number"] == "7275551212"


def test_phone_number_log_and_recording_lookup() -> None:
    body = (b"phone_number|call_date|list_id|length_in_sec|lead_status|hangup_reason|call_status|"
            b"source_id|user\n9998887112|2017-01-06 08:11:01|82106|25|TD|AGENT|SALE|mail098|6666\n")
    r = rows(v.phone_number_log(body, "pipe"), "phone_number_log")
    assert r == [{"phone_number": "9998887112", "call_date": "2017-01-06 08:11:01", "list_id": "82106",
                  "length_in_sec": "25", "lead_status": "TD", "hangup_reason": "AGENT",
                  "call_status": "SALE", "source_id": "mail098", "user": "6666", "_source_row": 0}]
    rec = b"2010-12-03 12:00:01|1000|534820|876409|http://server/path/20101203_120000_1234567890_1000-all.wav\n"
    r = rows(v.recording_lookup(rec, "pipe"), "recording_lookup")
    assert r[0]["location"].endswith("-all.wav") and r[0]["recording_id"] == "534820"


def test_call_status_stats() -> None:
    r = rows(v.call_status_stats(DATA / "vicidial_call_status_stats.pipe", "pipe"), "call_status_stats")
    assert [x["campaign_id"] for x in r] == ["TESTCAMP", "AGENTDIRECT"]
    assert r[0]["status_breakdown"] == "NP-4,TD-22" and r[1]["human_answered_calls"] == "2"


def test_lead_status_search_records_and_version() -> None:
    r = rows(v.lead_status_search(DATA / "vicidial_lead_status_search.txt", "pipe"),
             "lead_status_search")
    assert [x["lead_id"] for x in r] == ["823602", "823603"]
    assert r[0]["test_custom_field"] == "new value" and r[1]["test_custom_field"] is None
    ver = rows(v.version(DATA / "vicidial_version.txt"), "version")[0]
    assert ver["TZ"] == "-5.00" and ver["DATE"] == "2025-07-21 10:11:12"


# ----------------------------------------------------------------------------- call_dispo_report


@pytest.mark.parametrize("name", ["vicidial_call_dispo_report.csv", "vicidial_call_dispo_report_pct.csv"])
def test_call_dispo_report_long_and_total_check(name: str) -> None:
    t = v.call_dispo_report(DATA / name, "csv")["call_dispo_report"]
    assert t.column_names == ["campaign", "status", "calls", "total_calls", "row_sum_matches",
                              "_source_row"]
    r = t.to_pylist()
    assert len(r) == 18 and "TOTAL" not in {x["campaign"] for x in r}
    # the document's example read the real server's way: values in natural status order
    # (ACFLTR,CLOSOP,DROP,INCALL,NP,RQXFER,TD,TESTAM,WAITTO), not under the printed header
    rq = next(x for x in r if x["campaign"] == "TEST_IN3" and x["status"] == "RQXFER")
    assert rq == {"campaign": "TEST_IN3", "status": "RQXFER", "calls": "1", "total_calls": "110",
                  "row_sum_matches": "true", "_source_row": 1}
    td = next(x for x in r if x["campaign"] == "TEST_IN3" and x["status"] == "TD")
    assert td["calls"] == "47"
    check = v.dispo_total_check(DATA / name)
    assert check.ok and check.has_total_row and v.total_check_of(t) == check


def test_call_dispo_report_flags_mismatched_rows() -> None:
    body = (b"CAMPAIGN,TOTAL CALLS,A,B\nC1,10,4,6\nC2,7,1,2\nTOTAL,17,5,8")
    t = v.call_dispo_report(body, "csv")["call_dispo_report"]
    flags = {(x["campaign"], x["status"]): x["row_sum_matches"] for x in t.to_pylist()}
    assert flags == {("C1", "A"): "true", ("C1", "B"): "true", ("C2", "A"): "false",
                     ("C2", "B"): "false"}
    check = v.dispo_total_check(body)
    assert not check.ok and check.rows_not_matching == ("C2",) and check.column_mismatches == {}
    bad_total = b"CAMPAIGN,TOTAL CALLS,A\nC1,3,3\nTOTAL,4,3"
    check = v.dispo_total_check(bad_total)
    assert not check.ok and check.column_mismatches == {"TOTAL CALLS": (4, 3)}


def test_call_dispo_report_no_data_and_no_breakdown() -> None:
    assert v.call_dispo_report(b"CAMPAIGN,TOTAL CALLS\nTOTAL,0", "csv")["call_dispo_report"].num_rows == 0
    r = v.call_dispo_report(b"CAMPAIGN,TOTAL CALLS\nTEST_IN2,10\nTOTAL,10", "csv")["call_dispo_report"]
    assert r.to_pylist() == [{"campaign": "TEST_IN2", "status": None, "calls": None,
                              "total_calls": "10", "row_sum_matches": None, "_source_row": 0}]
    with pytest.raises(PermissionDeniedError):
        v.call_dispo_report(b"ERROR: call_dispo_report USER DOES NOT HAVE PERMISSION TO VIEW STATS", "csv")
    with pytest.raises(ParseError):
        v.call_dispo_report(b"CAMPAIGN,TOTAL CALLS,A\nC1,3,three", "csv")


@pytest.mark.parametrize(("body", "why"), [
    (b"CAMPAIGN,TOTAL CALLS,A,B\nC1,10,4,6", "no TOTAL row"),
    (b"CAMPAIGN,TOTAL CALLS,A,B\nC1,10,4,6\nC2,7,3,4\nTOTAL,10,4,6", "disagrees"),
    (b"CAMPAIGN,TOTAL CALLS,A,B\nC1,10,4,6\nTOTAL,10,4", "fields"),
    (b"CAMPAIGN,TOTAL CALLS,A,B\nC1,10,4 (40.0%),6 (60.0%)\nTOTAL,10,4 (40.0%),6 ", "form"),
    (b"CAMPAIGN,TOTAL CALLS\nTOTAL,", "not a count"),
])
def test_call_dispo_report_cut_bodies_are_parse_errors(body: bytes, why: str) -> None:
    with pytest.raises(ParseError, match=why):
        v.call_dispo_report(body, "csv")


def test_text_bodies_cut_or_empty_are_parse_errors() -> None:
    real = (DATA / "vicidial_agent_stats_export_real.pipe").read_bytes()
    header = real.split(b"\n")[0] + b"\n"
    with pytest.raises(ParseError, match="no data line"):
        v.agent_stats_export(header, "pipe")  # the server prints NO RECORDS instead of a lone header
    with pytest.raises(ParseError, match="no 'no records' message"):
        v.phone_number_log(b"NOTICE: phone_number_log SOMETHING ELSE - 6666|1\n", "pipe")
    assert v.phone_number_log(b"NOTICE: phone_number_log NO RECORDS FOUND - 6666|55", "pipe")[
        "phone_number_log"].num_rows == 0  # cut after the message text: still "no records"
    lss = (DATA / "vicidial_lead_status_search.txt").read_bytes()
    with pytest.raises(ParseError, match="lacks"):
        v.lead_status_search(lss[:lss.index(b"phone_code => 1\nphone_number => 9999028406")] , "pipe")
    with pytest.raises(ParseError, match="follows record"):
        v.lead_status_search(lss.replace(b"RECORD 2", b"RECORD 3"), "pipe")


def test_agent_stats_export_2017_rows_name_the_17th_value_wait_time() -> None:
    body = ("|".join(v.AGENT_STATS_2017_HEADER) + "\n"
            "1029|test agent|ADMIN|1|112|16|16|18|16.7%|54|3|37|5|11|48.2%|2|32\n").encode()
    (row,) = v.agent_stats_export(body, "pipe")["agent_stats_export"].to_pylist()
    assert row["wait_time"] == "32" and row["pauses_per_session"] == "2" and "talk_time" not in row
    with pytest.raises(ParseError, match="fields"):
        v.agent_stats_export(body.replace(b"|2|32\n", b"|2\n"), "pipe")
