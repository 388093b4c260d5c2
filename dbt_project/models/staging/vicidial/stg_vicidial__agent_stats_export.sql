-- One row per user (× campaign when the export was grouped by campaign) × day of VICIdial
-- agent_stats_export (time_format=S: seconds), conformed to dialsync's time components.
-- What the servers print (api-facts.md, "Measured against a running non_agent_api.php"):
--   2.14-202: talk_time INCLUDES dead_time (agent_log talk_sec holds dead_sec); total_talk_time
--     = talk − dead; login = pause + wait + talk + dispo. So customer talk is total_talk_time,
--     and handle = talk_time + dispo_time (never + dead again). A row with calls = 0 prints
--     wait/talk/dispo/dead as 0 while login and pause count them: wait = login − pause there.
--   2.14-96 (2017; Dialer360): no talk_time/dispo_time/dead_time (NULL, not 0); wait_time is the
--     unnamed 17th value. Handle is still exact: login − pause − wait.
--   documented 17-column form: total_wait_time instead of wait_time, no split.
-- avg_* values are unreliable on real servers (avg_talk_time from the previous agent): kept
-- only for reference; averages are derived from totals downstream.
with source as (
    select * from {{ source('raw', 'agent_stats_export') }}
),

typed as (
    select
        *,
        cast(calls as bigint)                               as _calls,
        cast(login_time as bigint)                          as _login,
        cast(pause_time as bigint)                          as _pause,
        cast(coalesce(wait_time, total_wait_time) as bigint) as _wait,
        cast(talk_time as bigint)                           as _talk_with_dead,
        cast(dispo_time as bigint)                          as _dispo,
        cast(dead_time as bigint)                           as _dead
    from source
)

select
    {{ clean_agent('"user"') }}         as agent_user,
    {{ clean_text('campaign_id') }}     as campaign_id,
    {{ clean_text('full_name') }}       as full_name,
    {{ clean_text('user_group') }}      as user_group,
    _calls                              as calls,
    _login                              as login_seconds,
    cast(total_talk_time as bigint)     as total_talk_seconds,
    cast(avg_talk_time as bigint)       as reported_avg_talk_seconds,
    cast(avg_wait_time as bigint)       as reported_avg_wait_seconds,
    cast(pct_of_queue as double)        as pct_of_queue,
    _pause                              as pause_seconds,
    cast(sessions as bigint)            as sessions,
    cast(avg_session as bigint)         as reported_avg_session_seconds,
    cast(pauses as bigint)              as pauses,
    cast(avg_pause_time as bigint)      as reported_avg_pause_seconds,
    cast(pause_pct as double)           as pause_pct,
    cast(pauses_per_session as double)  as pauses_per_session,
    _talk_with_dead                     as reported_talk_seconds,
    -- conformed components (meaning as in the KPI glossary; NULL where the server has no column)
    case when _calls = 0 and _talk_with_dead is not null then _login - _pause - _talk_with_dead - _dispo
         else _wait end                 as wait_seconds,
    case when _talk_with_dead is not null then _talk_with_dead - _dead
         else cast(total_talk_time as bigint) end as talk_seconds,
    _dispo                              as dispo_seconds,
    _dead                               as dead_seconds,
    case when _talk_with_dead is not null then _talk_with_dead + _dispo
         else _login - _pause - _wait end as handle_seconds,
    {{ lineage_columns() }}
from typed
where {{ clean_agent('"user"') }} is not null
{{ dedupe(['_instance', '_partition_date', '"user"', 'campaign_id']) }}
