-- SCD2 history from snapshot snp_portfolios (dbt_ columns renamed, internal key dropped).
{{ config(alias='portfolio_history') }}

select
    instance,
    portfolio,
    portfolio_name,
    observed_on,
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current
from {{ ref('snp_portfolios') }}
