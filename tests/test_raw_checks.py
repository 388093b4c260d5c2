"""The raw assets' checks on partitions in a real Parquet lake: each passes on consistent days
and fails, naming the day and the numbers, on the day planted wrong. They read only the columns
they need (and row counts from the footers), so the planted tables carry extra columns they
must not trip on, and miss some they must tolerate."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from dialsync.service.sync import SyncResult
from extract.registry import endpoint
from orchestration import checks
from warehouse.lake import Lake

GOOD, BAD = "2025-05-12", "2025-05-13"


def _written(lake: Lake, ep_name: str, tables: dict[str, dict[str, dict[str, list]]],
             before: checks.LedgerRow | None = None) -> list[checks.Written]:
    """Write each day's tables of ``ep_name`` and the `Written` the step would hand the checks."""
    out = []
    for day, per_table in tables.items():
        written = lake.write("crocodial", "acme", day, {t: pa.table(cols) for t, cols in per_table.items()},
                             group=ep_name)
        result = SyncResult("acme", ep_name, day, "success", rows={w.table: w.rows for w in written})
        out.append(checks.Written(result, before))
    return out


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


def test_outbound_cdr_rows_must_add_up_to_the_summary(lake: Lake) -> None:
    ep = endpoint("outbound_cdr")
    cdr = {"uniqueid": ["a", "b", "c"], "dst": ["1", "2", "3"], "disposition": ["SALE", "NI", "A"]}
    written = _written(lake, ep.name, {
        GOOD: {"outbound_cdr": cdr, "outbound_cdr_summary": {"campaign": ["C1", "C2"], "total_calls": [2, 1]}},
        BAD: {"outbound_cdr": cdr, "outbound_cdr_summary": {"campaign": ["C1"], "total_calls": [5]}},
    })
    [c] = ep.checks
    res = checks.summary_count_result(ep, c, written, lake)
    assert not res.passed and res.severity.value == "ERROR"
    assert res.metadata["mismatches"].value == {f"acme/{BAD}": {"rows": 3, "summary_total_calls": 5.0}}
    assert checks.summary_count_result(ep, c, written[:1], lake).passed


def test_agent_report_summary_row_must_equal_the_sum_of_users(lake: Lake) -> None:
    ep = endpoint("agent_report")
    users = {"user": ["u1", "u2"], "talk": [100, 50], "total_calls": [3, 2], "extra": ["x", "y"]}
    written = _written(lake, ep.name, {
        GOOD: {"agent_report": users,
               "agent_report_summary": {"type": ["Summary", "Average"], "talk": [150, 75], "total_calls": [5, 2]}},
        BAD: {"agent_report": users,
              "agent_report_summary": {"type": ["Summary"], "talk": [400], "total_calls": [5]}},
    })
    [c] = ep.checks
    res = checks.summary_row_sums_result(ep, c, written, lake)
    assert not res.passed
    assert res.metadata["mismatches (sum of rows, Summary)"].value == {f"acme/{BAD}": {"talk": [150.0, 400.0]}}


def test_an_empty_day_fails_when_another_report_of_it_had_activity(lake: Lake) -> None:
    ep = endpoint("agent_report")
    lake.write("crocodial", "acme", BAD, {"agent_stats_export": pa.table({"user": ["u1", "u2"]})},
               group="agent_stats_export")
    empty = {"agent_report": {"user": pa.array([], pa.string())},
             "agent_report_summary": {"type": pa.array([], pa.string())}}
    written = _written(lake, ep.name, {GOOD: empty, BAD: empty})
    res = checks.empty_result(ep, written, lake)
    assert not res.passed
    assert res.metadata["empty_with_activity"].value == {f"acme/{BAD}": "agent_stats_export has 2 rows for that day"}
    assert res.metadata["empty_partitions"].value == 2


def test_statuses_no_one_classified_are_counted_per_call(lake: Lake) -> None:
    ep = endpoint("outbound_cdr")
    cdr = {"uniqueid": ["a", "b", "c", "d"], "disposition": ["SALE", "ZZTOP", "ZZTOP", None]}
    written = _written(lake, ep.name, {
        BAD: {"outbound_cdr": cdr, "outbound_cdr_summary": {"total_calls": [4]}}})
    res = checks.unclassified_result(ep, written, lake, None)
    assert not res.passed and res.severity.value == "WARN"
    assert res.metadata["calls_by_status"].value == {"ZZTOP": 2}
