-- Grain: one row per inbound queue (in-group) × day × instance. inbound_calls = every inbound
-- call routed to it; offered = the calls that reached the queue (after-hours AFTHRS and calls
-- with no in-group are not offered: not_queued_calls); abandoned = offered and no agent answered
-- (DROP + TIMEOT); dialer_abandoned = what the dialer counts (VICIdial abandon2: DROP). Short
-- abandons (≤ var short_abandon_seconds in queue) are counted apart and left out of the
-- *_excl_short rates. Service-level threshold: var service_level_seconds (20 s). There is no
-- per-call wrap: talk_seconds / avg_talk_seconds are talk only. `metrics_source`:
--   calls          - the inbound CDR calls of fct_calls (croco-dial): every column.
--   dialer_reports - an instance × day without inbound CDRs (plain VICIdial): the in-group rows
--                    of call_status_stats / call_dispo_report (int_dialer_report_rows).
--                    inbound = the row's TOTAL CALLS; not queued = its AFTHRS calls; handled =
--                    calls an agent dispositioned (statuses human answered and not drop);
--                    abandoned = offered − handled (DROP, TIMEOT...); sales by status rule. No
--                    report has queue or talk seconds per in-group: queue seconds, short
--                    abandons, the 20 s splits, ASA, service level, talk are NULL, never 0.

{% set sl = var('service_level_seconds') %}
{% set short = var('short_abandon_seconds') %}

with inbound as (
    select * from {{ ref('fct_calls') }}
    where direction = 'inbound'
      and {{ incremental_window('call_date') }}
),

from_calls_days as (
    select distinct instance, call_date from inbound
    where source_table is distinct from 'phone_number_log'
),

from_calls as (
    select
        instance,
        call_date                                                               as activity_date,
        coalesce(in_group, '(none)')                                            as in_group,
        count(*)                                                                as inbound_calls,
        count(*) filter (where not is_offered)                                  as not_queued_calls,
        count(*) filter (where is_offered)                                      as offered_calls,
        count(*) filter (where is_handled)                                      as handled_calls,
        count(*) filter (where is_abandoned)                                    as abandoned_calls,
        count(*) filter (where is_abandoned and coalesce(queue_seconds, 0) <= {{ short }}) as short_abandoned_calls,
        count(*) filter (where status_code in {{ sql_list(var('dialer_abandon_statuses')) }}) as dialer_abandoned_calls,
        count(*) filter (where is_abandoned and coalesce(queue_seconds, 0) <= {{ sl }}) as abandoned_within_sl_calls,
        count(*) filter (where is_abandoned and queue_seconds > {{ sl }})       as abandoned_after_sl_calls,
        count(*) filter (where is_handled and coalesce(queue_seconds, 0) <= {{ sl }})   as answered_within_sl_calls,
        sum(queue_seconds) filter (where is_handled)                            as answered_queue_seconds,
        sum(queue_seconds)                                                      as queue_seconds,
        max(queue_seconds)                                                      as max_queue_seconds,
        sum(coalesce(talk_seconds, 0)) filter (where is_handled)                as talk_seconds,
        count(*) filter (where is_sale)                                         as sales,
        count(*) filter (where status is not null and not is_status_classified) as unclassified_calls,
        'calls'                                                                 as metrics_source
    from inbound
    where source_table is distinct from 'phone_number_log'
    group by all
),

from_reports as (
    select
        r.instance,
        r.partition_date                                                        as activity_date,
        r.label                                                                 as in_group,
        r.total_calls                                                           as inbound_calls,
        r.not_queued_calls,
        r.total_calls - r.not_queued_calls                                      as offered_calls,
        r.agent_dispositioned                                                   as handled_calls,
        r.total_calls - r.not_queued_calls - r.agent_dispositioned              as abandoned_calls,
        cast(null as bigint)                                                    as short_abandoned_calls,
        r.dialer_abandoned                                                      as dialer_abandoned_calls,
        cast(null as bigint)                                                    as abandoned_within_sl_calls,
        cast(null as bigint)                                                    as abandoned_after_sl_calls,
        cast(null as bigint)                                                    as answered_within_sl_calls,
        cast(null as bigint)                                                    as answered_queue_seconds,
        cast(null as bigint)                                                    as queue_seconds,
        cast(null as bigint)                                                    as max_queue_seconds,
        cast(null as bigint)                                                    as talk_seconds,
        r.sales,
        r.unclassified_calls,
        'dialer_reports'                                                        as metrics_source
    from {{ ref('int_dialer_report_rows') }} as r
    anti join from_calls_days as d
        on d.instance = r.instance and d.call_date = r.partition_date
    where r.row_kind = 'ingroup'
      and r.total_calls > 0
      and {{ incremental_window('r.partition_date') }}
),

agg as (
    select * from from_calls
    union all by name
    select * from from_reports
)

select
    {{ surrogate_key(['instance', 'in_group']) }}                       as in_group_key,
    *,
    {{ kpi_asa('answered_queue_seconds', 'handled_calls') }}            as asa_seconds,
    {{ kpi_service_level('answered_within_sl_calls', 'offered_calls') }} as service_level,
    {{ kpi_service_level('answered_within_sl_calls', kpi_excl_short('offered_calls', 'short_abandoned_calls')) }}
                                                                        as service_level_excl_short,
    {{ kpi_abandon_rate('abandoned_calls', 'offered_calls') }}          as abandon_rate,
    {{ kpi_abandon_rate(kpi_excl_short('abandoned_calls', 'short_abandoned_calls'),
                        kpi_excl_short('offered_calls', 'short_abandoned_calls')) }} as abandon_rate_excl_short,
    {{ kpi_abandon_rate('dialer_abandoned_calls', 'inbound_calls') }}   as abandon_rate_dialer,
    {{ kpi_avg_talk('talk_seconds', 'handled_calls') }}                 as avg_talk_seconds
from agg
