"""Field rules and columnar validation of write-back rows (no simulator needed)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from extract.writeback.fields import (
    ADD_LEAD,
    ADD_LEAD_LMAPI,
    ADD_LIST,
    BLANK,
    RULES,
    UPDATE_LEAD,
    UPDATE_LIST,
    SchemaError,
    preview,
    validate_table,
)


def _one(op: str, dialect: str = "non_agent_api", **fields: str | None) -> list[tuple[str, str]]:
    table = pa.table({"_row_key": ["k"], **{k: pa.array([v], pa.string()) for k, v in fields.items()}})
    v = validate_table(table, op, dialect)
    assert v.valid is not None and v.valid.to_pylist() == [not v.rejections]
    return [(r.field, r.rule) for r in v.rejections]


GOOD_LEAD = {"phone_number": "7275551111", "list_id": "1001"}


def test_rules_are_data_for_every_operation_and_dialect() -> None:
    assert set(RULES["non_agent_api"]) == {"add_lead", "update_lead", "add_list", "update_list"}
    assert "campaing" in ADD_LEAD_LMAPI and "campaing" not in ADD_LEAD
    # documented lengths
    assert (ADD_LEAD["phone_number"].min_len, ADD_LEAD["phone_number"].max_len) == (6, 16)
    assert (ADD_LEAD["phone_code"].min_len, ADD_LEAD["phone_code"].max_len) == (1, 4)
    assert (ADD_LEAD["list_id"].min_len, ADD_LEAD["list_id"].max_len) == (3, 12)
    assert (ADD_LIST["list_id"].min_len, ADD_LIST["list_id"].max_len) == (2, 14)
    assert ADD_LEAD["gender"].values == ("U", "M", "F")
    assert ADD_LEAD["dnc_check"].values == ("Y", "N", "AREACODE")
    assert UPDATE_LEAD["callback"].values == ("Y", "N", "REMOVE")
    assert (ADD_LEAD["comments"].max_len, ADD_LEAD["email"].max_len, ADD_LEAD["first_name"].max_len) == (255, 70, 30)
    assert (UPDATE_LIST["list_name"].min_len, UPDATE_LIST["list_name"].max_len) == (6, 30)


def test_good_rows_pass() -> None:
    assert _one("add_lead", **GOOD_LEAD, first_name="Bob", last_name="O'Brien", gender="M",
                date_of_birth="1980-02-29", state="IL", add_to_hopper="Y", hopper_priority="-99",
                duplicate_check="DUPLIST-DUPNAMEPHONELIST", callback="Y", campaign_id="TESTCAMP",
                callback_datetime="2025-03-01 12:00:00", multi_alt_phones="7275551212_1_work!7275551213") == []
    assert _one("add_lead", "lmapi", **GOOD_LEAD, campaing="TESTCAMP", duplicate_check="DUPSYS30DAY",
                callback="Y", campaign_id="TESTCAMP", callback_datetime="3DAYS") == []
    assert _one("update_lead", lead_id="27", status="DNC", province=BLANK) == []
    assert _one("update_lead", vendor_lead_code="V1", search_method="VENDOR_LEAD_CODE", last_name="SMITH") == []
    assert _one("add_list", list_id="1101", list_name="Test API list", campaign_id="TESTCAMP", active="N",
                reset_time="0900-1700-2359", expiration_date="2099-12-31") == []
    assert _one("update_list", list_id="1101", reset_list="Y", list_description=BLANK) == []


@pytest.mark.parametrize(("op", "fields", "field", "rule_part"), [
    ("add_lead", {"phone_number": "72755", "list_id": "1001"}, "phone_number", "6-16 digits"),
    ("add_lead", {"phone_number": "12345678901234567", "list_id": "1001"}, "phone_number", "6-16 digits"),
    ("add_lead", {"phone_number": "727-555-1111", "list_id": "1001"}, "phone_number", "only digits"),
    ("add_lead", {"phone_number": "7275551111", "list_id": "99"}, "list_id", "3-12 digits"),
    ("add_lead", {"phone_number": "7275551111", "list_id": "1001", "phone_code": "12345"}, "phone_code",
     "1-4 digits"),
    ("add_lead", {"phone_number": "7275551111"}, "list_id", "required"),
    ("add_lead", {"list_id": "1001"}, "phone_number", "required"),
    ("add_lead", {**GOOD_LEAD, "gender": "X"}, "gender", "U|M|F"),
    ("add_lead", {**GOOD_LEAD, "dnc_check": "yes"}, "dnc_check", "Y|N|AREACODE"),
    ("add_lead", {**GOOD_LEAD, "date_of_birth": "02/03/1980"}, "date_of_birth", "digits and -"),
    ("add_lead", {**GOOD_LEAD, "date_of_birth": "1981-02-29"}, "date_of_birth", "real calendar"),
    ("add_lead", {**GOOD_LEAD, "state": "ILL"}, "state", "at most 2"),
    ("add_lead", {**GOOD_LEAD, "first_name": "x" * 31}, "first_name", "at most 30"),
    ("add_lead", {**GOOD_LEAD, "first_name": "José"}, "first_name", "strip"),
    ("add_lead", {**GOOD_LEAD, "first_name": "Bob+Jim"}, "first_name", "strip"),
    ("add_lead", {**GOOD_LEAD, "comments": "a;b"}, "comments", "strip"),
    ("add_lead", {**GOOD_LEAD, "comments": "R&D"}, "comments", "strip"),
    ("add_lead", {**GOOD_LEAD, "country_code": "usa"}, "country_code", "upper-case"),
    ("add_lead", {**GOOD_LEAD, "hopper_priority": "100"}, "hopper_priority", "-99..99"),
    ("add_lead", {**GOOD_LEAD, "duplicate_check": "DUPWORLD"}, "duplicate_check", "dash-joined"),
    ("add_lead", {**GOOD_LEAD, "callback": "Y", "callback_datetime": "NOW"}, "campaign_id", "callback=Y"),
    ("add_lead", {**GOOD_LEAD, "callback": "Y", "campaign_id": "C1", "callback_datetime": "tomorrow"},
     "callback_datetime", "YYYY-MM-DD+HH:MM:SS"),
    ("add_lead", {**GOOD_LEAD, "campaign_dnc_check": "Y"}, "campaign_id", "campaign_dnc_check"),
    ("add_lead", {**GOOD_LEAD, "first_name": BLANK}, "first_name", "only empties"),
    ("add_lead", {**GOOD_LEAD, "multi_alt_phones": "abc"}, "multi_alt_phones", "at least 5"),
    ("update_lead", {"status": "DNC"}, "search_method", "needs the value"),
    ("update_lead", {"lead_id": "1234567890"}, "lead_id", "1-9 digits"),
    ("update_lead", {"lead_id": "1", "status": "TOOLONG"}, "status", "at most 6"),
    ("update_lead", {"lead_id": "1", "status": "D N"}, "status", "no punctuation or spaces"),
    ("update_lead", {"lead_id": "1", "last_name": "O'Brien"}, "last_name", "apostrophes"),
    ("update_lead", {"lead_id": "1", "callback": "MAYBE"}, "callback", "Y|N|REMOVE"),
    ("update_lead", {"lead_id": "1", "lead_id_x": None, "phone_number": BLANK}, "phone_number", "only empties"),
    ("update_lead", {"phone_number": "7275551111", "search_method": "PHONE_NUMBER", "insert_if_not_found": "Y"},
     "list_id", "insert_if_not_found"),
    ("add_list", {"list_id": "1101", "list_name": "short", "campaign_id": "C1"}, "list_name", "at least 6"),
    ("add_list", {"list_id": "1", "list_name": "a fine list", "campaign_id": "C1"}, "list_id", "2-14 digits"),
    ("add_list", {"list_id": "1101", "list_name": "a fine list"}, "campaign_id", "required"),
    ("update_list", {"list_id": "1101", "active": "X"}, "active", "Y|N"),
    ("update_list", {"list_id": "1101", "reset_time": "2500"}, "reset_time", "24-hour"),
    ("update_list", {"list_id": "1101", "outbound_cid": "12345"}, "outbound_cid", "6-18 digits"),
    ("update_list", {"list_id": "1101", "expiration_date": "2024-13-01"}, "expiration_date", "real calendar"),
    ("update_list", {"list_id": "1101", "insert_if_not_found": "Y"}, "list_name", "insert_if_not_found"),
])
def test_each_rule_names_field_and_rule(op: str, fields: dict[str, str | None], field: str, rule_part: str) -> None:
    fields = {k: v for k, v in fields.items() if not k.endswith("_x")}
    found = _one(op, **fields)
    assert any(f == field and rule_part in r for f, r in found), found


def test_lmapi_requires_campaing() -> None:
    assert ("campaing", "required") in _one("add_lead", "lmapi", **GOOD_LEAD)
    assert _one("add_lead", "lmapi", **GOOD_LEAD, campaing="C1") == []


def test_one_rejection_per_field_and_keys_kept() -> None:
    table = pa.table({
        "_row_key": ["a", "b", "c"],
        "phone_number": ["727-555", "7275551111", None],
        "list_id": ["1001", "1001", "1001"],
        "first_name": ["Bob", "x" * 10_000, "Ann"],
    })
    v = validate_table(table, "add_lead")
    assert v.valid is not None and v.valid.to_pylist() == [False, False, False]
    by = v.by_row()
    assert [r.field for r in by["a"]] == ["phone_number"]  # charset reported first, once
    assert [r.rule for r in by["b"]] == ["at most 30 characters"]
    assert "10000 chars" in by["b"][0].value_preview and len(by["b"][0].value_preview) < 80
    assert by["c"][0].rule == "required"


def test_custom_fields_and_reserved_columns() -> None:
    t = pa.table({"_row_key": ["a", "b"], **{k: [v, v] for k, v in GOOD_LEAD.items()},
                  "favorite_color": ["blue", "red & green"]})
    v = validate_table(t, "add_lead")
    assert v.custom_fields == ("favorite_color",)
    assert v.valid is not None and v.valid.to_pylist() == [True, False]
    with pytest.raises(SchemaError, match="reserved"):
        validate_table(pa.table({"phone_number": ["7275551111"], "pass": ["x"]}), "add_lead")
    with pytest.raises(SchemaError, match="custom field label"):
        validate_table(pa.table({"phone_number": ["7275551111"], "Bad Label": ["x"]}), "add_lead")
    with pytest.raises(SchemaError, match="has no field"):
        validate_table(pa.table({"list_id": ["1101"], "favorite_color": ["x"]}), "update_list")


def test_non_string_columns_are_rendered_like_the_api_wants() -> None:
    import datetime as dt
    t = pa.table({"phone_number": pa.array([7275551111], pa.int64()), "list_id": pa.array([1001], pa.int32()),
                  "date_of_birth": pa.array([dt.date(1980, 1, 2)])})
    assert validate_table(t, "add_lead").rejections == []


def test_preview_is_safe() -> None:
    assert preview(None) == "NULL"
    assert preview("a\nb") == "'a\\nb'"
    assert preview("é") == "'\\xe9'"
    assert preview("x" * 500).endswith("(500 chars)")


def test_phone_search_narrowed_to_a_list_needs_the_list() -> None:
    """Without list_id the server silently searches the whole SYSTEM (documented): refuse it."""
    by_phone = {"search_method": "PHONE_NUMBER", "phone_number": "7275551111", "status": "DC"}
    assert _one("update_lead", **by_phone, search_location="LIST") == [
        ("list_id", "required with search_location LIST/CAMPAIGN (without it the server searches the whole SYSTEM)")]
    assert _one("update_lead", **by_phone, search_location="LIST", list_id="1101") == []


def test_rejection_names_file_row_and_row_key() -> None:
    table = pa.table({"_row_key": ["a", "b"], "_row_number": pa.array([2, 3], pa.int64()),
                      "phone_number": ["7275551111", "72"], "list_id": ["1001", "1001"]})
    (r,) = validate_table(table, "add_lead").rejections
    assert (r.row, r.row_key, r.field) == (3, "b", "phone_number")
    assert str(r) == "row 3 [b] phone_number: 6-16 digits (got '72')"
