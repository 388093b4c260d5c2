-- Stable BI view over dim_date: explicit column list, no internal columns.
{{ config(alias='dates') }}

select
    date_day,
    year,
    quarter,
    month,
    month_name,
    month_start_date,
    iso_week,
    week_start_date,
    iso_day_of_week,
    day_name,
    is_weekend
from {{ ref('dim_date') }}
