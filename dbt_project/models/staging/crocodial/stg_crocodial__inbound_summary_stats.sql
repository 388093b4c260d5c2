-- One row per day of croco-dial inbound_summary_stats. abandon1 = abandoned after > 20 s,
-- abandon2 = all abandoned (API semantics, kept for reconciliation with fct_inbound_queue_daily).
with source as (
    select * from {{ source('raw', 'inbound_summary_stats') }}
)

select
    cast(calldate as date)              as call_date,
    cast(total_calls as bigint)         as total_calls,
    cast(queued_calls as bigint)        as queued_calls,
    cast(abandon1 as bigint)            as abandoned_over_20s_calls,
    cast(abandon2 as bigint)            as abandoned_calls,
    cast(handled_calls as bigint)       as handled_calls,
    cast(avg_hold_time as double)       as avg_hold_seconds,
    cast(avg_handle_time as double)     as avg_handle_seconds,
    {{ lineage_columns() }}
from source
{{ dedupe(['_instance', '_partition_date', 'calldate']) }}
