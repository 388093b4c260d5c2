"""Acceptance: the dbt marts equal the simulator's ground truth and the API's own summary rows, exactly.

The simulator misbehaves like a real call center (its default `call_center_quirks`): night
shifts cross midnight, finished days change later (callbacks dispositioned the next day, status
corrections, calls that finish after midnight), calls run through the DST repeated hour.

One pipeline run for the module, with `realism=real` (what production servers print): a croco-dial
instance (`croco`), a plain VICIdial instance (`vici`, non_agent_api only) and a Dialer360
instance (`d360`, `/adminpanel/api.php`, the 2017 generation) against one simulator with a fixed
clock; every endpoint synced for 5 full days (Wed 2025-05-07 .. Sun 2025-05-11) plus today's
snapshots through the real HTTP client, parsers, lake and raw views; then `runner.publish` (real
`dbt build` with every dbt test), a `--full-refresh` build, the same in batches of 2 days
(`warehouse.dbt.batched`, how a year is rebuilt) and a one-day restated incremental
build. The published DuckDB of the first build is read read-only; truth comes from
`SimulatorServer.truth`. Every instance classifies the world's campaign status APPSET (sale on
campaign 10000005) in its settings, as an operator would: no status is left unclassified.

Every comparison is an exact equality, for every measure the platform's reports carry (the
platform × measure table of the README). Where the truth's or a report's definition differs
from the mart's documented one (KPI_GLOSSARY.md), the documented relation is asserted instead:

- campaign `contacts` in truth `campaign_daily` are carrier-answered, non-AMD calls (agent-routed
  answering machines and after-hours inbound calls included). The mart's `human_answered` is the
  dialer's status flag (`human_answered` of the status, as VICIdial's call_status_stats counts
  it), so it is compared with the truth `calls` counted by the world's status flags (campaign
  statuses included); truth `contacts` is compared with fct_calls' own carrier disposition
  (inbound, or outbound answered and not AMD status AA). The mart's `contacts` (handled and
  contact status / sale / inbound) is compared with the truth calls by the same rule.
- truth `campaign_daily.drops` counts inbound DROPs of the campaign's in-groups too; the mart's
  `drops` are outbound (compliance): truth drops = mart drops + inbound DROP calls of fct_calls.
- truth `queue_daily.abandoned` (and inbound_summary_stats `abandon2`) count status DROP only;
  the mart's abandoned are "offered and no agent answered": DROP + TIMEOT + AFTHRS
  = truth abandoned + timeouts + after_hours; the ≤ 20 s / > 20 s split of those is compared with
  the truth calls (no agent, queue_seconds ≤ 20 / > 20).
- handled = an agent connected to a live person (KPI glossary): the mart's `calls_handled` /
  `handled_calls` equal the truth's `handled` (inbound, or status flagged human_answered; not a
  drop); the
  dialer's own counts (exportAgentReport `total_calls`, agent_stats_export `calls`, outbound_cdr
  `handled_calls`) count every call an agent took, answering machines and manual dials that rang
  out included: they equal the truth's `calls` and the mart's `reported_calls`.
- outbound_cdr `summary_rows.handled_calls` count outbound calls only; the mart's
  `handled_calls` include inbound: compared with fct_calls' outbound calls an agent took.
- exportAgentReport `Summary`: `break + pause` is the mart's pause; `total_calls` its
  reported_calls; the report has no dead-time column and its `aftercall` holds dispo + dead
  (so that avalible + talk + aftercall + break + pause = login_time, as in the document's
  example): aftercall = Σ wrap + Σ dead.
- agent_stats_export (2.14-202, group_by_campaign=YES: one row per agent × campaign): talk_time
  includes dead_time, so the mart's talk (customer talk) = talk_time − dead_time and handle =
  talk_time + dispo_time; a row with calls = 0 prints wait 0 (wait = login − pause − talk − dispo).
- `vici` has no CDRs: its call stream is phone_number_log (incomplete by design: the
  lead_status_search limit, inbound callers that are no leads), so its campaign-day and queue-day
  facts come from call_status_stats / call_dispo_report rows (campaign rows = outbound calls of
  the campaign; in-group rows = inbound calls of the queue) and agent_stats_export per campaign;
  every phone_number_log call it has is compared with its truth call (direction, campaign via
  its list, lead id, agent, status). What no report carries is asserted NULL.
- `d360` (2017: no talk/dispo/dead columns, no group_by_campaign, no call_dispo_report,
  call_status_stats, list_info or lead_status_search): the agent-day budget (login, pause, wait,
  customer talk, handle = login − pause − wait) and calls; everything else NULL or absent.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pytest

from dialsync import runner
from dialsync.service.sync import SyncResult
from dialsync.settings import InstanceSettings, Settings, StatusFlags
from extract.registry import endpoint
from orchestration import checks
from simulator.server import SimConfig, SimulatorServer

pytestmark = pytest.mark.xdist_group("reconciliation")

TZ = "America/New_York"
NOW = datetime(2025, 5, 12, 0, 20, tzinfo=ZoneInfo(TZ))  # just after midnight: 5 full days behind
DAYS = [date(2025, 5, 7) + timedelta(days=i) for i in range(5)]
RESTATED = DAYS[2]
USER_ENV, PASS_ENV = "RECON_DIALER_USER", "RECON_DIALER_PASS"
TRUTH = ("calls", "agent_daily", "campaign_daily", "pause_daily", "queue_daily", "agent_states", "sessions")
FACTS = ("fct_calls", "fct_agent_daily", "fct_agent_pause_daily", "fct_campaign_daily",
         "fct_inbound_queue_daily", "fct_disposition_daily", "fct_campaign_abandon_30d")
#: The world's campaign status, classified as the operator would in dialsync.toml
#: ([instances.<i>.campaign_statuses.10000005.APPSET]); no non_agent_api function lists it.
APPSET = {"10000005": {"APPSET": StatusFlags(name="Appointment Set", category="SALE", human_answered=True,
                                             contact=True, sale=True)}}


@dataclass
class Pipeline:
    db: Path                                  # the first (nightly `dbt build`) published warehouse
    truth: dict[str, pa.Table]                # truth name -> all DAYS, with a `day` column
    statuses: pa.Table                        # the dialer's status table (flags), campaign statuses included
    facts: dict[str, dict[str, pa.Table]]     # build -> fct table -> rows (sorted)
    settings: Settings


def _facts(path: Path) -> dict[str, pa.Table]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {f: con.sql(f"select * from marts.{f} order by all").to_arrow_table() for f in FACTS}
    finally:
        con.close()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    tmp = tmp_path_factory.mktemp("recon")
    cfg = SimConfig(seed=7, agents=24, timezone=TZ, now=NOW, log_requests=False)
    with pytest.MonkeyPatch.context() as mp, SimulatorServer(cfg) as sim:
        mp.setenv(USER_ENV, "6666")
        mp.setenv(PASS_ENV, "1234")

        world = sim.ctx.world

        def inst(platform: str, **kw: object) -> InstanceSettings:
            return InstanceSettings(platform=platform, base_url=sim.url, timezone=TZ,  # type: ignore[arg-type]
                                    user_env=USER_ENV, password_env=PASS_ENV, campaign_statuses=APPSET,
                                    requests_per_second=1000, max_concurrency=4, **kw)  # type: ignore[arg-type]

        # a plain VICIdial has no CDR to take list ids from: its lists are configured (list_info);
        # Dialer360 has no report naming its numbers: its DIDs are (did_log_export → phone_number_log)
        lists = [str(x) for x in world.lists["list_id"].to_pylist()]
        dids = world.dids["did_pattern"].to_pylist()
        settings = Settings(data_dir=tmp / "data", instances={
            "croco": inst("crocodial"), "vici": inst("vicidial", list_ids=lists),
            "d360": inst("dialer360", dids=dids)})
        results = runner.sync(settings, DAYS[0], NOW.date(), now=lambda: NOW)
        failed = [f"{r.instance} {r.endpoint} {r.partition}: {r.message}" for r in results if r.status == "failed"]
        assert not failed, failed

        first = runner.publish(settings).path                     # the nightly build
        db = tmp / "first.duckdb"
        shutil.copyfile(first, db)
        facts = {"build": _facts(first)}
        runner.publish(settings, dbt_command=["build", "--full-refresh"])
        facts["full_refresh"] = _facts(first)
        # the way a year is rebuilt (warehouse.dbt.batched), here 2 days a batch: 3 batches
        runner.publish(settings, dbt_command=["build", "--full-refresh"], batch_days=2)
        facts["batched"] = _facts(first)
        runner.publish(settings, dbt_vars={"start_date": RESTATED.isoformat(), "end_date": RESTATED.isoformat()})
        facts["restated"] = _facts(first)

        truth = {}
        for name in TRUTH:
            parts = []
            for d in DAYS:
                t = sim.truth(name, d)
                parts.append(t.append_column("day", pa.array([d] * t.num_rows, pa.date32())))
            truth[name] = pa.concat_tables(parts, promote_options="default")
        statuses = pa.concat_tables([
            world.statuses.append_column("campaign_id", pa.nulls(world.statuses.num_rows, pa.string())),
            world.campaign_statuses], promote_options="default")
        yield Pipeline(db, truth, statuses, facts, settings)


@pytest.fixture
def con(pipeline: Pipeline) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    c.execute(f"ATTACH '{pipeline.db}' AS wh (READ_ONLY)")
    for name, table in pipeline.truth.items():
        c.register(f"truth_{name}", table)
    c.register("dialer_statuses", pipeline.statuses)
    days = ", ".join(f"date '{d}'" for d in DAYS)
    # a campaign status (APPSET on 10000005) carries its own flags
    c.execute("""create temp view truth_calls_flagged as
        select c.*, s.human_answered = 'Y' as is_human, s.customer_contact = 'Y' as is_contact_status,
               s.sale = 'Y' as is_sale_status
        from truth_calls as c
        left join dialer_statuses as s
          on s.status = c.status and (s.campaign_id is null or s.campaign_id = c.campaign_id)""")
    c.execute(f"create temp macro in_days(d) as d in ({days})")
    yield c
    c.close()


def assert_no_rows(con: duckdb.DuckDBPyConnection, sql: str, what: str) -> None:
    """`sql` selects the differences; there must be none (the first ones are shown)."""
    rel = con.sql(sql)
    rows = rel.fetchall()
    assert not rows, f"{what}: {len(rows)} differences, e.g. {rel.columns}\n" + "\n".join(map(str, rows[:8]))


def diff(pairs: list[tuple[str, str]]) -> str:
    return " or ".join(f"({a}) is distinct from ({b})" for a, b in pairs)


def test_calls_per_day_equal_truth(con: duckdb.DuckDBPyConnection) -> None:
    assert_no_rows(con, """
        with t as (select day, count(*) as n from truth_calls group by day),
             f as (select call_date as day, count(*) as n from wh.marts.fct_calls
                   where instance = 'croco' and in_days(call_date) group by all)
        select * from t full join f using (day) where t.n is distinct from f.n""", "fct_calls rows per day")
    n = con.execute("select count(*) from wh.marts.fct_calls "
                    "where instance = 'croco' and in_days(call_date)").fetchone()
    t = con.execute("select count(*) from truth_calls").fetchone()
    assert n is not None and t is not None and n[0] == t[0] > 10000


def test_agent_daily_equals_truth(con: duckdb.DuckDBPyConnection) -> None:
    pairs = [("t.handled", "a.calls_handled"), ("t.calls", "a.reported_calls"), ("t.dialer_calls", "a.dialer_calls"),
             ("t.manual_calls", "a.manual_calls"), ("t.inbound_calls", "a.inbound_calls"),
             ("t.sales", "a.sales"), ("t.talk_seconds", "a.talk_seconds"),
             ("t.wait_seconds", "a.available_seconds"), ("t.dispo_seconds", "a.wrap_seconds"),
             ("t.dead_seconds", "a.dead_seconds"), ("t.pause_seconds", "a.pause_seconds"),
             ("t.login_seconds", "a.login_seconds")]
    assert_no_rows(con, f"""
        select t.day, t."user", a.activity_date, a.agent_user, {", ".join(f"{x}, {y}" for x, y in pairs)}
        from truth_agent_daily as t
        full join (select * from wh.marts.fct_agent_daily where instance = 'croco' and in_days(activity_date)) as a
          on a.activity_date = t.day and a.agent_user = t."user"
        where {diff(pairs)}""", "fct_agent_daily (croco) vs truth agent_daily")
    # every agent-day took its budget from the most complete report and its counts from the CDRs
    assert con.sql("select distinct time_source, counts_source from wh.marts.fct_agent_daily "
                   "where instance = 'croco' and in_days(activity_date)").fetchall() == [("pause_report", "calls")]


def test_agent_pause_daily_equals_truth(con: duckdb.DuckDBPyConnection) -> None:
    # exportPauseReport prints every pause code column for every agent (zeros included)
    assert_no_rows(con, """
        select t.day, t."user", t.pause_code, t.seconds, a.activity_date, a.agent_user, a.pause_code, a.pause_seconds
        from truth_pause_daily as t
        full join (select * from wh.marts.fct_agent_pause_daily
                   where instance = 'croco' and in_days(activity_date) and pause_seconds <> 0) as a
          on a.activity_date = t.day and a.agent_user = t."user" and upper(a.pause_code) = upper(t.pause_code)
        where t.seconds is distinct from a.pause_seconds""", "fct_agent_pause_daily vs truth pause_daily")
    # per code sums to the agent-day pause total of fct_agent_daily
    assert_no_rows(con, """
        select a.activity_date, a.agent_user, a.pause_seconds, p.s
        from wh.marts.fct_agent_daily as a
        join (select instance, activity_date, agent_user, sum(pause_seconds) as s
              from wh.marts.fct_agent_pause_daily group by all) as p using (instance, activity_date, agent_user)
        where a.instance = 'croco' and a.pause_seconds is distinct from p.s""", "pause codes vs pause total")


CAMPAIGN_TRUTH = """
    select t.day, t.campaign_id, t.dials, t.inbound_calls, t.handled, t.sales, t.talk_seconds,
           t.drops as all_drops, t.contacts as carrier_answered,
           coalesce(c.human, 0) as human, coalesce(c.out_human, 0) as out_human, coalesce(c.contacts, 0) as contacts,
           coalesce(c.out_contacts, 0) as out_contacts, coalesce(c.in_contacts, 0) as in_contacts,
           coalesce(c.out_sales, 0) as out_sales, coalesce(c.in_sales, 0) as in_sales,
           coalesce(c.out_drops, 0) as out_drops, coalesce(c.tsr_abandoned, 0) as tsr_abandoned
    from truth_campaign_daily as t
    left join (
        select day, campaign_id, count(*) filter (where is_human) as human,
               count(*) filter (where is_human and direction = 'OUT') as out_human,
               count(*) filter (where is_contact) as contacts,
               count(*) filter (where is_contact and direction = 'OUT') as out_contacts,
               count(*) filter (where is_contact and direction = 'IN') as in_contacts,
               count(*) filter (where is_sale_status and direction = 'OUT') as out_sales,
               count(*) filter (where is_sale_status and direction = 'IN') as in_sales,
               count(*) filter (where status = 'DROP' and direction = 'OUT') as out_drops,
               -- US TSR 2-second rule: dropped, or a live answer that waited > 2 s for its agent
               count(*) filter (where direction = 'OUT' and (status = 'DROP' or
                                (is_human and "user" is not null and queue_seconds > 2))) as tsr_abandoned
        from (select *, "user" is not null and status <> 'DROP'
                        and (is_contact_status or is_sale_status or direction = 'IN') as is_contact
              from truth_calls_flagged)
        group by all) as c using (day, campaign_id)"""


def test_campaign_daily_equals_truth(con: duckdb.DuckDBPyConnection) -> None:
    pairs = [("t.dials", "a.dials"), ("t.inbound_calls", "a.inbound_calls"), ("t.handled", "a.handled_calls"),
             ("t.sales", "a.sales"), ("t.talk_seconds", "a.talk_seconds"), ("t.human", "a.human_answered"),
             ("t.contacts", "a.contacts"), ("t.out_contacts", "a.outbound_contacts"),
             ("t.in_contacts", "a.inbound_contacts"), ("t.out_sales", "a.outbound_sales"),
             ("t.in_sales", "a.inbound_sales"), ("t.out_drops", "a.drops"), ("t.tsr_abandoned", "a.tsr_abandoned"),
             ("'2_second'", "a.abandon_rule"), ("null::bigint", "a.handle_seconds"),
             ("t.talk_seconds / nullif(t.handled, 0)", "a.avg_talk_seconds"),
             ("t.out_contacts / nullif(t.dials, 0)", "a.contact_rate"),
             ("t.out_human", "a.outbound_human_answered"),
             ("t.tsr_abandoned / nullif(t.out_human, 0)", "a.tsr_abandon_rate"),
             ("t.all_drops", "a.drops + f.inbound_drops"), ("t.carrier_answered", "f.carrier_answered")]
    assert_no_rows(con, f"""
        with t as ({CAMPAIGN_TRUTH}),
        a as (select * from wh.marts.fct_campaign_daily
              where instance = 'croco' and in_days(activity_date) and dials + inbound_calls > 0),
        f as (select call_date, campaign,
                     count(*) filter (where direction = 'inbound' and status_code = 'DROP') as inbound_drops,
                     count(*) filter (where direction = 'inbound'
                                      or (carrier_disposition = 'Answer' and status_code <> 'AA')) as carrier_answered
              from wh.marts.fct_calls where instance = 'croco' group by all)
        select t.day, t.campaign_id, a.activity_date, a.campaign, {", ".join(f"{x}, {y}" for x, y in pairs)}
        from t
        full join a on a.activity_date = t.day and a.campaign = t.campaign_id
        left join f on f.call_date = a.activity_date and f.campaign = a.campaign
        where {diff(pairs)}""", "fct_campaign_daily (croco) vs truth campaign_daily")
    assert con.sql("select distinct metrics_source from wh.marts.fct_campaign_daily "
                   "where instance = 'croco' and in_days(activity_date) and dials + inbound_calls > 0"
                   ).fetchall() == [("calls",)]


def test_campaign_abandon_30d_equals_truth(con: duckdb.DuckDBPyConnection) -> None:
    """TSR abandonment over the rolling window: the 2-second rule on croco-dial (its CDR has the
    per-call wait), the DROP-status form on vici (reports only); drop_rate_30d is DROP status on both."""
    assert_no_rows(con, f"""
        with t as ({CAMPAIGN_TRUTH}),
        w as (select a.instance, a.campaign, a.activity_date, sum(t.out_drops) as drops,
                     sum(t.tsr_abandoned) as tsr, sum(t.out_human) as human
              from wh.marts.fct_campaign_abandon_30d as a
              join t on t.campaign_id = a.campaign and t.day between a.activity_date - 29 and a.activity_date
              where a.instance in ('croco', 'vici') and in_days(a.activity_date) group by all)
        select a.instance, a.campaign, a.activity_date, a.abandon_rule, a.drops_30d, w.drops, a.abandoned_30d, w.tsr,
               a.human_answered_30d, w.human, a.abandon_rate_30d
        from wh.marts.fct_campaign_abandon_30d as a
        join w using (instance, campaign, activity_date)
        where a.drops_30d <> w.drops or a.human_answered_30d <> w.human
           or a.drop_rate_30d is distinct from w.drops / nullif(w.human, 0)
           or a.abandoned_30d <> case a.instance when 'croco' then w.tsr else w.drops end
           or a.abandon_rule <> case a.instance when 'croco' then '2_second' else 'drop_status' end
           or a.abandon_rate_30d is distinct from a.abandoned_30d / nullif(a.human_answered_30d, 0)""",
                  "fct_campaign_abandon_30d vs truth (TSR rule)")
    n = con.sql("select count(distinct instance) from wh.marts.fct_campaign_abandon_30d "
                "where instance in ('croco', 'vici') and in_days(activity_date)").fetchall()[0][0]
    assert n == 2


def test_inbound_queue_daily_equals_truth(con: duckdb.DuckDBPyConnection) -> None:
    # offered = reached the queue (after-hours calls are inbound, not offered); abandoned = offered
    # and no agent (DROP + TIMEOT); the dialer's own abandoned (abandon2) = DROP over all calls
    pairs = [("t.calls", "a.inbound_calls"), ("t.after_hours", "a.not_queued_calls"),
             ("t.calls - t.after_hours", "a.offered_calls"), ("t.handled", "a.handled_calls"),
             ("t.abandoned + t.timeouts", "a.abandoned_calls"), ("t.abandoned", "a.dialer_abandoned_calls"),
             ("c.short_abandoned", "a.short_abandoned_calls"),
             ("c.abandoned_within_20s", "a.abandoned_within_sl_calls"),
             ("c.abandoned_after_20s", "a.abandoned_after_sl_calls"),
             ("c.answered_within_20s", "a.answered_within_sl_calls"),
             ("t.queue_seconds", "a.queue_seconds"),
             ("(t.abandoned + t.timeouts) / nullif(t.calls - t.after_hours, 0)", "a.abandon_rate"),
             ("(t.abandoned + t.timeouts - c.short_abandoned) / nullif(t.calls - t.after_hours - c.short_abandoned, 0)",
              "a.abandon_rate_excl_short"),
             ("t.abandoned / nullif(t.calls, 0)", "a.abandon_rate_dialer"),
             ("c.answered_within_20s / nullif(t.calls - t.after_hours, 0)", "a.service_level"),
             ("c.answered_within_20s / nullif(t.calls - t.after_hours - c.short_abandoned, 0)",
              "a.service_level_excl_short"),
             ("c.talk_seconds / nullif(t.handled, 0)", "a.avg_talk_seconds")]
    assert_no_rows(con, f"""
        with c as (select day, group_id,
                          count(*) filter (where "user" is null and status <> 'AFTHRS' and queue_seconds <= 5)
                              as short_abandoned,
                          count(*) filter (where "user" is null and status <> 'AFTHRS' and queue_seconds <= 20)
                              as abandoned_within_20s,
                          count(*) filter (where "user" is null and status <> 'AFTHRS' and queue_seconds > 20)
                              as abandoned_after_20s,
                          count(*) filter (where "user" is not null and queue_seconds <= 20) as answered_within_20s,
                          coalesce(sum(agent_talk_seconds) filter (where "user" is not null), 0) as talk_seconds
                   from truth_calls where direction = 'IN' group by all)
        select t.day, t.group_id, a.activity_date, a.in_group, {", ".join(f"{x}, {y}" for x, y in pairs)}
        from truth_queue_daily as t
        join c using (day, group_id)
        full join (select * from wh.marts.fct_inbound_queue_daily
                   where instance = 'croco' and in_days(activity_date)) as a
          on a.activity_date = t.day and a.in_group = t.group_id
        where {diff(pairs)}""", "fct_inbound_queue_daily vs truth queue_daily")
    # and the API's own inbound_summary_stats (abandon2 = DROP, abandon1 = DROP after 20 s)
    assert_no_rows(con, """
        with q as (select day, sum(calls) as calls, sum(handled) as handled, sum(abandoned) as abandoned,
                          sum(abandoned_after_20s) as after_20s from truth_queue_daily group by day)
        select q.*, s.* from q
        full join (select _partition_date as day, * exclude (_partition_date) from wh.raw.inbound_summary_stats
                   where _instance = 'croco' and in_days(_partition_date)) as s using (day)
        where q.calls is distinct from s.total_calls or q.handled is distinct from s.handled_calls
           or q.abandoned is distinct from s.abandon2 or q.after_20s is distinct from s.abandon1""",
                  "inbound_summary_stats vs truth queue_daily")


def test_outbound_cdr_summary_rows_equal_marts(con: duckdb.DuckDBPyConnection) -> None:
    pairs = [("s.total_calls", "a.dials"), ("s.dialed", "a.dials"), ("s.dialer", "a.dialer_calls"),
             ("s.manual_calls", "a.manual_calls"), ("s.handled_calls", "f.outbound_handled"),
             ("s.handled_calls", "a.reported_handled_calls")]
    assert_no_rows(con, f"""
        with s as (select r._partition_date as day, c.campaign_id, r.*
                   from wh.raw.outbound_cdr_summary as r
                   join (select distinct id as campaign_id, campaign_name from wh.raw.campaigns) as c
                     on c.campaign_name = r.campaign_name
                   where r._instance = 'croco' and in_days(r._partition_date)),
        a as (select * from wh.marts.fct_campaign_daily
              where instance = 'croco' and in_days(activity_date) and dials > 0),
        f as (select call_date, campaign,
                     -- the dialer's "handled": every outbound call an agent took (machines included)
                     count(*) filter (where direction = 'outbound' and agent_user is not null
                                      and not is_drop) as outbound_handled
              from wh.marts.fct_calls where instance = 'croco' group by all)
        select s.day, s.campaign_name, a.activity_date, a.campaign, {", ".join(f"{x}, {y}" for x, y in pairs)}
        from s
        full join a on a.activity_date = s.day and a.campaign = s.campaign_id
        left join f on f.call_date = a.activity_date and f.campaign = a.campaign
        where {diff(pairs)}""", "outbound_cdr summary_rows vs fct_campaign_daily")


def test_agent_report_summary_equals_agent_daily(con: duckdb.DuckDBPyConnection) -> None:
    pairs = [("s.login_time", "a.login"), ("s.avalible", "a.available"), ("s.talk", "a.talk"),
             ("s.aftercall", "a.wrap + a.dead"), ('s."break" + s.pause', "a.pause"), ("s.total_calls", "a.calls"),
             ("s.sales", "f.sale_status_calls"), ("s.sales + f.campaign_sale_calls", "a.sales")]
    # the report's `sales` is a status column like `denied` / `lip`: calls with status SALE only; the
    # mart's sales also count campaign sale statuses (APPSET)
    assert_no_rows(con, f"""
        with a as (select activity_date, sum(login_seconds) as login, sum(available_seconds) as available,
                          sum(talk_seconds) as talk, sum(wrap_seconds) as wrap, sum(dead_seconds) as dead,
                          sum(pause_seconds) as pause,
                          sum(reported_calls) as calls, sum(sales) as sales
                   from wh.marts.fct_agent_daily where instance = 'croco' and in_days(activity_date) group by all),
        f as (select call_date, count(*) filter (where status_code = 'SALE') as sale_status_calls,
                     count(*) filter (where is_sale and status_code <> 'SALE') as campaign_sale_calls
              from wh.marts.fct_calls where instance = 'croco' and is_handled group by all),
        s as (select * from wh.raw.agent_report_summary
              where type = 'Summary' and _instance = 'croco' and in_days(_partition_date))
        select s._partition_date, a.activity_date, {", ".join(f"{x}, {y}" for x, y in pairs)}
        from s full join a on a.activity_date = s._partition_date
        left join f on f.call_date = a.activity_date
        where {diff(pairs)}""", "exportAgentReport Summary row vs Σ fct_agent_daily")


def test_call_dispo_report_total_equals_disposition_daily(con: duckdb.DuckDBPyConnection) -> None:
    """The report's TOTAL CALLS per campaign / in-group and per status equal fct_calls' (is_match)."""
    assert_no_rows(con, """
        select * from wh.marts.fct_disposition_daily
        where instance = 'croco' and in_days(activity_date) and (not is_match or not row_sum_matches)""",
                   "fct_disposition_daily mismatches")
    assert_no_rows(con, """
        with r as (select _partition_date as day, campaign, max(total_calls) as total
                   from wh.raw.call_dispo_report where _instance = 'croco' and in_days(_partition_date) group by all),
        d as (select activity_date as day, campaign, sum(calls_in_fct_calls) as counted, sum(calls_reported) as reported
              from wh.marts.fct_disposition_daily where instance = 'croco' and in_days(activity_date) group by all)
        select * from r full join d using (day, campaign)
        where r.total is distinct from d.counted or r.total is distinct from d.reported""",
                   "call_dispo_report TOTAL CALLS vs fct_disposition_daily")
    # the report's grand total = every call of the day (campaign rows + in-group rows)
    assert_no_rows(con, """
        with r as (select _partition_date as day, sum(distinct_total) as total from (
                     select _partition_date, campaign, max(total_calls) as distinct_total
                     from wh.raw.call_dispo_report where _instance = 'croco' and in_days(_partition_date) group by all)
                   group by all),
        t as (select day, count(*) as n from truth_calls group by day)
        select * from r full join t using (day) where r.total is distinct from t.n""",
                  "call_dispo_report TOTAL vs truth")


AGENT_STATS = """
    select _instance as instance, _partition_date as day, "user",
           sum(calls) as calls, sum(login_time) as login, sum(pause_time) as pause,
           -- calls = 0 prints wait/talk/dispo/dead as 0 while login still counts them
           sum(case when calls = 0 then login_time - pause_time - talk_time - dispo_time else wait_time end) as wait,
           sum(talk_time - dead_time) as customer_talk, sum(total_talk_time) as total_talk,
           sum(dispo_time) as dispo, sum(dead_time) as dead, sum(talk_time + dispo_time) as handle,
           count(*) as rows, count(campaign_id) as campaign_rows
    from wh.raw.agent_stats_export where in_days(_partition_date) group by all"""


def test_agent_stats_export_equals_agent_daily(con: duckdb.DuckDBPyConnection) -> None:
    """croco's agent_stats_export (per campaign) equals its pause-report budget by the documented relations."""
    pairs = [("s.calls", "a.reported_calls"), ("s.login", "a.login_seconds"), ("s.wait", "a.available_seconds"),
             ("s.customer_talk", "a.talk_seconds"), ("s.total_talk", "a.talk_seconds"),
             ("s.dispo", "a.wrap_seconds"), ("s.dead", "a.dead_seconds"), ("s.pause", "a.pause_seconds"),
             ("s.handle", "a.handle_seconds"), ("s.rows", "s.campaign_rows")]
    assert_no_rows(con, f"""
        select s.day, s."user", a.activity_date, a.agent_user, {", ".join(f"{x}, {y}" for x, y in pairs)}
        from ({AGENT_STATS}) as s
        full join (select * from wh.marts.fct_agent_daily where instance = 'croco' and in_days(activity_date)) as a
          on a.activity_date = s.day and a.agent_user = s."user"
        where coalesce(s.instance, 'croco') = 'croco' and ({diff(pairs)})""",
                   "agent_stats_export vs fct_agent_daily (croco)")


