/*
  One conformed time budget per agent × day × instance.

  Source precedence (the whole budget comes from ONE source, so its parts add up; the first
  source that has a row for the agent-day wins):
    1. exportPauseReport  (pause_report)      - full budget incl. dead time and billable /
                                                non-billable split; its pause total equals the
                                                sum of the per-code rows of fct_agent_pause_daily
    2. agent_stats_export (VICIdial)          - full budget, no billable split; the only
                                                source on plain VICIdial / Dialer360 instances;
                                                rows per campaign summed to the agent-day; its
                                                talk includes dead (see the staging model);
                                                2017 servers (Dialer360) have no talk/dispo/dead
                                                split: wrap and dead NULL, handle still exact
    3. exportAgentReport  (agent_report)      - summed over the agent's portfolio rows;
                                                pause = break + pause; no dead-time column:
                                                its aftercall (wrap) holds dispo + dead
    4. agent_summary_stats                    - login, talk, pause + break only (snapshot of
                                                the server's current day)
  Components a source does not report are NULL (never borrowed from another source).
  handle_seconds follows each source's semantics (KPI glossary): talk + wrap + dead where talk
  excludes dead (pause_report), talk_time + dispo_time where talk includes dead
  (agent_stats_export), talk + aftercall where aftercall holds dispo + dead (agent_report).
  Reported call / sale counts are kept separately (reported_*), first non-null in the order
  agent_calls_report, agent_summary_stats, agent_report, agent_stats_export.
*/
with pause_report as (
    -- fixed per-user columns are repeated on every pause-code row: read once (any_value)
    select
        instance,
        partition_date,
        agent_user,
        any_value(login_seconds)            as login_seconds,
        any_value(wait_seconds)             as available_seconds,
        any_value(talk_seconds)             as talk_seconds,
        any_value(dispo_seconds)            as wrap_seconds,
        any_value(dead_seconds)             as dead_seconds,
        any_value(pause_seconds)            as pause_seconds,
        any_value(billable_seconds)         as billable_seconds,
        any_value(non_billable_seconds)     as non_billable_seconds,
        any_value(manual_talk_seconds)      as manual_talk_seconds,
        sum(pause_code_seconds)             as pause_code_seconds
    from {{ ref('stg_crocodial__pause_report') }}
    group by instance, partition_date, agent_user
),

agent_stats as (
    -- one row per user, or per user × campaign when the export was grouped by campaign
    select
        instance, partition_date, agent_user,
        sum(login_seconds) as login_seconds, sum(wait_seconds) as wait_seconds,
        sum(talk_seconds) as talk_seconds, sum(dispo_seconds) as dispo_seconds,
        sum(dead_seconds) as dead_seconds, sum(pause_seconds) as pause_seconds,
        sum(handle_seconds) as handle_seconds, sum(calls) as calls
    from {{ ref('stg_vicidial__agent_stats_export') }}
    group by instance, partition_date, agent_user
),

candidates as (
    select
        instance, partition_date, agent_user,
        1 as source_rank, 'pause_report' as time_source,
        coalesce(login_seconds,
                 available_seconds + talk_seconds + wrap_seconds + dead_seconds + pause_seconds)
                                        as login_seconds,
        available_seconds, talk_seconds, wrap_seconds, dead_seconds,
        coalesce(pause_seconds, pause_code_seconds) as pause_seconds,
        {{ kpi_handle_seconds('talk_seconds', 'wrap_seconds', 'dead_seconds') }} as handle_seconds,
        billable_seconds, non_billable_seconds, manual_talk_seconds
    from pause_report

    union all

    select
        instance, partition_date, agent_user,
        2, 'agent_stats_export',
        login_seconds, wait_seconds, talk_seconds, dispo_seconds, dead_seconds, pause_seconds,
        handle_seconds,
        null, null, null
    from agent_stats

    union all

    select
        instance, partition_date, agent_user,
        3, 'agent_report',
        sum(login_seconds), sum(available_seconds), sum(talk_seconds), sum(after_call_seconds), null,
        sum(coalesce(break_seconds, 0) + coalesce(pause_seconds, 0)),
        sum({{ kpi_handle_seconds('talk_seconds', 'after_call_seconds', 'null') }}),
        null, null, null
    from {{ ref('stg_crocodial__agent_report') }}
    group by instance, partition_date, agent_user

    union all

    select
        instance, partition_date, agent_user,
        4, 'agent_summary_stats',
        login_seconds, null, talk_seconds, null, null,
        coalesce(pause_seconds, 0) + coalesce(break_seconds, 0),
        null,
        null, null, null
    from {{ ref('stg_crocodial__agent_summary_stats') }}
),

chosen as (
    select *
    from candidates
    qualify row_number() over (
        partition by instance, partition_date, agent_user order by source_rank
    ) = 1
),

sources_present as (
    select
        instance, partition_date, agent_user,
        string_agg(time_source, ',' order by source_rank) as time_sources_present
    from candidates
    group by instance, partition_date, agent_user
),

agent_report as (
    select
        instance, partition_date, agent_user,
        sum(total_calls) as total_calls,
        sum(sales) as sales,
        min(first_activity_at_local) as first_activity_at_local,
        min(first_activity_at_utc) as first_activity_at_utc,
        max(last_activity_at_local) as last_activity_at_local,
        max(last_activity_at_utc) as last_activity_at_utc
    from {{ ref('stg_crocodial__agent_report') }}
    group by instance, partition_date, agent_user
)

select
    c.instance,
    c.partition_date,
    c.agent_user,
    c.time_source,
    p.time_sources_present,
    c.login_seconds,
    c.available_seconds,
    c.talk_seconds,
    c.wrap_seconds,
    c.dead_seconds,
    c.pause_seconds,
    c.handle_seconds,
    c.billable_seconds,
    c.non_billable_seconds,
    c.manual_talk_seconds,
    ar.first_activity_at_local,
    ar.first_activity_at_utc,
    ar.last_activity_at_local,
    ar.last_activity_at_utc,
    coalesce(acr.total_calls, ass.calls_handled, ar.total_calls, ase.calls) as reported_calls,
    coalesce(acr.dialer_calls, ass.dialer_calls)                             as reported_dialer_calls,
    coalesce(acr.manual_calls, ass.manual_calls)                             as reported_manual_calls,
    coalesce(acr.inbound_calls, ass.inbound_calls)                           as reported_inbound_calls,
    coalesce(ass.sales, ar.sales)                                            as reported_sales
from chosen as c
inner join sources_present as p
    using (instance, partition_date, agent_user)
left join agent_report as ar
    using (instance, partition_date, agent_user)
left join {{ ref('stg_crocodial__agent_calls_report') }} as acr
    using (instance, partition_date, agent_user)
left join {{ ref('stg_crocodial__agent_summary_stats') }} as ass
    using (instance, partition_date, agent_user)
left join agent_stats as ase
    using (instance, partition_date, agent_user)
