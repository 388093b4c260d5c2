-- MetricFlow's day time spine (the semantic layer's calendar: cumulative windows, metric_time): the
-- days of dim_date, which cover every fact day and 2020-01-01 .. today + 1 year. A table in marts,
-- so the published file stays self-contained.
{{ config(materialized='table', schema='marts') }}

select date_day
from {{ ref('dim_date') }}
