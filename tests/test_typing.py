"""extract.typing: ColType conversions, DST rule, drift, stable schemas, lineage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from extract.errors import ParseError
from extract.parsers import goapi, vicidial
from extract.registry import TABLE_SPECS
from extract.typing import (
    LINEAGE_NAMES,
    Drift,
    add_lineage,
    cast_table,
    convert,
    empty_table,
    epoch_seconds,
    local_to_utc,
    resolve_local,
    typed_schema,
)

DATA = Path(__file__).parent / "data" / "responses"
NY = "America/New_York"


def s(*values: str | None) -> pa.Array:
    return pa.array(list(values), pa.string())


def test_seconds_formats() -> None:
    got = convert(s("01:02:03", "1:02:03", "83:45", "0:00:00", "5023", "", "null", None, " 12 ",
                    "-0:00:05", "100:00:00"), "seconds").to_pylist()
    assert got == [3723, 3723, 5025, 0, 5023, None, None, None, 12, -5, 360000]


@pytest.mark.parametrize("bad", ["1:75", "1:60:00", "12.5", "abc", "1::2", "1:2:3:4"])
def test_seconds_rejects_bad_values_naming_table_field_rule(bad: str) -> None:
    with pytest.raises(ParseError) as info:
        convert(s("0:00:01", bad), "seconds", "agent_cdr", "call_duration")
    msg = str(info.value)
    assert "agent_cdr.call_duration" in msg and repr(bad) in msg and "HH:MM:SS" in msg


def test_pct_int_float_bool_date() -> None:
    pct = convert(s("16.7%", "100%", "0%", "48.2", "", None), "pct").to_pylist()
    assert pct[:4] == pytest.approx([0.167, 1.0, 0.0, 0.482]) and pct[4:] == [None, None]
    assert convert(s("42", "-3", "", "NULL"), "int").to_pylist() == [42, -3, None, None]
    assert convert(s("67.78", "1e3", ".5", "3"), "float").to_pylist() == [67.78, 1000.0, 0.5, 3.0]
    assert convert(s("true", "false", None, "Y"), "bool").to_pylist() == [True, False, None, True]
    assert convert(s("2025-05-28", "0000-00-00", ""), "date").to_pylist() == [
        dt.date(2025, 5, 28), None, None]
    assert convert(s("a", "", None), "str").to_pylist() == ["a", None, None]
    for ctype, bad in (("int", "4.0"), ("float", "1,5"), ("pct", "x%"), ("date", "2025-13-01"),
                       ("datetime", "2025-05-02"), ("bool", "maybe"), ("int", "99999999999999999999")):
        with pytest.raises(ParseError, match=r"t\.f"):
            convert(s(bad), ctype, "t", "f")  # type: ignore[arg-type]


def test_datetime_and_zero_dates() -> None:
    got = convert(s("2025-05-02 06:58:53", "0000-00-00 00:00:00", None, "2025-05-08 15:28:54.000000",
                    "2025-05-08T15:28:54.25"), "datetime")
    assert got.type == pa.timestamp("us")
    assert got.to_pylist() == [dt.datetime(2025, 5, 2, 6, 58, 53), None, None,
                               dt.datetime(2025, 5, 8, 15, 28, 54), dt.datetime(2025, 5, 8, 15, 28, 54, 250000)]
    for bad in ("2025-05-02 6:58:53", "2025-02-30 10:00:00", "2025-05-02 06:58:53.1234567"):
        with pytest.raises(ParseError, match="datetime"):
            convert(s(bad), "datetime")


def _zoneinfo_utc(local: dt.datetime, tz: str) -> dt.datetime:
    return local.replace(tzinfo=ZoneInfo(tz), fold=0).astimezone(dt.UTC).replace(tzinfo=None)


@pytest.mark.parametrize("tz", [NY, "Europe/Berlin", "America/Mexico_City", "UTC"])
def test_local_to_utc_matches_zoneinfo_fold0_across_dst(tz: str) -> None:
    locals_ = []
    for day in (dt.datetime(2025, 3, 9), dt.datetime(2025, 11, 2), dt.datetime(2025, 3, 30),
                dt.datetime(2025, 10, 26), dt.datetime(2025, 7, 1)):
        locals_ += [day + dt.timedelta(minutes=m) for m in range(0, 4 * 60, 7)]
    got = local_to_utc(pa.array(locals_, pa.timestamp("us")), tz)
    assert got.type == pa.timestamp("us", tz="UTC")
    want = [_zoneinfo_utc(x, tz) for x in locals_]
    assert [x.replace(tzinfo=None) for x in got.to_pylist()] == want


def test_dst_rule_examples_new_york() -> None:
    got = local_to_utc(pa.array([dt.datetime(2025, 3, 9, 2, 30), dt.datetime(2025, 11, 2, 1, 30),
                                 None], pa.timestamp("us")), NY).to_pylist()
    assert got[0] == dt.datetime(2025, 3, 9, 7, 30, tzinfo=dt.UTC)    # gap: pre-transition offset
    assert got[1] == dt.datetime(2025, 11, 2, 5, 30, tzinfo=dt.UTC)   # ambiguous: first (EDT)
    assert got[2] is None
    with pytest.raises(ValueError):
        local_to_utc(pa.array([dt.datetime(2025, 1, 1)], pa.timestamp("us")), "Mars/Olympus")


def test_cast_outbound_cdr_types_and_utc_columns() -> None:
    raw = goapi.outbound_cdr((DATA / "goapi_outbound_cdr.json").read_bytes(), "json")
    t, drift = cast_table(raw["outbound_cdr"], "outbound_cdr", NY)
    assert not drift
    names = t.column_names
    assert names[:2] == ["call_date", "call_date_utc"] and names[-1] == "_source_row"
    assert names.index("entry_date_utc") == names.index("entry_date") + 1
    r = t.to_pylist()[1]
    assert r["queue_time"] == 37 and r["lead_id"] == 222222222 and r["list_id"] == "33333333333333"
    assert r["call_date_utc"] == dt.datetime(2025, 5, 2, 10, 58, 54, tzinfo=dt.UTC)


def test_cast_agent_stats_export_pct_and_durations() -> None:
    raw = vicidial.agent_stats_export(DATA / "vicidial_agent_stats_export_doc.pipe", "pipe")
    t, drift = cast_table(raw["agent_stats_export"], "agent_stats_export", NY)
    assert drift == Drift()  # documented form: the real-only columns are optional
    r = t.to_pylist()[0]
    assert r["login_time"] == 112 and r["pct_of_queue"] == pytest.approx(0.167)
    assert r["wait_time"] is None and r["campaign_id"] is None


def test_drift_new_and_missing_fields_and_stable_schema() -> None:
    a = pa.table({"calldate": s("2025-05-28"), "total_calls": s("5"), "brand_new": s("x"),
                  "_source_row": pa.array([0], pa.int64())})
    t, drift = cast_table(a, "inbound_summary_stats", NY)
    assert drift.new_fields == ("brand_new",)
    assert set(drift.missing_fields) == set(TABLE_SPECS["inbound_summary_stats"].columns) - {"calldate", "total_calls"}
    assert t.column_names[-2:] == ["brand_new", "_source_row"]
    assert t["abandon1"].type == pa.int64() and t["abandon1"].to_pylist() == [None]
    full = goapi.inbound_summary_stats((DATA / "goapi_inbound_summary_stats.json").read_bytes(), "json")
    t2, d2 = cast_table(full["inbound_summary_stats"], "inbound_summary_stats", NY)
    assert not d2
    assert t2.schema == t.drop_columns(["brand_new"]).schema


def test_bad_value_in_partition_raises_not_null() -> None:
    a = pa.table({"calldate": s("2025-05-28"), "total_calls": s("lots"),
                  "_source_row": pa.array([0], pa.int64())})
    with pytest.raises(ParseError, match=r"inbound_summary_stats\.total_calls.*'lots'"):
        cast_table(a, "inbound_summary_stats", NY)


@pytest.mark.parametrize("table", sorted(TABLE_SPECS))
def test_empty_table_schema_and_grain(table: str) -> None:
    e = empty_table(table)
    assert e.num_rows == 0 and tuple(e.column_names[-5:]) == LINEAGE_NAMES
    assert e.schema == typed_schema(table)
    assert set(TABLE_SPECS[table].grain) <= set(e.column_names)
    # typing a zero-row parser table gives the same data columns
    t, _ = cast_table(pa.table({"_source_row": pa.array([], pa.int64())}), table, NY)
    assert t.schema.names == [n for n in e.schema.names if n not in LINEAGE_NAMES[:-1]]


def test_add_lineage_matches_empty_table_schema() -> None:
    raw = goapi.outbound_cdr((DATA / "goapi_outbound_cdr.json").read_bytes(), "json")
    t, _ = cast_table(raw["outbound_cdr"], "outbound_cdr", NY)
    at = dt.datetime(2025, 5, 3, 1, 2, 3, tzinfo=dt.UTC)
    out = add_lineage(t, "east", "outbound_cdr", dt.date(2025, 5, 2), at)
    assert out.schema == empty_table("outbound_cdr").schema
    r = out.to_pylist()[0]
    assert (r["_instance"], r["_endpoint"], r["_partition_date"], r["_extracted_at"], r["_source_row"]) == (
        "east", "outbound_cdr", dt.date(2025, 5, 2), at, 0)
    with pytest.raises(ValueError):
        add_lineage(t, "east", "x", dt.date(2025, 5, 2), dt.datetime(2025, 5, 3))


@pytest.mark.parametrize("name", ["outbound_cdr", "inbound_cdr", "agent_cdr", "agent_report",
                                  "agent_calls_report", "pause_report", "inbound_summary_stats",
                                  "agent_summary_stats", "users", "portfolios", "profiles",
                                  "campaigns", "calltimes", "hopper"])
def test_every_document_example_types_without_drift(name: str) -> None:
    from extract.registry import ENDPOINTS
    ep = next(e for e in ENDPOINTS if e.parse.__name__ == name)
    for table_name, table in ep.parse((DATA / f"goapi_{name}.json").read_bytes(), "json").items():
        typed, drift = cast_table(table, table_name, NY)
        assert not drift, (table_name, drift)
        assert typed.num_rows == table.num_rows


def _epoch(local: dt.datetime, fold: int) -> int:
    return int(local.replace(tzinfo=ZoneInfo(NY), fold=fold).timestamp())


def test_repeated_hour_takes_the_occurrence_of_the_rows_epoch() -> None:
    """01:xx on fall-back day happens twice; the row's uniqueid epoch says which one."""
    first, second = dt.datetime(2025, 11, 2, 1, 30), dt.datetime(2025, 11, 2, 1, 10)
    walls = [first, second, second, dt.datetime(2025, 11, 2, 3, 0), None]
    epochs = [_epoch(first, 0) - 4, _epoch(second, 1) - 20, None, _epoch(dt.datetime(2025, 11, 2, 3, 0), 0), None]
    utc, flag = resolve_local(pa.array(walls, pa.timestamp("us")), NY, pa.array(epochs, pa.int64()))
    got = [x.timestamp() if x else None for x in utc.to_pylist()]
    assert got == [_epoch(first, 0), _epoch(second, 1), _epoch(second, 0), epochs[3], None]
    # resolved rows and unambiguous ones are not flagged; the one without an epoch is
    assert flag.to_pylist() == [False, False, True, False, None]


