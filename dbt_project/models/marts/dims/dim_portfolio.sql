-- Grain: one row per portfolio (tenant) × instance: the latest getAllPortfolios snapshot
-- plus portfolios seen in calls or agent reports.
with latest as (
    select * from {{ ref('stg_crocodial__portfolios') }}
    qualify partition_date = max(partition_date) over (partition by instance)
),

seen as (
    select instance, portfolio from {{ ref('fct_calls') }} where portfolio is not null
    union
    select instance, portfolio from {{ ref('stg_crocodial__agent_report') }} where portfolio is not null
),

keys as (
    select instance, portfolio from latest
    union
    select instance, portfolio from seen
)

select
    {{ surrogate_key(['k.instance', 'k.portfolio']) }}      as portfolio_key,
    k.instance,
    k.portfolio,
    coalesce(l.portfolio_name, k.portfolio)                 as portfolio_name,
    l.portfolio is not null                                 as in_portfolios_snapshot
from keys as k
left join latest as l using (instance, portfolio)
