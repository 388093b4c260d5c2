-- One row per user × pause code × day of croco-dial exportPauseReport, stored long by the
-- parser: `pause_code`/`seconds` are the installation-specific pause-code columns (lunch, wc,
-- priv, ...); the report's fixed per-user columns (wait_sec, talk_sec, billable_time, ...)
-- are repeated on each of the user's rows - read them once per user (int_agent_day_time),
-- never sum them over codes. A user without any pause-code column has one row with
-- pause_code NULL.
with source as (
    select * from {{ source('raw', 'pause_report') }}
)

select
    {{ clean_agent('"user"') }}             as agent_user,
    lower({{ clean_text('pause_code') }})   as pause_code,
    cast(seconds as bigint)                 as pause_code_seconds,
    cast(logged_days as bigint)             as logged_days,
    cast(total_time as bigint)              as login_seconds,
    cast(wait_sec as bigint)                as wait_seconds,
    cast(talk_sec as bigint)                as talk_seconds,
    cast(manual_talk as bigint)             as manual_talk_seconds,
    cast(wp_sec as bigint)                  as wp_seconds,
    cast(dispo_sec as bigint)               as dispo_seconds,
    cast(dead_sec as bigint)                as dead_seconds,
    cast(pause_sec as bigint)               as pause_seconds,
    cast(billable_time as bigint)           as billable_seconds,
    cast(no_billable_time as bigint)        as non_billable_seconds,
    {{ lineage_columns() }}
from source
where {{ clean_agent('"user"') }} is not null
{{ dedupe(['_instance', '_partition_date', '"user"', 'lower(pause_code)']) }}
