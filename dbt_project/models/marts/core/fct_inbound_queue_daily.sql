-- Grain: one row per inbound queue (in-group) × day × instance, from the inbound calls of
-- fct_calls. Offered = every inbound call that reached the queue; abandoned = offered and
-- no agent answered; the service-level threshold is var service_level_seconds (20 s).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_date',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_window('activity_date') }}"
) }}

{% set sl = var('service_level_seconds') %}

with inbound as (
    select * from {{ ref('fct_calls') }}
    where direction = 'inbound'
      and {{ incremental_window('call_date') }}
),

agg as (
    select
        instance,
        call_date                                                               as activity_date,
        coalesce(in_group, '(none)')                                            as in_group,
        count(*)                                                                as offered_calls,
        count(*) filter (where is_handled)                                      as handled_calls,
        count(*) filter (where is_abandoned)                                    as abandoned_calls,
        count(*) filter (where is_abandoned and coalesce(queue_seconds, 0) <= {{ sl }}) as abandoned_within_sl_calls,
        count(*) filter (where is_abandoned and queue_seconds > {{ sl }})       as abandoned_after_sl_calls,
        count(*) filter (where is_handled and coalesce(queue_seconds, 0) <= {{ sl }})   as answered_within_sl_calls,
        sum(queue_seconds) filter (where is_handled)                            as answered_queue_seconds,
        sum(queue_seconds)                                                      as queue_seconds,
        max(queue_seconds)                                                      as max_queue_seconds,
        sum(coalesce(talk_seconds, 0) + coalesce(wrap_seconds, 0)) filter (where is_handled) as handle_seconds,
        count(*) filter (where is_sale)                                         as sales
    from inbound
    group by all
)

select
    {{ surrogate_key(['instance', 'in_group']) }}                       as in_group_key,
    *,
    {{ kpi_asa('answered_queue_seconds', 'handled_calls') }}            as asa_seconds,
    {{ kpi_service_level('answered_within_sl_calls', 'offered_calls') }} as service_level,
    {{ kpi_rate('abandoned_calls', 'offered_calls') }}                  as abandon_rate,
    {{ kpi_aht('handle_seconds', 'handled_calls') }}                    as aht_seconds
from agg