def test_vicidial_agent_daily_equals_truth(con: duckdb.DuckDBPyConnection) -> None:
    pairs = [("t.calls", "a.reported_calls"), ("t.login_seconds", "a.login_seconds"),
             ("t.wait_seconds", "a.available_seconds"), ("t.talk_seconds", "a.talk_seconds"),
             ("t.dispo_seconds", "a.wrap_seconds"), ("t.dead_seconds", "a.dead_seconds"),
             ("t.pause_seconds", "a.pause_seconds"),
             ("t.talk_seconds + t.dispo_seconds + t.dead_seconds", "a.handle_seconds")]
    assert_no_rows(con, f"""
        select t.day, t."user", a.activity_date, a.agent_user, a.time_source, a.counts_source,
               {", ".join(f"{x}, {y}" for x, y in pairs)}
        from truth_agent_daily as t
        full join (select * from wh.marts.fct_agent_daily where instance = 'vici' and in_days(activity_date)) as a
          on a.activity_date = t.day and a.agent_user = t."user"
        where {diff(pairs)} or a.time_source <> 'agent_stats_export' or a.counts_source <> 'reported'""",
                   "fct_agent_daily (vici, agent_stats_export) vs truth agent_daily")
    # no report of a plain VICIdial splits an agent's calls by type, tells live persons from
    # machines (calls_handled) or counts its sales: NULL, not 0
    assert_no_rows(con, """
        select * from wh.marts.fct_agent_daily where instance = 'vici'
          and (calls_handled is not null or aht_seconds is not null or dialer_calls is not null
               or manual_calls is not null or inbound_calls is not null
               or contacts is not null or sales is not null)""", "vici agent-day counts no report carries")