def test_an_epoch_far_from_both_readings_resolves_nothing() -> None:
    wall = dt.datetime(2025, 11, 2, 1, 30)
    utc, flag = resolve_local(pa.array([wall], pa.timestamp("us")), NY,
                              pa.array([_epoch(wall, 1) + 3 * 3600], pa.int64()))
    assert utc.to_pylist()[0].timestamp() == _epoch(wall, 0) and flag.to_pylist() == [True]


def test_without_an_epoch_the_repeated_hour_is_first_occurrence_and_flagged() -> None:
    walls = [dt.datetime(2025, 11, 2, 1, 30), dt.datetime(2025, 11, 2, 0, 59), dt.datetime(2025, 3, 9, 2, 30)]
    utc, flag = resolve_local(pa.array(walls, pa.timestamp("us")), NY)
    assert [x.replace(tzinfo=None) for x in utc.to_pylist()] == [_zoneinfo_utc(w, NY) for w in walls]
    assert flag.to_pylist() == [True, False, False]  # the skipped hour is not ambiguous


def test_epoch_seconds_reads_the_uniqueid_prefix() -> None:
    got = epoch_seconds(pa.array(["1762061400.000123", "1762061400", " 1762061400.5 ", "abc", "", None, "12.3"]))
    assert got.to_pylist() == [1762061400, 1762061400, 1762061400, None, None, None, None]


