"""Request builders and response parsing of the write functions (no simulator needed)."""

from __future__ import annotations

import pytest

from extract.errors import AuthError, PermissionDeniedError
from extract.writeback.requests import (
    add_lead_surface,
    as_update,
    build,
    build_lead_lookup,
    build_list_info,
    clean_params,
    payload_hash,
    with_dup_guard,
)
from extract.writeback.responses import (
    lead_id_from_added,
    parse_add_lead,
    parse_add_list,
    parse_list_info,
    parse_update_lead,
    parse_update_list,
    parser_for,
    retry_delay,
)

# --- add_lead ------------------------------------------------------------------------------
REAL = b"SUCCESS: add_lead LEAD HAS BEEN ADDED - 7275551111|1001|193715|-4|6666\n"
DOC = "SUCCESS: add_lead LEAD HAS BEEN ADDED – 7275551111|6666|1001|193716|-4\n".encode()


@pytest.mark.parametrize("body", [
    REAL,
    b"NOTICE: add_lead NANPA options disabled, NANPA prefix data not loaded - 0|6666\n" + REAL
    + b"NOTICE: add_lead ADDED TO HOPPER - 7275551111|6666|193715|1677922\n",
    REAL + b"NOTICE: add_lead CUSTOM FIELDS VALUES ADDED - 7275551111|1001|193715\n"
    b"NOTICE: add_lead SCHEDULED CALLBACK ADDED - 193715|2011-09-29 12:00:01|TESTCAMP|6666|USERONLY|CALLBK\n",
])
def test_add_lead_real_order_with_notices_before_and_after(body: bytes) -> None:
    r = parse_add_lead(body, phone="7275551111", list_id="1001")
    assert (r.outcome, r.lead_id, r.list_id) == ("applied", "193715", "1001")
    assert len(r.notices) == body.count(b"NOTICE")


def test_add_lead_document_order() -> None:
    r = parse_add_lead(DOC, phone="7275551111", list_id="1001")
    assert (r.outcome, r.lead_id) == ("applied", "193716")


def test_lead_id_position_when_user_equals_list_id() -> None:
    assert lead_id_from_added(["7275551111", "999", "55", "-5", "999"], "7275551111", "999") == "55"  # real
    assert lead_id_from_added(["7275551111", "999", "999", "55", "-5"], "7275551111", "999") == "55"  # doc


def test_add_lead_duplicate_is_permanent_with_existing_lead_id() -> None:
    r = parse_add_lead(b"ERROR: add_lead DUPLICATE PHONE NUMBER IN LIST - 7275551111|101|8765444\n",
                       phone="7275551111", list_id="101")
    assert (r.outcome, r.lead_id, r.found) == ("rejected", "8765444", True)
    r = parse_add_lead(b"ERROR: add_lead DUPLICATE NAME PHONE IN LIST - Bob|Smith|7275551113|101|8765444|101\n",
                       phone="7275551113", list_id="101")
    assert r.lead_id == "8765444"
    r = parse_add_lead(b"ERROR: add_lead DUPLICATE TITLE ALT_PHONE IN LIST - 1234|7275551111|101|8765444\n",
                       phone="5550000000", list_id="101", alt_phone="7275551111")
    assert r.lead_id == "8765444"


def test_add_lead_errors_and_garbage() -> None:
    r = parse_add_lead(b"ERROR: add_lead INVALID PHONE NUMBER LENGTH - 72755|6666\n", phone="72755", list_id="101")
    assert r.outcome == "rejected" and "INVALID PHONE NUMBER LENGTH" in r.message
    assert parse_add_lead(b"", phone="1", list_id="1").outcome == "unknown"
    assert parse_add_lead(b"<html>502 Bad Gateway</html>", phone="1", list_id="1").outcome == "unknown"
    assert parse_add_lead(b"SUCCESS: add_lead LEAD HAS BE", phone="1", list_id="1").outcome == "unknown"


def test_auth_and_permission_errors_raise_and_never_echo_password() -> None:
    with pytest.raises(AuthError) as ei:
        parse_add_lead(b"ERROR: Login incorrect, please try again: |6666|s3cr3tPW|BAD|\n", phone="1", list_id="1")
    assert "s3cr3tPW" not in str(ei.value)
    with pytest.raises(PermissionDeniedError):
        parse_add_lead(b"ERROR: auth USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION: |6666|add_lead|\n",
                       phone="1", list_id="1")
    with pytest.raises(PermissionDeniedError):
        parse_update_lead(b"ERROR: update_lead USER DOES NOT HAVE PERMISSION TO UPDATE LEADS IN THE SYSTEM - 6666|0")


