-- Stable BI view over dim_portfolio: explicit column list, no internal columns.
{{ config(alias='portfolios') }}

select
    portfolio_key,
    instance,
    portfolio,
    portfolio_name,
    in_portfolios_snapshot
from {{ ref('dim_portfolio') }}