def test_cast_table_resolves_inbound_cdr_by_uniq1_and_flags_outbound_cdr() -> None:
    second = dt.datetime(2025, 11, 2, 1, 10)
    uid = f"{_epoch(second, 1)}.000042"
    inbound = pa.table({"call_date": ["2025-11-02 01:10:00"], "enter_on_queue": ["2025-11-02 01:10:05"],
                        "uniq1": [uid], "_source_row": pa.array([0], pa.int64())})
    t, _ = cast_table(inbound, "inbound_cdr", NY)
    r = t.to_pylist()[0]
    assert r["call_date_utc"].timestamp() == _epoch(second, 1)
    assert r["enter_on_queue_utc"].timestamp() == _epoch(second, 1) + 5
    assert r["call_date_ambiguous"] is False and r["enter_on_queue_ambiguous"] is False
    outbound = pa.table({"call_date": ["2025-11-02 01:10:00", "2025-11-02 09:00:00"],
                         "_source_row": pa.array([0, 1], pa.int64())})
    t, _ = cast_table(outbound, "outbound_cdr", NY)
    assert t["call_date_ambiguous"].to_pylist() == [True, False]
    assert t["entry_date_ambiguous"].to_pylist() == [None, None]
    assert t.schema.names.index("call_date_ambiguous") == t.schema.names.index("call_date_utc") + 1
