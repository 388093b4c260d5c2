-- One row per user × day of croco-dial goDashboard agentTimeUsage (a snapshot of the server's
-- current day). Units as the dashboard prints them: login in hours, states in percent of login.
-- API spellings fixed: `avalible` -> available_pct, `pausa` -> pausa_pct (a second pause bucket).
with source as (
    select * from {{ source('raw', 'agent_time_usage') }}
)

select
    {{ clean_agent('"user"') }}             as agent_user,
    {{ clean_text('first_login') }}         as first_login,
    {{ clean_text('last_logoff') }}         as last_logoff,
    cast(login_time as double)              as login_hours,
    cast(after_call as double)              as after_call_pct,
    cast("break" as double)                 as break_pct,
    cast(pausa as double)                   as pausa_pct,
    cast(avalible as double)                as available_pct,
    cast(talk as double)                    as talk_pct,
    cast(wrapup as double)                  as wrapup_pct,
    cast(cust_leave as double)              as customer_left_pct,
    cast(total_calls as bigint)             as total_calls,
    cast(pause as double)                   as pause_pct,
    cast(ready as double)                   as ready_pct,
    {{ lineage_columns() }}
from source
where {{ clean_agent('"user"') }} is not null
{{ dedupe(['_instance', '_partition_date', '"user"']) }}
