"""A small fault campaign over real HTTP: faults may cost runs, never a row (bench/faults.py in full)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.campaign import run_campaign

pytestmark = pytest.mark.xdist_group("faults")

SMALL = {"agents": 4, "calls_scale": 0.05, "rate": 0.55, "seed": 3, "max_runs": 12}


def _assert_nothing_lost(tmp_path: Path, cut_target: str, days: int, min_faults: int) -> None:
    res = run_campaign(tmp_path, cut_target=cut_target, days=days, **SMALL)  # type: ignore[arg-type]
    assert res.faults_injected >= min_faults, res.faults
    assert len([k for k, n in res.faults.items() if n]) >= 10, res.faults  # (nearly) every kind fired
    assert not res.unfinished, res.unfinished
    d = res.diff
    assert d.partitions > 20 * days and d.rows_clean > 1000
    assert (d.rows_lost, d.rows_duplicated, d.partitions_differing) == (0, 0, 0), d.differing


def test_fault_campaign_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    """Every fault kind on every endpoint; bodies cut short (HTTP 200, consistent length) on
    the goAPI JSON/XML formats, whose parsers prove completeness."""
    _assert_nothing_lost(tmp_path, "goapi", 2, 150)


def test_fault_campaign_with_text_bodies_cut_loses_nothing(tmp_path: Path) -> None:
    """Bodies cut on every format, VICIdial text too: a cut at a row boundary is caught by a
    completeness invariant (TOTAL row), a second view (CrossCheck) or asking again (Confirm)."""
    _assert_nothing_lost(tmp_path, "*", 1, 60)


def test_cut_kinds_cut_at_a_line_boundary_or_inside_a_line() -> None:
    from simulator.faults import FaultInjector, cut_body

    body = b"".join(b"row|%d|value\n" % i for i in range(50)) + b"TOTAL|50\n"
    inj = FaultInjector("*:cut_line,*:cut_inline", seed=1)
    line = inj.decide("x")
    assert line is not None and line.kind == "cut_line"
    for at in (0.0, 0.01, 0.37, 0.99, 1.0):
        cut = cut_body(type(line)("cut_line", "r", {"at": at}), body)
        assert cut.endswith(b"\n") and len(cut) < len(body) and body.startswith(cut)
        inside = cut_body(type(line)("cut_inline", "r", {"at": at}), body)
        assert not inside.endswith(b"\n") and len(inside) < len(body) and body.startswith(inside)
    assert cut_body(type(line)("cut_line", "r", {"at": 0.5}), b'{"a": 1}') == b'{"a"'  # one line: inside it
