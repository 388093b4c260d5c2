-- One row per user × portfolio × day (croco-dial exportAgentReport). API typo fixed:
-- `avalible` -> available_seconds; `talk_+_avail` -> talk_and_available_seconds.
with source as (
    select * from {{ source('raw', 'agent_report') }}
)

select
    {{ clean_agent('"user"') }}                 as agent_user,
    {{ clean_text('portfolio') }}               as portfolio,
    {{ clean_text('profile') }}                 as profile,
    first_activity                              as first_activity_at_local,
    first_activity_utc                          as first_activity_at_utc,
    last_activity                               as last_activity_at_local,
    last_activity_utc                           as last_activity_at_utc,
    cast(login_time as bigint)                  as login_seconds,
    cast(avalible as bigint)                    as available_seconds,
    cast(avail_between_calls as bigint)         as available_between_calls_seconds,
    cast(talk as bigint)                        as talk_seconds,
    cast(avg_talk as bigint)                    as avg_talk_seconds,
    cast("talk_+_avail" as bigint)              as talk_and_available_seconds,
    cast(wp_sec as bigint)                      as wp_seconds,
    cast(aftercall as bigint)                   as after_call_seconds,
    cast("break" as bigint)                     as break_seconds,
    cast(pause as bigint)                       as pause_seconds,
    cast(total_calls as bigint)                 as total_calls,
    cast(sales as bigint)                       as sales,
    cast(denied as bigint)                      as denied,
    cast(lip as bigint)                         as lip,
    cast(vrf as bigint)                         as vrf,
    {{ lineage_columns() }}
from source
where {{ clean_agent('"user"') }} is not null
{{ dedupe(['_instance', '_partition_date', '"user"', 'portfolio']) }}