def test_dialer360_agent_daily_equals_truth(con: duckdb.DuckDBPyConnection) -> None:
    """2017 agent_stats_export: no talk/dispo/dead columns (17th value = wait); handle = login − pause − wait."""
    pairs = [("t.calls", "a.reported_calls"), ("t.login_seconds", "a.login_seconds"),
             ("t.wait_seconds", "a.available_seconds"), ("t.talk_seconds", "a.talk_seconds"),
             ("t.pause_seconds", "a.pause_seconds"),
             ("t.talk_seconds + t.dispo_seconds + t.dead_seconds", "a.handle_seconds")]
    assert_no_rows(con, f"""
        select t.day, t."user", a.activity_date, a.agent_user, a.time_source,
               {", ".join(f"{x}, {y}" for x, y in pairs)}
        from truth_agent_daily as t
        full join (select * from wh.marts.fct_agent_daily where instance = 'd360' and in_days(activity_date)) as a
          on a.activity_date = t.day and a.agent_user = t."user"
        where {diff(pairs)} or a.time_source <> 'agent_stats_export'""",
                   "fct_agent_daily (d360, 2017 agent_stats_export) vs truth agent_daily")
    assert_no_rows(con, """
        select * from wh.marts.fct_agent_daily where instance = 'd360'
          and (wrap_seconds is not null or dead_seconds is not null or calls_handled is not null
               or dialer_calls is not null
               or inbound_calls is not null or contacts is not null or sales is not null)""",
                   "d360 measures its reports do not carry")
    # no call_dispo_report / call_status_stats / list_info: no campaign- or queue-day facts at all
    for fact in ("fct_campaign_daily", "fct_inbound_queue_daily", "fct_campaign_abandon_30d"):
        assert con.execute(f"select count(*) from wh.marts.{fact} where instance = 'd360'").fetchall() == [(0,)], fact


