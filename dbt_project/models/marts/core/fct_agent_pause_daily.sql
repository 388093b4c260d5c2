-- Grain: one row per agent × pause code × day × instance (exportPauseReport pause-code
-- columns; only croco-dial reports per-code pause time).

with pauses as (
    select * from {{ ref('stg_crocodial__pause_report') }}
    where pause_code is not null
      and {{ incremental_window('partition_date') }}
),

budget as (
    select instance, partition_date, agent_user, login_seconds, pause_seconds
    from {{ ref('int_agent_day_time') }}
    where {{ incremental_window('partition_date') }}
)

select
    {{ surrogate_key(['p.instance', 'p.agent_user']) }}             as agent_key,
    p.instance,
    p.partition_date                                                as activity_date,
    p.agent_user,
    p.pause_code,
    coalesce(p.pause_code_seconds, 0)                               as pause_seconds,
    {{ kpi_rate('p.pause_code_seconds', 'b.pause_seconds') }}       as share_of_pause,
    {{ kpi_pause_share('p.pause_code_seconds', 'b.login_seconds') }} as share_of_login
from pauses as p
left join budget as b
    on  p.instance = b.instance
    and p.partition_date = b.partition_date
    and p.agent_user = b.agent_user
