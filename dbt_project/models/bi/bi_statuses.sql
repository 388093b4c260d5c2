-- Stable BI view over dim_status: explicit column list, no internal columns.
{{ config(alias='statuses') }}

select
    status_code,
    status_name,
    status_category,
    is_human_answered,
    is_contact,
    is_sale,
    is_drop,
    is_classified,
    classified_by,
    calls_seen
from {{ ref('dim_status') }}
