-- Stable BI view over fct_campaign_abandon_30d: explicit column list, no internal columns.
{{ config(alias='campaign_abandon_30d') }}

select
    campaign_key,
    instance,
    campaign,
    activity_date,
    window_start_date,
    window_first_active_date,
    dials_day,
    drops_day,
    human_answered_day,
    dials_30d,
    drops_30d,
    human_answered_30d,
    abandon_rate_30d,
    abandon_limit,
    is_breach
from {{ ref('fct_campaign_abandon_30d') }}