# --- update_lead ---------------------------------------------------------------------------
def test_update_lead_outcomes() -> None:
    r = parse_update_lead(b"SUCCESS: update_lead LEAD HAS BEEN UPDATED - 6666|193716|\n", lead_id="193716")
    assert (r.outcome, r.lead_id) == ("applied", "193716")
    line = b"SUCCESS: update_lead LEAD HAS BEEN UPDATED - 6666|%d|\n"
    multi = line % 1 + line % 2
    assert parse_update_lead(multi).lead_ids == ("1", "2")
    r = parse_update_lead(b"")
    assert (r.outcome, r.nothing_changed) == ("applied", True)
    r = parse_update_lead(b"ERROR: update_lead NO MATCHES FOUND IN THE SYSTEM - 6666|||\n")
    assert (r.outcome, r.found) == ("rejected", False)
    r = parse_update_lead(b"NOTICE: update_lead NO MATCHES FOUND IN THE SYSTEM - 6666|4567|897654327|7275551212\n"
                          b"SUCCESS: update_lead LEAD HAS BEEN ADDED - 7275551212|999|193716|-4|6666\n",
                          phone="7275551212", list_id="999")
    assert (r.outcome, r.lead_id, r.found) == ("applied", "193716", False)
    r = parse_update_lead(b"SUCCESS: update_lead LEAD HAS BEEN DELETED 0|0 - 6666|193716|1|0|0|\n", lead_id="193716")
    assert (r.outcome, r.lead_id) == ("applied", "193716")
    r = parse_update_lead(b"NOTICE: update_lead LEADS FOUND IN THE SYSTEM: |6666|1010542|12345678901234|9998887112"
                          b"|3333444|0\n")
    assert (r.outcome, r.found, r.lead_id, r.list_id) == ("applied", True, "1010542", "3333444")
    r = parse_update_lead(b"ERROR: update_lead NO VALID SEARCH METHOD - 6666|SYSTEM|||\n")
    assert r.outcome == "rejected"


# --- lists ---------------------------------------------------------------------------------
def test_list_outcomes() -> None:
    r = parse_add_list(b"SUCCESS: add_list LIST HAS BEEN ADDED - 6666|1101|Test API list|TESTCAMP\n", list_id="1101")
    assert (r.outcome, r.list_id) == ("applied", "1101")
    r = parse_add_list(b"ERROR: add_list LIST ALREADY EXISTS: |6666|1101\n", list_id="1101")
    assert (r.outcome, r.found) == ("rejected", True)
    assert parse_add_list(b"ERROR: add_list CAMPAIGN DOES NOT EXIST - 6666|TESTCIMP\n", list_id="1").found is None
    assert parse_update_list(b"SUCCESS: update_list LIST HAS BEEN UPDATED - 6666|1101\n", list_id="1101").outcome \
        == "applied"
    r = parse_update_list(b"NOTICE: update_list LEADS IN LIST HAVE BEEN RESET - 6666|1101|\n", list_id="1101")
    assert r.outcome == "applied"
    r = parse_update_list(b"NOTICE: update_list NO UPDATES DEFINED: |6666|\n", list_id="1101")
    assert (r.outcome, r.nothing_changed) == ("applied", True)
    r = parse_update_list(b"NOTICE: update_list LIST RESET FAILED, daily reset limit reached: 2 / 2 - 6666|1101\n",
                          list_id="1101")
    assert r.outcome == "rejected"
    r = parse_update_list(b"ERROR: update_list LIST DOES NOT EXIST - 6666|1000\n", list_id="1000")
    assert (r.outcome, r.found) == ("rejected", False)
    r = parse_update_list(b"NOTICE: update_list LIST DOES NOT EXIST, SENDING TO add_list FUNCTION - 6666|1000\n"
                          b"SUCCESS: add_list LIST HAS BEEN ADDED - 6666|1000|New list|C1\n", list_id="1000")
    assert r.outcome == "applied"


