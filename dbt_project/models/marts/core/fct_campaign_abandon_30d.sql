/*
  Grain: one row per outbound campaign × day × instance (days the campaign had outbound
  activity). Rolling 30-day (the day and the 29 before) abandonment = TSR-abandoned / live-answered
  outbound calls, compared with var abandon_limit (3 %, US TSR / FTC). TSR-abandoned follows the
  2-second rule where the per-call wait is known (croco-dial CDR: a live answer not connected to
  an agent within var tsr_connect_seconds), else the DROP-status form (dialer reports);
  abandon_rule says which the window used (2_second, drop_status, or mixed). drop_rate_30d is
  the DROP-status form everywhere (what the dialer's own drop % shows). Incremental: reads
  29 extra days of fct_campaign_daily before the window, writes only the window's days.
*/

with daily as (
    select instance, campaign, campaign_key, activity_date, dials, drops, tsr_abandoned, abandon_rule,
           outbound_human_answered
    from {{ ref('fct_campaign_daily') }}
    where dials > 0
      and {{ incremental_window('activity_date', lookback_days=29) }}
),

rolling as (
    select
        *,
        sum(drops) over w                       as drops_30d,
        sum(tsr_abandoned) over w               as abandoned_30d,
        case when min(abandon_rule) over w = max(abandon_rule) over w then max(abandon_rule) over w
             else 'mixed' end                   as window_abandon_rule,
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
    tsr_abandoned                                               as abandoned_day,
    outbound_human_answered                                     as human_answered_day,
    dials_30d,
    drops_30d,
    abandoned_30d,
    human_answered_30d,
    window_abandon_rule                                         as abandon_rule,
    {{ kpi_drop_rate('drops_30d', 'human_answered_30d') }}      as drop_rate_30d,
    {{ kpi_drop_rate('abandoned_30d', 'human_answered_30d') }}  as abandon_rate_30d,
    cast({{ var('abandon_limit') }} as double)                  as abandon_limit,
    {{ kpi_abandon_breach(kpi_drop_rate('abandoned_30d', 'human_answered_30d')) }} as is_breach
from rolling
where {{ incremental_window('activity_date') }}
