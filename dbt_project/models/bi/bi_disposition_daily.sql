-- Stable BI view over fct_disposition_daily: explicit column list, no internal columns.
{{ config(alias='disposition_daily') }}

select
    campaign_key,
    instance,
    activity_date,
    campaign,
    status_code,
    status_category,
    calls_reported,
    campaign_total_calls_reported,
    row_sum_matches,
    calls_in_fct_calls,
    calls_difference,
    is_match
from {{ ref('fct_disposition_daily') }}
