"""The semantic layer (dbt_project/models/semantic): MetricFlow metrics for the glossary KPIs.

`dbt parse` validates the semantic models itself; the manifest is checked against the glossary
(every rate a ratio of two sums whose parts are the glossary's numerator and denominator, on the
rows where both are reported). Then `mf query` runs on the analyst dev file of a real one-day
croco-dial sync (the fixture of tests/test_analyst_dbt.py): a rate grouped by the mart's grain
equals the bi view's column, and grouped by day alone equals Σ numerator / Σ denominator of the
view - a ratio of sums, not the average of the rows' rates.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from test_analyst_dbt import _clean_env, _dbt, workdir  # noqa: F401  (workdir: the module fixture)

pytestmark = pytest.mark.xdist_group("semantic_layer")

# glossary KPI -> (semantic model, numerator, denominator), as KPI_GLOSSARY.md writes the formula
GLOSSARY: dict[str, tuple[str, str, str]] = {
    "occupancy": ("agent_daily", "handle_seconds", "(handle_seconds + available_seconds)"),
    "utilization": ("agent_daily", "handle_seconds", "login_seconds"),
    "agent_aht_seconds": ("agent_daily", "handle_seconds", "calls_handled"),
    "calls_per_hour": ("agent_daily", "calls_handled", "(login_seconds / 3600.0)"),
    "sales_per_hour": ("agent_daily", "sales", "(login_seconds / 3600.0)"),
    "agent_conversion_rate": ("agent_daily", "sales", "contacts"),
    "pause_share": ("agent_daily", "pause_seconds", "login_seconds"),
    "drop_rate": ("campaign_daily", "drops", "outbound_human_answered"),
    "tsr_abandon_rate": ("campaign_daily", "tsr_abandoned", "outbound_human_answered"),
    "contact_rate": ("campaign_daily", "outbound_contacts", "dials"),
    "conversion_rate": ("campaign_daily", "sales", "contacts"),
    "outbound_conversion_rate": ("campaign_daily", "outbound_sales", "outbound_contacts"),
    "inbound_conversion_rate": ("campaign_daily", "inbound_sales", "inbound_contacts"),
    "campaign_avg_talk_seconds": ("campaign_daily", "talk_seconds", "handled_calls"),
    "campaign_aht_seconds": ("campaign_daily", "handle_seconds", "handled_calls"),
    "calls_per_agent_hour": ("campaign_daily", "handled_calls", "agent_hours"),
    "asa_seconds": ("inbound_queue_daily", "answered_queue_seconds", "handled_calls"),
    "service_level": ("inbound_queue_daily", "answered_within_sl_calls", "offered_calls"),
    "service_level_excl_short": ("inbound_queue_daily", "answered_within_sl_calls",
                                 "(offered_calls - short_abandoned_calls)"),
    "abandon_rate": ("inbound_queue_daily", "abandoned_calls", "offered_calls"),
    "abandon_rate_excl_short": ("inbound_queue_daily", "(abandoned_calls - short_abandoned_calls)",
                                "(offered_calls - short_abandoned_calls)"),
    "abandon_rate_dialer": ("inbound_queue_daily", "dialer_abandoned_calls", "inbound_calls"),
    "queue_avg_talk_seconds": ("inbound_queue_daily", "talk_seconds", "handled_calls"),
}
# 30-day compliance: ratio of two 30-day cumulative sums of campaign-day measures
ROLLING = {"abandon_rate_30d": ("tsr_abandoned", "outbound_human_answered"),
           "drop_rate_30d": ("drops", "outbound_human_answered")}

# mf metric -> bi column, per fact, with the entity that is the bi view's key
BY_GRAIN = {
    "agent_daily": ("agent", "agent_key", {"occupancy": "occupancy", "utilization": "utilization",
                                           "agent_aht_seconds": "aht_seconds", "calls_per_hour": "calls_per_hour",
                                           "sales_per_hour": "sales_per_hour",
                                           "agent_conversion_rate": "conversion_rate", "pause_share": "pause_share"}),
    "campaign_daily": ("campaign", "campaign_key", {"drop_rate": "drop_rate", "tsr_abandon_rate": "tsr_abandon_rate",
                                                    "contact_rate": "contact_rate",
                                                    "conversion_rate": "conversion_rate",
                                                    "outbound_conversion_rate": "outbound_conversion_rate",
                                                    "campaign_avg_talk_seconds": "avg_talk_seconds",
                                                    "calls_per_agent_hour": "calls_per_agent_hour",
                                                    "list_penetration": "list_penetration"}),
    "inbound_queue_daily": ("in_group", "in_group_key", {"asa_seconds": "asa_seconds",
                                                         "service_level": "service_level",
                                                         "service_level_excl_short": "service_level_excl_short",
                                                         "abandon_rate": "abandon_rate",
                                                         "abandon_rate_excl_short": "abandon_rate_excl_short",
                                                         "abandon_rate_dialer": "abandon_rate_dialer",
                                                         "queue_avg_talk_seconds": "avg_talk_seconds"}),
    "campaign_abandon_30d": ("campaign", "campaign_key", {"abandon_rate_30d": "abandon_rate_30d",
                                                          "drop_rate_30d": "drop_rate_30d"}),
}


# fct_campaign_daily computes calls_per_agent_hour from unrounded agent hours but publishes
# agent_hours rounded to 4 decimals (0.36 s): the metric sums the published column
TOLERANCE = {"calls_per_agent_hour": 1e-4}


def _norm(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().lower()


@pytest.fixture(scope="module")
def manifest(workdir: Path) -> dict:  # noqa: F811
    proc = _dbt(workdir, "parse")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads((workdir / "dbt_project" / "target" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def built(workdir: Path) -> Path:  # noqa: F811
    proc = _dbt(workdir, "build")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return workdir / "dbt_project" / "target" / "dev.duckdb"


def _mf(workdir: Path, metrics: list[str], group_by: list[str]) -> list[dict[str, str]]:  # noqa: F811
    out = workdir / f"mf_{'_'.join(group_by)}_{metrics[0]}.csv"
    exe = Path(sys.executable).with_name("mf")
    proc = subprocess.run([str(exe), "query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by),
                           "--csv", str(out)], cwd=workdir / "dbt_project", env=_clean_env(workdir / "home"),
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0 and out.exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    with out.open(newline="") as f:
        return list(csv.DictReader(f))


def _num(v: str | None) -> float | None:
    return None if v in (None, "") else float(v)


def test_dbt_parse_writes_semantic_models_metrics_and_time_spine(manifest: dict) -> None:
    models = {m["name"]: m for m in manifest["semantic_models"].values()}
    assert {"agent_daily", "campaign_daily", "inbound_queue_daily", "agents", "campaigns"} <= set(models)
    metrics = {m["name"]: m for m in manifest["metrics"].values()}
    assert set(GLOSSARY) | set(ROLLING) | {"list_penetration"} <= set(metrics)
    for sm in ("agent_daily", "campaign_daily", "inbound_queue_daily"):
        dims = {d["name"]: d for d in models[sm]["dimensions"]}
        assert dims["activity_date"]["type"] == "time"
        assert dims["activity_date"]["type_params"]["time_granularity"] == "day"
        assert models[sm]["defaults"]["agg_time_dimension"] == "activity_date"
    assert {m["name"]: m["depends_on"]["nodes"] for m in models.values()}["agent_daily"] == [
        "model.dialsync.fct_agent_daily"]
    spine = next(n for n in manifest["nodes"].values() if n["name"] == "metricflow_time_spine")
    assert spine["time_spine"]["standard_granularity_column"] == "date_day"


def test_each_metric_is_the_glossary_formula_as_a_ratio_of_sums(manifest: dict) -> None:
    metrics = {m["name"]: m for m in manifest["metrics"].values()}
    measures = {ms["name"]: (sm["name"], ms) for sm in manifest["semantic_models"].values() for ms in sm["measures"]}
    assert not [n for n, (_, ms) in measures.items() if ms["agg"] not in ("sum", "count", "count_distinct")]

    def simple_measure(metric_name: str) -> tuple[str, dict]:
        m = metrics[metric_name]
        assert m["type"] == "simple", metric_name
        return measures[m["type_params"]["measure"]["name"]]

    for name, (sm, num, den) in GLOSSARY.items():
        m = metrics[name]
        assert m["type"] == "ratio", name
        (num_sm, num_ms), (den_sm, den_ms) = (simple_measure(m["type_params"][p]["name"])
                                              for p in ("numerator", "denominator"))
        assert (num_sm, den_sm) == (sm, sm), name
        assert num_ms["agg"] == den_ms["agg"] == "sum", name
        # both parts on the rows where both are reported: the rows the mart's own rate is defined on
        assert _norm(num_ms["expr"]) == _norm(f"case when {den} is not null then {num} end"), name
        assert _norm(den_ms["expr"]) == _norm(f"case when {num} is not null then {den} end"), name

    for name, (num, den) in ROLLING.items():
        m = metrics[name]
        assert m["type"] == "ratio", name
        for part, col in (("numerator", num), ("denominator", den)):
            cum = metrics[m["type_params"][part]["name"]]
            assert cum["type"] == "cumulative", name
            assert cum["type_params"]["cumulative_type_params"]["window"] == {"count": 30, "granularity": "day"}
            sm, ms = measures[cum["type_params"]["measure"]["name"]]
            assert (sm, ms["agg"], _norm(ms["expr"])) == ("campaign_daily", "sum", col), name


def test_mf_rates_by_the_mart_grain_equal_the_bi_views(workdir: Path, built: Path) -> None:  # noqa: F811
    # mf opens the dev file read-write (dbt-duckdb): every query runs before the test reads the file
    answers = {view: _mf(workdir, list(pairs), ["metric_time__day", entity])
               for view, (entity, _, pairs) in BY_GRAIN.items()}
    con = duckdb.connect(str(built), read_only=True)
    try:
        for view, (entity, key, pairs) in BY_GRAIN.items():
            got = {(r["metric_time__day"][:10], r[entity]): r for r in answers[view]}
            cols = ", ".join(pairs.values())
            bi = con.execute(f"select cast(activity_date as varchar), {key}, {cols} from bi.{view}").fetchall()
            assert bi, view
            figures = dict.fromkeys(pairs, 0)
            for day, k, *values in bi:
                row = got[(day, k)]
                for metric, value in zip(pairs, values, strict=True):
                    expected = None if value is None else pytest.approx(value, rel=TOLERANCE.get(metric, 1e-9))
                    assert _num(row[metric]) == expected, (view, metric, day, k)
                    figures[metric] += value is not None
            assert all(figures.values()), (view, figures)  # every metric compared on real figures, not NULLs
    finally:
        con.close()


def test_mf_rate_by_day_is_a_ratio_of_sums(workdir: Path, built: Path) -> None:  # noqa: F811
    rows = _mf(workdir, ["abandon_rate", "contact_rate", "occupancy"], ["metric_time__day"])
    got = {r["metric_time__day"][:10]: r for r in rows}
    con = duckdb.connect(str(built), read_only=True)
    try:
        expected = con.execute("""
            select cast(q.activity_date as varchar), q.abandon_rate, c.contact_rate, a.occupancy, q.n
            from (select activity_date, count(*) as n,
                         sum(abandoned_calls) / nullif(sum(offered_calls), 0) as abandon_rate
                  from bi.inbound_queue_daily group by 1) q
            join (select activity_date, sum(outbound_contacts) / nullif(sum(dials), 0) as contact_rate
                  from bi.campaign_daily group by 1) c using (activity_date)
            join (select activity_date,
                         sum(handle_seconds) filter (where available_seconds is not null)
                         / nullif(sum(handle_seconds + available_seconds), 0) as occupancy
                  from bi.agent_daily group by 1) a using (activity_date)
        """).fetchall()
    finally:
        con.close()
    assert expected
    figures = 0
    for day, *rates, queues in expected:
        assert queues > 1  # several queues a day: the day's rate is not one row's
        for metric, value in zip(("abandon_rate", "contact_rate", "occupancy"), rates, strict=True):
            assert _num(got[day][metric]) == (None if value is None else pytest.approx(value, rel=1e-9)), (day, metric)
        figures += all(v is not None for v in rates)
    assert figures  # a day with all three figures
