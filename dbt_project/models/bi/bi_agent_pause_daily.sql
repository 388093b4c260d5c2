-- Stable BI view over fct_agent_pause_daily: explicit column list, no internal columns.
{{ config(alias='agent_pause_daily') }}

select
    agent_key,
    instance,
    activity_date,
    agent_user,
    pause_code,
    pause_seconds,
    share_of_pause,
    share_of_login
from {{ ref('fct_agent_pause_daily') }}