VICI_CAMPAIGN_TRUTH = """
    with c as (
        select day, campaign_id, count(*) as dials, count(*) filter (where is_human) as human,
               count(*) filter (where is_contact_status) as contacts,
               count(*) filter (where status = 'DROP') as drops,
               count(*) filter (where is_sale_status) as sales,
               count(*) filter (where "user" is not null and is_human and status <> 'DROP') as handled
        from truth_calls_flagged where direction = 'OUT' group by all),
    s as (
        select day, campaign_id,
               sum(seconds) filter (where state in ('TALK', 'DEAD', 'DISPO')) as handle_seconds,
               sum(seconds) filter (where state = 'TALK') as talk_seconds,
               round(sum(seconds) / 3600.0, 4) as agent_hours
        from truth_agent_states group by all)
    select t.day, t.campaign_id, coalesce(c.dials, 0) as dials, coalesce(c.human, 0) as human,
           coalesce(c.contacts, 0) as contacts, coalesce(c.drops, 0) as drops, coalesce(c.sales, 0) as sales,
           coalesce(c.handled, 0) as handled, t.agent_calls, coalesce(s.handle_seconds, 0) as handle_seconds,
           coalesce(s.talk_seconds, 0) as talk_seconds,
           coalesce(s.agent_hours, 0) as agent_hours
    from truth_campaign_daily as t
    left join c using (day, campaign_id)
    left join s using (day, campaign_id)"""


