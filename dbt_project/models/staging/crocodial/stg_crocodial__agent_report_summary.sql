-- One row per summary type (Summary/Average/Max/Min) × day of exportAgentReport; kept for
-- reconciliation of the agent-day facts against the dialer's own totals.
with source as (
    select * from {{ source('raw', 'agent_report_summary') }}
)

select
    lower({{ clean_text('type') }})             as summary_type,
    cast(login_time as double)                  as login_seconds,
    cast(avalible as double)                    as available_seconds,
    cast(avail_between_calls as double)         as available_between_calls_seconds,
    cast(talk as double)                        as talk_seconds,
    cast(avg_talk as double)                    as avg_talk_seconds,
    cast("talk_+_avail" as double)              as talk_and_available_seconds,
    cast(wp_sec as double)                      as wp_seconds,
    cast(aftercall as double)                   as after_call_seconds,
    cast("break" as double)                     as break_seconds,
    cast(pause as double)                       as pause_seconds,
    cast(total_calls as double)                 as total_calls,
    cast(sales as double)                       as sales,
    cast(denied as double)                      as denied,
    cast(lip as double)                         as lip,
    cast(vrf as double)                         as vrf,
    {{ lineage_columns() }}
from source
{{ dedupe(['_instance', '_partition_date', 'type']) }}
