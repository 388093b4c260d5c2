-- Stable BI view over dim_list: explicit column list, no internal columns.
{{ config(alias='lists') }}

select
    list_key,
    instance,
    list_id,
    list_name,
    campaign_id,
    is_active,
    list_changed_at_local,
    list_last_called_at_local,
    expiration_date,
    resets_today,
    all_leads_count,
    new_leads_count,
    list_penetration,
    calls_total,
    first_call_date,
    last_call_date
from {{ ref('dim_list') }}