def test_vicidial_campaign_daily_equals_truth(con: duckdb.DuckDBPyConnection) -> None:
    """Campaign rows of call_status_stats / call_dispo_report + agent_stats_export per campaign."""
    pairs = [("t.dials", "a.dials"), ("t.human", "a.human_answered"), ("t.human", "a.outbound_human_answered"),
             ("t.contacts", "a.contacts"), ("t.drops", "a.drops"), ("t.sales", "a.sales"),
             ("t.handled", "a.handled_calls"), ("t.handle_seconds", "a.handle_seconds"),
             ("t.talk_seconds", "a.talk_seconds"), ("t.handle_seconds / nullif(t.agent_calls, 0)", "a.aht_seconds"),
             ("t.talk_seconds / nullif(t.agent_calls, 0)", "a.avg_talk_seconds"),
             ("t.drops", "a.tsr_abandoned"), ("'drop_status'", "a.abandon_rule"),
             ("t.agent_hours", "a.agent_hours"), ("0", "a.unclassified_calls")]
    assert_no_rows(con, f"""
        with t as ({VICI_CAMPAIGN_TRUTH}),
        a as (select * from wh.marts.fct_campaign_daily
              where instance = 'vici' and in_days(activity_date) and (dials > 0 or agent_hours > 0))
        select t.day, t.campaign_id, a.activity_date, a.campaign, a.metrics_source,
               {", ".join(f"{x}, {y}" for x, y in pairs)}
        from t full join a on a.activity_date = t.day and a.campaign = t.campaign_id
        where {diff(pairs)} or a.metrics_source <> 'dialer_reports'
           or a.dialer_calls is not null or a.manual_calls is not null or a.inbound_calls is not null""",
                   "fct_campaign_daily (vici) vs truth")
    # outbound campaigns: the same numbers as the croco instance's marts
    assert_no_rows(con, """
        select v.activity_date, v.campaign, v.dials, c.dials, v.sales, c.sales, v.human_answered, c.human_answered
        from wh.marts.fct_campaign_daily as v
        join wh.marts.fct_campaign_daily as c using (activity_date, campaign)
        join truth_campaign_daily as t on t.day = v.activity_date and t.campaign_id = v.campaign
        where v.instance = 'vici' and c.instance = 'croco' and t.inbound_calls = 0
          and (v.dials <> c.dials or v.sales <> c.sales or v.drops <> c.drops or v.human_answered <> c.human_answered
               or v.contacts <> c.contacts or v.handled_calls <> c.handled_calls)""",
                   "vici vs croco (outbound campaigns)")
    # in-groups are queues, never outbound campaigns (no false TSR abandonment breaches)
    assert_no_rows(con, """
        select f.instance, f.campaign from wh.marts.fct_campaign_daily as f
        join (select distinct group_id from truth_queue_daily) as g on g.group_id = f.campaign
        union all
        select instance, campaign from wh.bi.campaign_abandon_30d as b
        join (select distinct group_id from truth_queue_daily) as g on g.group_id = b.campaign""",
                   "in-groups listed as campaigns")


