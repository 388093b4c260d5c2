/*
  Grain: one row per outbound campaign × day × instance (days the campaign had outbound
  activity). Rolling 30-day (the day and the 29 before) abandonment = drops / live-answered
  outbound calls, compared with var abandon_limit (3 %, US TSR / FTC). Incremental: reads
  29 extra days of fct_campaign_daily before the window, writes only the window's days.
*/
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_date',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_window('activity_date') }}"
) }}

with daily as (
    select instance, campaign, campaign_key, activity_date, dials, drops, outbound_human_answered
    from {{ ref('fct_campaign_daily') }}
    where dials > 0
      and {{ incremental_window('activity_date', lookback_days=29) }}
),

rolling as (
    select
        *,
        sum(drops) over w                       as drops_30d,
        sum(outbound_human_answered) over w     as human_answered_30d,
        sum(dials) over w                       as dials_30d,
        min(activity_date) over w               as window_first_active_date
    from daily
    window w as (
        partition by instance, campaign
        order by activity_date
        range between interval 29 day preceding and current row
    )
)

select
    campaign_key,
    instance,
    campaign,
    activity_date,
    cast(activity_date - interval 29 day as date)               as window_start_date,
    window_first_active_date,
    dials                                                       as dials_day,
    drops                                                       as drops_day,
    outbound_human_answered                                     as human_answered_day,
    dials_30d,
    drops_30d,
    human_answered_30d,
    {{ kpi_drop_rate('drops_30d', 'human_answered_30d') }}      as abandon_rate_30d,
    cast({{ var('abandon_limit') }} as double)                  as abandon_limit,
    {{ kpi_abandon_breach(kpi_drop_rate('drops_30d', 'human_answered_30d')) }} as is_breach
from rolling
where {{ incremental_window('activity_date') }}
