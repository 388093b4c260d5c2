-- Stable BI view over fct_inbound_queue_daily: explicit column list, no internal columns.
{{ config(alias='inbound_queue_daily') }}

select
    in_group_key,
    instance,
    activity_date,
    in_group,
    metrics_source,
    offered_calls,
    handled_calls,
    abandoned_calls,
    abandoned_within_sl_calls,
    abandoned_after_sl_calls,
    answered_within_sl_calls,
    answered_queue_seconds,
    queue_seconds,
    max_queue_seconds,
    handle_seconds,
    sales,
    unclassified_calls,
    asa_seconds,
    service_level,
    abandon_rate,
    aht_seconds
from {{ ref('fct_inbound_queue_daily') }}
