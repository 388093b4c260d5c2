-- One row per user × day of croco-dial agent_summary_stats (a snapshot of the server's
-- current day; partition_date comes from the response's `dates`). `USER` -> agent_user.
with source as (
    select * from {{ source('raw', 'agent_summary_stats') }}
)

select
    {{ clean_agent('"USER"') }}         as agent_user,
    cast(calls_handled as bigint)       as calls_handled,
    cast(manual_calls as bigint)        as manual_calls,
    cast(inbound_calls as bigint)       as inbound_calls,
    cast(dialer_calls as bigint)        as dialer_calls,
    cast(xfer_out as bigint)            as transfers_out,
    cast(xfer_in as bigint)             as transfers_in,
    cast(voicemail as bigint)           as voicemails,
    cast(denied as bigint)              as denied,
    cast(noa as bigint)                 as no_answers,
    cast(sales as bigint)               as sales,
    cast("WIT" as bigint)               as wit,
    cast(login_time as bigint)          as login_seconds,
    cast(pause as bigint)               as pause_seconds,
    cast("break" as bigint)             as break_seconds,
    cast(talk as bigint)                as talk_seconds,
    {{ clean_text('most_dispo') }}      as most_frequent_status,
    {{ clean_text('portfolio') }}       as portfolio,
    {{ clean_text('profile') }}         as profile,
    {{ clean_text('dates') }}           as reported_dates,
    {{ lineage_columns() }}
from source
where {{ clean_agent('"USER"') }} is not null
{{ dedupe(['_instance', '_partition_date', '"USER"']) }}
