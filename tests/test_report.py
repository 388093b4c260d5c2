"""The HTML report on a hand-made warehouse: every check's verdict, escaping, and a bi view that lost a
column (another change to the marts) named in one line instead of a traceback.

The demo warehouse rendered in Chromium is tested in tests/test_demo.py."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dialsync.cli import app
from dialsync.report import build_report

EVIL = "<script>alert(1)</script>"


def make_warehouse(path: Path, *, agent_sales: bool = True, unclassified: bool = True) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema bi; create schema ops")
    con.execute("""create table bi.campaign_daily as select * from (values
        (1, 'acme', date '2025-05-01', 'C1', 100, 5, 40, 30, 3),
        (1, 'acme', date '2025-05-02', 'C1', 120, 7, 50, 35, 4),
        (2, 'acme', date '2025-05-02', 'C2', 80, 0, 20, 10, 1))
        t(campaign_key, instance, activity_date, campaign, dials, inbound_calls, human_answered, contacts, sales)""")
    con.execute(f"""create table bi.campaigns as select * from (values (1, 'C1', '{EVIL}'), (2, 'C2', 'Two'))
                    t(campaign_key, campaign, campaign_name)""")
    sales = ", 2 as sales" if agent_sales else ""
    con.execute(f"""create table bi.agent_daily as select 'acme' as instance, date '2025-05-02' as activity_date,
                    'agent1' as agent_user, 3600 as login_seconds, 20 as calls_handled{sales}""")
    con.execute("""create table bi.campaign_abandon_30d as select * from (values
        (1, 'acme', 'C1', date '2025-05-01', 0.02, 0.03, false),
        (1, 'acme', 'C1', date '2025-05-02', 0.031, 0.03, true),
        (2, 'acme', 'C2', date '2025-05-02', 0.01, 0.03, false))
        t(campaign_key, instance, campaign, activity_date, abandon_rate_30d, abandon_limit, is_breach)""")
    con.execute("""create table bi.disposition_daily as select * from (values
        (date '2025-05-02', 'C1', 'SALE', 4, 4, true, true),
        (date '2025-05-02', 'C1', 'NA', 40, 37, true, false))
        t(activity_date, campaign, status_code, calls_reported, calls_in_fct_calls, row_sum_matches, is_match)""")
    con.execute("""create table ops.sync_ledger as select * from (values
        ('acme', 'outbound_cdr', '2025-05-01', 'success', null),
        ('acme', 'outbound_cdr', '2025-05-02', 'success', null),
        ('acme', 'agent_cdr', '2025-05-01', 'success', null),
        ('acme', 'agent_cdr', '2025-05-02', 'failed', 'DialerHTTPError: 503 <b>busy</b>'),
        ('acme', 'pause_report', '2025-05-02', 'success', null))
        t(instance, endpoint, partition_date, status, error)""")
    if unclassified:
        con.execute("create table bi.unclassified_statuses as select 'acme' as instance, 'C1' as campaign, "
                    "'ZZTOP' as status_code, 9 as calls")
    con.close()
    return path


def _check(html: str, name: str) -> str:
    m = re.search(r'<div class="check (\w+)"><span class="badge">[^<]*</span> <b>' + re.escape(name) + r"</b>"
                  r" — ([^<]*)", html)
    assert m, name
    return f"{m.group(1)}: {m.group(2)}"


def test_checks_report_what_the_warehouse_knows(tmp_path: Path) -> None:
    rep = build_report(make_warehouse(tmp_path / "w.duckdb"), days=30)
    assert rep.problems == []
    assert (rep.start, rep.end) == (rep.start.fromisoformat("2025-05-01"), rep.end.fromisoformat("2025-05-02"))
    html = rep.html
    assert _check(html, "call_dispo_report vs call records").startswith("attention: 1 of 2")
    assert _check(html, "sync ledger: failed partitions").startswith("attention: 1 partitions failed")
    assert "503 &lt;b&gt;busy&lt;/b&gt;" in html
    # pause_report was only pulled on 05-02, inside the span of acme's daily pulls: 05-01 was never pulled
    assert _check(html, "sync ledger: missing daily partitions").startswith("attention: 1 (instance")
    assert "<td>pause_report</td><td>2025-05-01</td>" in html
    assert _check(html, "statuses no rule classifies").startswith("attention: 1 unclassified")
    assert _check(html, "30-day abandonment within the limit").startswith("attention: over the limit")
    assert "<b>312</b> calls" in html and "<b>8</b> sales" in html  # 100+5 + 120+7 + 80, 3+4+1


def test_every_value_is_escaped(tmp_path: Path) -> None:
    html = build_report(make_warehouse(tmp_path / "w.duckdb")).html
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # the page's own chart check only


def test_a_missing_column_or_view_is_named_not_a_traceback(tmp_path: Path) -> None:
    rep = build_report(make_warehouse(tmp_path / "w.duckdb", agent_sales=False, unclassified=False))
    assert len(rep.problems) == 1
    assert "agent scorecard: bi.agent_daily has no column 'sales'" in rep.problems[0]
    assert "chart-calls" in rep.charts and "chart-agents" not in rep.charts  # the other sections still render
    assert _check(rep.html, "statuses no rule classifies").startswith("na: this warehouse has no")


def test_cli_report_writes_the_file_and_exits_1_naming_the_column(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    make_warehouse(data / "dialsync.duckdb", agent_sales=False)
    monkeypatch.delenv("DIALSYNC_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "r.html")],
                             env={"DIALSYNC_DATA_DIR": str(data), "COLUMNS": "250"})
    assert res.exit_code == 1
    assert "bi.agent_daily has no column 'sales'" in res.output and "Traceback" not in res.output
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")
    res = CliRunner().invoke(app, ["report"], env={"DIALSYNC_DATA_DIR": str(tmp_path / "none")})
    assert res.exit_code == 1 and "no warehouse at" in res.output
