-- One row per user × day (croco-dial agent_calls_report, data.agent_report).
with source as (
    select * from {{ source('raw', 'agent_calls_report') }}
)

select
    {{ clean_agent('"user"') }}     as agent_user,
    {{ clean_text('profile') }}     as profile,
    {{ clean_text('portfolio') }}   as portfolio,
    cast(avg_talk as double)        as avg_talk_seconds,
    cast(total_calls as bigint)     as total_calls,
    cast(manual as bigint)          as manual_calls,
    cast(inbound as bigint)         as inbound_calls,
    cast(dialer as bigint)          as dialer_calls,
    {{ lineage_columns() }}
from source
where {{ clean_agent('"user"') }} is not null
{{ dedupe(['_instance', '_partition_date', '"user"']) }}