def test_vicidial_inbound_queue_daily_equals_truth(con: duckdb.DuckDBPyConnection) -> None:
    """In-group rows of call_status_stats / call_dispo_report; no report has queue seconds (NULL)."""
    pairs = [("t.calls", "a.inbound_calls"), ("t.after_hours", "a.not_queued_calls"),
             ("t.calls - t.after_hours", "a.offered_calls"), ("t.handled", "a.handled_calls"),
             ("t.abandoned + t.timeouts", "a.abandoned_calls"), ("t.abandoned", "a.dialer_abandoned_calls"),
             ("t.abandoned / nullif(t.calls, 0)", "a.abandon_rate_dialer"), ("c.sales", "a.sales")]
    assert_no_rows(con, f"""
        with c as (select day, group_id, count(*) filter (where is_sale_status) as sales
                   from truth_calls_flagged where direction = 'IN' group by all)
        select t.day, t.group_id, a.activity_date, a.in_group, a.metrics_source,
               {", ".join(f"{x}, {y}" for x, y in pairs)}
        from truth_queue_daily as t
        join c using (day, group_id)
        full join (select * from wh.marts.fct_inbound_queue_daily
                   where instance = 'vici' and in_days(activity_date)) as a
          on a.activity_date = t.day and a.in_group = t.group_id
        where {diff(pairs)} or a.metrics_source <> 'dialer_reports'
           or a.queue_seconds is not null or a.abandoned_within_sl_calls is not null or a.asa_seconds is not null
           or a.service_level is not null or a.talk_seconds is not null or a.short_abandoned_calls is not null""",
                   "fct_inbound_queue_daily (vici) vs truth queue_daily")


@pytest.mark.parametrize("instance", ["vici", "d360"])
def test_phone_log_calls_equal_truth_calls(con: duckdb.DuckDBPyConnection, instance: str) -> None:
    """Every phone_number_log call carries its truth call's direction, agent and status; on vici also its
    campaign (list → list_info) and lead id (lead_status_search), on d360 neither (no such reports).
    Outbound ones have no call type (the report does not tell dialer from manual). d360 asks the
    numbers of its configured DIDs' callers: every inbound call of the day."""
    [(n,)] = con.execute(f"select count(*) from wh.marts.fct_calls where instance = '{instance}' "
                         "and in_days(call_date)").fetchall()
    assert n > 3000
    assert_no_rows(con, f"""
        with f as (select * from wh.marts.fct_calls where instance = '{instance}' and in_days(call_date)),
        t as (select * from truth_calls)
        select f.call_date, f.phone_number, f.call_started_at_local, f.direction, f.campaign, t.campaign_id,
               f.lead_id, t.lead_id, f.agent_user, t."user", f.status, t.status
        from f
        left join t on t.phone_number = f.phone_number and t.call_date = f.call_started_at_local
                   and t.direction = case f.direction when 'outbound' then 'OUT' else 'IN' end
        where t.uniqueid is null or f.source_table <> 'phone_number_log'
           or f.agent_user is distinct from t."user" or f.status is distinct from t.status
           or (f.direction = 'outbound' and f.call_type is not null)
           or (f.direction = 'inbound' and f.campaign is not null)
           or ('{instance}' = 'vici' and f.direction = 'outbound' and f.campaign is distinct from t.campaign_id)
           or ('{instance}' = 'vici' and f.lead_id is distinct from cast(t.lead_id as varchar))
           or ('{instance}' = 'd360' and (f.campaign is not null or f.lead_id is not null))""",
                   f"{instance} phone_number_log calls vs truth calls")
    if instance == "d360":
        assert_no_rows(con, """
            with t as (select day, count(*) as n from truth_calls where direction = 'IN' group by all),
            f as (select call_date as day, count(*) as n from wh.marts.fct_calls
                  where instance = 'd360' and direction = 'inbound' and in_days(call_date) group by all)
            select * from t full join f using (day) where t.n is distinct from f.n""", "d360 inbound calls per day")


def test_no_status_is_left_unclassified(con: duckdb.DuckDBPyConnection, pipeline: Pipeline) -> None:
    """With APPSET configured, no instance has an unclassified status (bi view, marts, asset check)."""
    assert_no_rows(con, "select * from wh.bi.unclassified_statuses", "bi.unclassified_statuses")
    assert_no_rows(con, "select instance, call_date, status from wh.marts.fct_calls "
                        "where status is not null and not is_status_classified", "unclassified calls")
    lake = runner.lake(pipeline.settings)
    ep = endpoint("call_dispo_report")
    written = [checks.Written(SyncResult(name, ep.name, d.isoformat(), "success"), None)
               for name in ("croco", "vici") for d in DAYS]
    assert checks.unclassified_result(ep, written, lake, pipeline.settings).passed
    # without the configuration the check warns and lists APPSET with its calls: never "not a sale"
    bare = pipeline.settings.model_copy(update={"instances": {
        k: v.model_copy(update={"campaign_statuses": {}}) for k, v in pipeline.settings.instances.items()}})
    res = checks.unclassified_result(ep, written, lake, bare)
    [(appset,)] = con.execute("select count(*) from truth_calls where status = 'APPSET'").fetchall()
    assert not res.passed and res.severity.value == "WARN"
    assert appset > 0
    # each of the two instances' call_dispo_report holds every APPSET call once
    assert res.metadata["calls_by_status"].value == {"APPSET": 2 * appset}


@pytest.mark.parametrize("build", ["full_refresh", "batched", "restated"])
def test_rebuilds_give_identical_marts(pipeline: Pipeline, build: str) -> None:
    """`dbt build --full-refresh`, the same in batches of days, and an incremental build restating
    one day, equal the nightly build."""
    for fact in FACTS:
        got, want = pipeline.facts[build][fact], pipeline.facts["build"][fact]
        assert got.num_rows == want.num_rows > 0, fact
        assert got.equals(want), f"{fact}: {build} differs from the nightly build"


