"""How a long build is cut into dbt invocations (`warehouse.dbt.batched`); that the batches give
the same marts as one build is `test_reconciliation.test_rebuilds_give_identical_marts[batched]`."""

from __future__ import annotations

import itertools
from datetime import date

from warehouse.dbt import INCREMENTAL, PRODUCTION_BUILD, WHOLE_HISTORY, batched

YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def test_a_short_window_is_one_build() -> None:
    window = {"start_date": "2025-06-01", "end_date": "2025-06-04"}
    # a windowed build leaves the whole-history tests (the write-back view's) to full builds
    assert batched(PRODUCTION_BUILD, window, YEAR) == [([*PRODUCTION_BUILD, "--exclude", WHOLE_HISTORY], window)]
    assert batched(PRODUCTION_BUILD, None, None) == [(list(PRODUCTION_BUILD), None)]
    assert batched(["run", "--select", "fct_calls"], None, YEAR) == [(["run", "--select", "fct_calls"], None)]


def test_a_year_is_built_a_month_at_a_time_then_once_with_every_test() -> None:
    steps = batched(["build", "--full-refresh"], {"start_date": None, "end_date": None}, YEAR)
    assert len(steps) == 12  # 365 days in batches of 31
    first, *middle, last = steps
    # the first batch creates the incremental models (and what they read) with its days only
    assert first[0][:3] == ["build", "--select", f"+{INCREMENTAL}"] and "--full-refresh" in first[0]
    assert "test" in first[0] and first[1] == {"start_date": "2025-01-01", "end_date": "2025-01-31",
                                                "build_batch": True}
    assert all(cmd == ["run", "--select", INCREMENTAL] for cmd, _ in middle)
    # the last is the build asked for, incremental over the last batch: no full refresh left to undo the batches
    assert last == (["build"], {"start_date": "2025-12-08", "end_date": "2025-12-31", "full_tests": True})
    days = [(date.fromisoformat(v["start_date"]), date.fromisoformat(v["end_date"])) for _, v in steps]
    assert days[0][0] == YEAR[0] and days[-1][1] == YEAR[1]
    assert all((b[0] - a[1]).days == 1 for a, b in itertools.pairwise(days))  # no gap, no overlap


def test_the_window_asked_for_is_batched_not_the_lake() -> None:
    steps = batched(PRODUCTION_BUILD, {"start_date": "2025-03-01", "end_date": "2025-04-30"}, YEAR, batch_days=31)
    assert [v["start_date"] for _, v in steps] == ["2025-03-01", "2025-04-01"]
    assert steps[-1] == (list(PRODUCTION_BUILD), {"start_date": "2025-04-01", "end_date": "2025-04-30",
                                                  "full_tests": True})
