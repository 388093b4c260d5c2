-- One row per user (× campaign when the export was grouped by campaign) × day of VICIdial
-- agent_stats_export (time_format=S: seconds). Older servers print the documented 17
-- columns (total_wait_time, no wait/talk/dispo/dead split): wait falls back to total_wait_time.
-- avg_talk_time is unreliable on real servers (computed from the previous agent); averages
-- are derived from totals downstream, the raw value is kept only for reference.
with source as (
    select * from {{ source('raw', 'agent_stats_export') }}
)

select
    {{ clean_agent('"user"') }}         as agent_user,
    {{ clean_text('campaign_id') }}     as campaign_id,
    {{ clean_text('full_name') }}       as full_name,
    {{ clean_text('user_group') }}      as user_group,
    cast(calls as bigint)               as calls,
    cast(login_time as bigint)          as login_seconds,
    cast(total_talk_time as bigint)     as total_talk_seconds,
    cast(avg_talk_time as bigint)       as reported_avg_talk_seconds,
    cast(avg_wait_time as bigint)       as reported_avg_wait_seconds,
    cast(pct_of_queue as double)        as pct_of_queue,
    cast(pause_time as bigint)          as pause_seconds,
    cast(sessions as bigint)            as sessions,
    cast(avg_session as bigint)         as reported_avg_session_seconds,
    cast(pauses as bigint)              as pauses,
    cast(avg_pause_time as bigint)      as reported_avg_pause_seconds,
    cast(pause_pct as double)           as pause_pct,
    cast(pauses_per_session as double)  as pauses_per_session,
    cast(coalesce(wait_time, total_wait_time) as bigint) as wait_seconds,
    cast(talk_time as bigint)           as talk_seconds,
    cast(dispo_time as bigint)          as dispo_seconds,
    cast(dead_time as bigint)           as dead_seconds,
    {{ lineage_columns() }}
from source
where {{ clean_agent('"user"') }} is not null
{{ dedupe(['_instance', '_partition_date', '"user"', 'campaign_id']) }}