def test_handled_calls_are_calls_with_a_live_person(con: duckdb.DuckDBPyConnection) -> None:
    """handled = an agent connected to a live person: per day, direction and status, fct_calls'
    is_handled equals the truth's calls with an agent, not a drop, inbound (a caller) or with a
    status flagged human_answered; answering machines (A) and manual dials that rang out (NA, B) had an agent, never a
    live person."""
    assert_no_rows(con, """
        with t as (select day, direction, status,
                          count(*) filter (where "user" is not null and status <> 'DROP'
                                           and (direction = 'IN' or coalesce(is_human, false))) as handled,
                          count(*) filter (where "user" is not null) as agent_calls
                   from truth_calls_flagged group by all),
        f as (select call_date as day, case direction when 'outbound' then 'OUT' else 'IN' end as direction,
                     status_code as status, count(*) filter (where is_handled) as handled,
                     count(*) filter (where agent_user is not null) as agent_calls
              from wh.marts.fct_calls where instance = 'croco' and in_days(call_date) group by all)
        select * from t full join f using (day, direction, status)
        where t.handled is distinct from f.handled or t.agent_calls is distinct from f.agent_calls""",
                   "fct_calls is_handled vs truth live-person calls")
    [(machines, handled)] = con.execute("""select count(*) filter (where status_code in ('A', 'NA', 'B')),
        count(*) filter (where is_handled) from wh.marts.fct_calls
        where instance = 'croco' and in_days(call_date) and agent_user is not null""").fetchall()
    assert machines > 100 and handled > 1000
    assert_no_rows(con, """select * from wh.marts.fct_calls
                           where is_handled and status_code in ('A', 'AA', 'NA', 'B', 'DC')""",
                   "machine / no-answer calls counted as handled")


def test_midnight_crossing_sessions_land_on_their_local_days(con: duckdb.DuckDBPyConnection) -> None:
    """A night shift across midnight is split at the local day boundary as the dialer's reports
    split it (each day holds the agent states that start on it): the agent has an agent-day on
    both days, each equal to the truth; a call that starts before midnight and ends after it is
    on the day it started."""
    rows = con.execute("""
        with n as (select distinct day, "user" from truth_sessions
                   where cast(logout as date) > day and in_days(day + 1)),
        st as (select day, "user", sum(seconds) as login from truth_agent_states group by all),
        a as (select * from wh.marts.fct_agent_daily where instance = 'croco')
        select n.day, n."user", a0.login_seconds, s0.login, a1.login_seconds, s1.login
        from n
        left join st as s0 on s0.day = n.day and s0."user" = n."user"
        left join st as s1 on s1.day = n.day + 1 and s1."user" = n."user"
        left join a as a0 on a0.activity_date = n.day and a0.agent_user = n."user"
        left join a as a1 on a1.activity_date = n.day + 1 and a1.agent_user = n."user"
        order by all""").fetchall()
    assert len(rows) >= 3, rows
    for day, user, got0, want0, got1, want1 in rows:
        assert got0 == want0 > 0 and got1 == want1 > 0, (day, user, got0, want0, got1, want1)
    [(crossing, found)] = con.execute("""
        with t as (select * from truth_calls
                   where cast(call_date + to_seconds(coalesce(ivr_seconds, 0) + coalesce(queue_seconds, 0)
                              + coalesce(ring_seconds, 0) + coalesce(talk_seconds, 0)
                              + coalesce(dead_seconds, 0) + coalesce(dispo_seconds, 0)) as date) > day)
        select count(*), count(f.call_date)
        from t left join wh.marts.fct_calls as f
          on f.instance = 'croco' and f.call_date = t.day and f.phone_number = t.phone_number
         and f.call_started_at_local = t.call_date
         and f.direction = case t.direction when 'OUT' then 'outbound' else 'inbound' end""").fetchall()
    assert crossing > 0 and found == crossing, (crossing, found)


# --- late changes and DST: a second pipeline over the fall-back week and the spring-forward day -----------

LATE_NOW = datetime(2025, 11, 3, 0, 40, tzinfo=ZoneInfo(TZ))   # the nightly run just after the fall-back day
LATER = datetime(2025, 11, 4, 20, 0, tzinfo=ZoneInfo(TZ))      # two nights on: every late change has happened
FALL_BACK, SPRING_FORWARD = date(2025, 11, 2), date(2025, 3, 9)
LATE_DAYS = [date(2025, 10, 31), date(2025, 11, 1), FALL_BACK]
LATE_TRUTH = ("calls", "agent_daily", "campaign_daily", "queue_daily")


@dataclass
class Restated:
    before: Path                              # the warehouse after the first nightly run (LATE_NOW)
    after: Path                               # after the nightly run at LATER restated its window
    truth: dict[str, dict[str, pa.Table]]     # "before" / "after" -> truth name -> rows with `day`


def _truth_at(sim: SimulatorServer, days: list[date]) -> dict[str, pa.Table]:
    out = {}
    for name in LATE_TRUTH:
        parts = [sim.truth(name, d) for d in days]
        out[name] = pa.concat_tables([t.append_column("day", pa.array([d] * t.num_rows, pa.date32()))
                                      for t, d in zip(parts, days, strict=True)], promote_options="default")
    return out


@pytest.fixture(scope="module")
def restated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restated]:
    """croco-dial (and a plain VICIdial, for phone_number_log across DST) synced at LATE_NOW (the
    night after the fall-back day), published; then the next nightly runs at LATER re-pull
    yesterday and the restatement window (3 days) and build that window incrementally, as the
    orchestrator's nightly job does."""
    tmp = tmp_path_factory.mktemp("restated")
    cfg = SimConfig(seed=11, agents=24, timezone=TZ, now=LATE_NOW, log_requests=False)
    with pytest.MonkeyPatch.context() as mp, SimulatorServer(cfg) as sim:
        mp.setenv(USER_ENV, "6666")
        mp.setenv(PASS_ENV, "1234")
        def inst(platform: str, **kw: object) -> InstanceSettings:
            return InstanceSettings(platform=platform, base_url=sim.url, timezone=TZ,  # type: ignore[arg-type]
                                    user_env=USER_ENV, password_env=PASS_ENV, campaign_statuses=APPSET,
                                    requests_per_second=1000, max_concurrency=4, **kw)  # type: ignore[arg-type]

        # a plain VICIdial too: its call stream (phone_number_log) prints no epoch at all
        lists = [str(x) for x in sim.ctx.world.lists["list_id"].to_pylist()]
        settings = Settings(data_dir=tmp / "data", restatement_days=3,
                            instances={"croco": inst("crocodial"), "vici": inst("vicidial", list_ids=lists)})
        days = [SPRING_FORWARD, *LATE_DAYS]
        results = runner.sync(settings, LATE_DAYS[0], LATE_NOW.date(), now=lambda: LATE_NOW)
        results += runner.sync(settings, SPRING_FORWARD, SPRING_FORWARD, now=lambda: LATE_NOW)
        before = tmp / "before.duckdb"
        shutil.copyfile(runner.publish(settings).path, before)
        truth = {"before": _truth_at(sim, days)}
        sim.ctx.clock.set(LATER)
        yesterday = LATER.date() - timedelta(days=1)
        start = yesterday - timedelta(days=settings.restatement_days)
        results += runner.sync(settings, start, yesterday, now=lambda: LATER)
        failed = [f"{r.instance} {r.endpoint} {r.partition}: {r.message}" for r in results if r.status == "failed"]
        assert not failed, failed
        after = runner.publish(settings, dbt_vars={"start_date": start.isoformat(),
                                                   "end_date": yesterday.isoformat()}).path
        truth["after"] = _truth_at(sim, days)
        yield Restated(before, after, truth)


def _late_con(r: Restated, build: str) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute(f"ATTACH '{getattr(r, build)}' AS wh (READ_ONLY)")
    for name, table in r.truth[build].items():
        c.register(f"truth_{name}", table)
    return c


