-- One row per user × day of croco-dial goUsers getUserInfo `user_stats` (a snapshot of the
-- server's current day, one request per user). First/last activity are local times of day.
-- API spellings fixed: `avalible` -> available_seconds; sla_productivity is a fraction.
with source as (
    select * from {{ source('raw', 'user_stats') }}
)

select
    {{ clean_agent('"user"') }}             as agent_user,
    {{ clean_text('first_activity') }}      as first_activity_time,
    {{ clean_text('last_activity') }}       as last_activity_time,
    cast(login_time as bigint)              as login_seconds,
    cast(after_call as bigint)              as after_call_seconds,
    cast("break" as bigint)                 as break_seconds,
    cast(pause as bigint)                   as pause_seconds,
    cast(avalible as bigint)                as available_seconds,
    cast(avg_wait as bigint)                as avg_wait_seconds,
    cast(talk as bigint)                    as talk_seconds,
    cast(talk_avalible as bigint)           as talk_and_available_seconds,
    cast(total_calls as bigint)             as total_calls,
    cast(denied as bigint)                  as denied,
    cast(lip as bigint)                     as lip,
    cast(vrf as bigint)                     as vrf,
    cast(sales as bigint)                   as sales,
    cast(sla_productivity as double)        as sla_productivity,
    {{ lineage_columns() }}
from source
where {{ clean_agent('"user"') }} is not null
{{ dedupe(['_instance', '_partition_date', '"user"']) }}
