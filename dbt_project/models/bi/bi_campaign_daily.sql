-- Stable BI view over fct_campaign_daily: explicit column list, no internal columns.
{{ config(alias='campaign_daily') }}

select
    campaign_key,
    instance,
    activity_date,
    campaign,
    metrics_source,
    dials,
    dialer_calls,
    manual_calls,
    inbound_calls,
    human_answered,
    contacts,
    handled_calls,
    drops,
    outbound_human_answered,
    sales,
    handle_seconds,
    agent_hours,
    total_leads,
    dialable_leads,
    pending_leads,
    reported_dialed_calls,
    reported_handled_calls,
    dispo_report_calls,
    drop_rate,
    contact_rate,
    conversion_rate,
    aht_seconds,
    calls_per_agent_hour,
    list_penetration
from {{ ref('fct_campaign_daily') }}