LATE_CHECKS = {
    "calls per day and status": ("""
        select day, status, count(*) as n from truth_calls group by all""", """
        select call_date as day, status_code as status, count(*) as n from wh.marts.fct_calls
        where instance = 'croco' group by all""", ("day", "status")),
    "agent-day": ("""
        select day, "user", handled, sales, login_seconds, talk_seconds, pause_seconds from truth_agent_daily""", """
        select activity_date as day, agent_user as "user", calls_handled as handled, sales, login_seconds,
               talk_seconds, pause_seconds from wh.marts.fct_agent_daily where instance = 'croco'""",
                  ("day", "user")),
    "campaign-day": ("""
        select day, campaign_id as campaign, dials, handled, sales from truth_campaign_daily""", """
        select activity_date as day, campaign, dials, handled_calls as handled, sales
        from wh.marts.fct_campaign_daily where instance = 'croco' and dials + inbound_calls > 0""",
                     ("day", "campaign")),
    "queue-day": ("""
        select day, group_id as in_group, calls, handled from truth_queue_daily""", """
        select activity_date as day, in_group, inbound_calls as calls, handled_calls as handled
        from wh.marts.fct_inbound_queue_daily where instance = 'croco'""", ("day", "in_group")),
}


def _late_differences(c: duckdb.DuckDBPyConnection, days: list[date]) -> dict[str, list[tuple]]:
    inside = ", ".join(f"date '{d}'" for d in days)
    out = {}
    for what, (truth_sql, mart_sql, keys) in LATE_CHECKS.items():
        on = " and ".join(f"t.{k} = m.{k}" for k in keys)
        cols = [k for k in c.sql(truth_sql).columns if k not in keys]
        differs = " or ".join(f"t.{x} is distinct from m.{x}" for x in cols)
        out[what] = c.sql(f"""
            select * from ({truth_sql}) as t
            full join (select * from ({mart_sql}) where day in ({inside})) as m on {on}
            where coalesce(t.day, m.day) in ({inside}) and ({differs})""").fetchall()
    return out


def test_restated_days_equal_truth_after_the_nightly_run(restated: Restated) -> None:
    """The first nightly run equals the truth of its moment; the days then change (callbacks
    dispositioned the next day, status corrections, calls finishing after midnight), so the
    first warehouse is wrong about them; the next nightly run re-pulls its restatement window
    and every restated day equals the truth again."""
    with _late_con(restated, "before") as c:
        diffs = _late_differences(c, LATE_DAYS)
        assert not any(diffs.values()), {k: v[:5] for k, v in diffs.items() if v}
    with _late_con(restated, "after") as c:
        c.execute(f"ATTACH '{restated.before}' AS old (READ_ONLY)")
        changed = c.sql("""
            select count(*) from (
                select call_date, status_code, count(*) from old.marts.fct_calls group by all
                except select call_date, status_code, count(*) from wh.marts.fct_calls group by all)""").fetchall()
        assert changed[0][0] > 0, "no late change reached the restated days"
        diffs = _late_differences(c, LATE_DAYS)
        assert not any(diffs.values()), {k: v[:5] for k, v in diffs.items() if v}
        # a day outside the window (the spring-forward day) is as the first run left it, and final
        diffs = _late_differences(c, [SPRING_FORWARD])
        assert not any(diffs.values()), {k: v[:5] for k, v in diffs.items() if v}


def test_dst_repeated_hour_neither_lost_nor_doubled(restated: Restated) -> None:
    """Fall-back day: calls in both occurrences of 01:00–02:00 local, as many per local hour as the
    truth, inbound calls at their exact UTC instants (uniq1); `call_started_at_utc_ambiguous` (fct_calls
    and bi.calls) flags exactly the calls of the repeated hour whose report prints no epoch (croco-dial
    outbound_cdr: each at the first occurrence's instant, an hour early for a second-occurrence call
    - the simulator dials no outbound call in that hour yet, so that set is empty; VICIdial
    phone_number_log: every call of the hour), never an inbound_cdr call, and no call outside the
    hour; spring-forward day: none in the skipped 02:00 hour, and the day's count equals the truth."""
    with _late_con(restated, "after") as c:
        per_hour = """
            with t as (select day, hour(call_date) as h, count(*) as n from truth_calls group by all),
            f as (select call_date as day, call_hour_local as h, count(*) as n from wh.marts.fct_calls
                  where instance = 'croco' and call_date in (select day from truth_calls) group by all)
            select * from t full join f using (day, h) where t.n is distinct from f.n"""
        assert not c.sql(per_hour).fetchall(), c.sql(per_hour).fetchall()[:5]
        [(both, skipped, repeated)] = c.execute(f"""
            select count(distinct (call_epoch - epoch(call_date)::bigint))
                       filter (where day = date '{FALL_BACK}' and hour(call_date) = 1),
                   count(*) filter (where day = date '{SPRING_FORWARD}' and hour(call_date) = 2),
                   count(*) filter (where day = date '{FALL_BACK}' and hour(call_date) = 1)
            from truth_calls""").fetchall()
        assert both == 2 and skipped == 0 and repeated > 0, (both, skipped, repeated)
        inbound = f"""
            with t as (select to_timestamp(call_epoch) as ts, count(*) as n from truth_calls
                       where direction = 'IN' and day = date '{FALL_BACK}' group by all),
            f as (select call_started_at_utc as ts, count(*) as n from wh.marts.fct_calls
                  where instance = 'croco' and call_date = date '{FALL_BACK}' and direction = 'inbound' group by all)
            select * from t full join f using (ts) where t.n is distinct from f.n"""
        assert not c.sql(inbound).fetchall(), c.sql(inbound).fetchall()[:5]
        # the first occurrence is the smaller UTC offset (EDT); a flagged call's UTC is its wall time at that offset
        flagged = f"""
            with rep as (select call_date, call_epoch - epoch(call_date)::bigint as offset_s from truth_calls
                         where direction = 'OUT' and day = date '{FALL_BACK}' and hour(call_date) = 1),
            t as (select epoch(call_date)::bigint + (select min(offset_s) from rep) as ts, count(*) as n
                  from rep group by all),
            f as (select epoch(call_started_at_utc)::bigint as ts, count(*) as n from wh.marts.fct_calls
                  where instance = 'croco' and call_started_at_utc_ambiguous group by all)
            select * from t full join f using (ts) where t.n is distinct from f.n"""
        assert not c.sql(flagged).fetchall(), c.sql(flagged).fetchall()[:5]
        # every instance: flagged exactly when the start is in the repeated hour and the report
        # prints no epoch (all but inbound_cdr); never NULL; bi.calls says the same
        [(marked, wrong, unknown, bi_wrong)] = c.execute(f"""
            with f as (select call_started_at_utc_ambiguous as flag,
                              call_date = date '{FALL_BACK}' and call_hour_local = 1
                                  and source_table <> 'inbound_cdr' as expected
                       from wh.marts.fct_calls)
            select count(*) filter (where flag and expected),
                   count(*) filter (where flag is distinct from expected and flag is not null),
                   count(*) filter (where flag is null),
                   (select count(*) from wh.bi.calls as b join wh.marts.fct_calls using (call_id)
                    where b.call_started_at_utc_ambiguous is distinct from fct_calls.call_started_at_utc_ambiguous)
            from f""").fetchall()
        assert marked > 0 and wrong == 0 and unknown == 0 and bi_wrong == 0, \
            (marked, wrong, unknown, bi_wrong)
        [(n,)] = c.execute(f"select count(*) from wh.marts.fct_calls where call_date = date '{SPRING_FORWARD}' "
                           "and call_hour_local = 2").fetchall()
        assert n == 0
