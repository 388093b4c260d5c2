-- Stable BI view over dim_agent: explicit column list, no internal columns.
{{ config(alias='agents') }}

select
    agent_key,
    instance,
    agent_user,
    user_id,
    full_name,
    user_group,
    extension,
    user_level,
    is_active,
    profile_id,
    profile_name,
    primary_portfolio,
    allowed_portfolios,
    primary_campaign_id,
    primary_campaign_name,
    can_inbound,
    can_dialer,
    is_manual_dial_only,
    in_users_snapshot,
    first_activity_date,
    last_activity_date
from {{ ref('dim_agent') }}
