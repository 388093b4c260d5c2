-- Stable BI view over dim_campaign: explicit column list, no internal columns.
{{ config(alias='campaigns') }}

select
    campaign_key,
    instance,
    campaign,
    campaign_id,
    campaign_name,
    dial_method,
    auto_dial_level,
    is_auto_dial,
    is_active,
    has_outbound_calls,
    has_inbound_calls,
    list_count,
    lead_count,
    first_activity_date,
    last_activity_date
from {{ ref('dim_campaign') }}