def test_list_info_read_back() -> None:
    body = (b"list_id|list_name|campaign_id|active|list_changedate|list_lastcalldate|expiration_date|resets_today"
            b"|all_leads_count|new_leads_count\n1101|performance list|TESTCAMP|Y|2019-09-02 08:52:50|"
            b"2019-11-07 10:12:12|2099-12-31|0|59896|3|\n")
    info = parse_list_info(body)
    assert info is not None and info["campaign_id"] == "TESTCAMP" and info["all_leads_count"] == "59896"
    assert parse_list_info(b"ERROR: list_info LIST DOES NOT EXIST - 98762\n") is None


# --- request builders -----------------------------------------------------------------------
def test_builders_never_carry_credentials_or_empties() -> None:
    row = {"_row_key": "k", "phone_number": "7275551111", "list_id": "1001", "first_name": "", "last_name": None,
           "pass": "secret", "user": "6666", "favorite_color": "blue"}
    req = build("add_lead", row, custom_fields=("favorite_color",))
    assert req.params == {"phone_number": "7275551111", "list_id": "1001", "favorite_color": "blue",
                          "custom_fields": "Y"}
    assert req.form()["function"] == "add_lead" and req.form()["source"] == "dialsync"
    assert "pass" not in req.form() and "user" not in req.form()


def test_update_lead_search_method_follows_the_key() -> None:
    assert "search_method" not in build("update_lead", {"lead_id": "5", "status": "DNC"}).params
    assert build("update_lead", {"vendor_lead_code": "V1", "status": "X"}).params["search_method"] == \
        "VENDOR_LEAD_CODE"
    assert build("update_lead", {"phone_number": "7275551111", "status": "X"}).params["search_method"] == \
        "PHONE_NUMBER"
    look = build_lead_lookup(phone="7275551111", list_id="1001")
    assert look.params["no_update"] == "Y" and look.params["search_location"] == "LIST"
    assert build_list_info("1001").params["header"] == "YES"


def test_payload_hash_is_order_independent_and_sensitive() -> None:
    a = payload_hash("i", "add_lead", {"a": "1", "b": "2"})
    assert a == payload_hash("i", "add_lead", {"b": "2", "a": "1"})
    assert a != payload_hash("i", "add_lead", {"a": "1", "b": "3"})
    assert a != payload_hash("j", "add_lead", {"a": "1", "b": "2"})
    assert clean_params({"_x": "1", "a": 2, "b": None}) == {"a": "2"}


# --- re-sends: duplicate guard, update of an existing lead, retry delay ----------------------
@pytest.mark.parametrize(("given", "sent"), [
    (None, "DUPLIST"), ("DUPNAMEPHONELIST", "DUPNAMEPHONELIST-DUPLIST"), ("DUPLIST", "DUPLIST"),
    ("DUPCAMP", "DUPCAMP"), ("DUPSYS90DAY", "DUPSYS90DAY"),
])
def test_resend_of_a_lost_add_lead_carries_a_duplicate_guard(given: str | None, sent: str) -> None:
    row = {"phone_number": "3125550100", "list_id": "1001", "duplicate_check": given}
    req = with_dup_guard(build("add_lead", row))
    assert req.params["duplicate_check"] == sent and (req.phone, req.list_id) == ("3125550100", "1001")


def test_changed_lead_row_updates_only_what_changed_by_lead_id() -> None:
    sent = {"phone_number": "3125550100", "list_id": "1001", "first_name": "Ann", "city": "Chicago"}
    req = as_update(build("add_lead", {**sent, "first_name": "Anna"}), "4711", sent)
    assert (req.operation, req.function, req.lead_id) == ("add_lead", "update_lead", "4711")
    assert req.params == {"lead_id": "4711", "first_name": "Anna"}
    body = b"SUCCESS: update_lead LEAD HAS BEEN UPDATED - 6666|4711\n"
    assert parser_for(req)(body).outcome == "applied"


def test_lead_loads_use_lmapi_only_on_crocodial_with_it() -> None:
    assert add_lead_surface("crocodial", ("non_agent_api", "lmapi")) == "lmapi"
    assert add_lead_surface("crocodial", ("non_agent_api",)) == "non_agent_api"
    assert add_lead_surface("vicidial", ("non_agent_api", "lmapi")) == "non_agent_api"


def test_retry_delay_grows_is_capped_and_honours_retry_after() -> None:
    assert [retry_delay(n, None) for n in (0, 1, 2)] == [0.1, 0.2, 0.4]
    assert retry_delay(10, None) == 5.0
    assert retry_delay(0, 3) == 3.0 and retry_delay(0, 600) == 30.0
