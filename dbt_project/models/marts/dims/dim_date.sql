-- Grain: one row per calendar day, covering every day of the facts (and at least
-- 2020-01-01 .. today + 1 year).
with bounds as (
    select
        least(date '2020-01-01', min(call_date))                                as first_day,
        greatest(cast(current_date + interval 365 day as date), max(call_date)) as last_day
    from (
        select call_date from {{ ref('fct_calls') }}
        union all
        select activity_date from {{ ref('fct_agent_daily') }}
        union all
        select activity_date from {{ ref('fct_campaign_daily') }}
    )
),

days as (
    select cast(range as date) as date_day
    from bounds, range(bounds.first_day, bounds.last_day + interval 1 day, interval 1 day)
)

select
    date_day,
    cast(year(date_day) as integer)                     as year,
    cast(quarter(date_day) as integer)                  as quarter,
    cast(month(date_day) as integer)                    as month,
    strftime(date_day, '%B')                            as month_name,
    cast(date_trunc('month', date_day) as date)         as month_start_date,
    cast(weekofyear(date_day) as integer)               as iso_week,
    cast(date_trunc('week', date_day) as date)          as week_start_date,
    cast(isodow(date_day) as integer)                   as iso_day_of_week,
    strftime(date_day, '%A')                            as day_name,
    isodow(date_day) in (6, 7)                          as is_weekend
from days
