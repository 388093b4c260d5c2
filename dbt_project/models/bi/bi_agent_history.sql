-- SCD2 history from snapshot snp_users (dbt_ columns renamed, internal key dropped).
{{ config(alias='agent_history') }}

select
    instance,
    agent_user,
    user_id,
    full_name,
    extension,
    user_level,
    is_active,
    primary_campaign_id,
    primary_campaign_name,
    user_rank,
    profile_id,
    allowed_portfolios,
    can_inbound,
    can_dialer,
    can_transfer,
    is_manual_dial_only,
    closer_campaigns,
    can_agent_call_manual,
    observed_on,
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current
from {{ ref('snp_users') }}
