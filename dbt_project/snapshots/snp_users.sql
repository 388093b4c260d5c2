{% snapshot snp_users %}
{#- SCD2 history of users (goGetAllUsers): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{% set attributes = ['user_id', 'full_name', 'extension', 'user_level', 'is_active', 'primary_campaign_id', 'primary_campaign_name', 'user_rank', 'profile_id', 'allowed_portfolios', 'can_inbound', 'can_dialer', 'can_transfer', 'is_manual_dial_only', 'closer_campaigns', 'can_agent_call_manual'] %}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=attributes,
    hard_deletes='invalidate'
) }}

{{ latest_dimension_snapshot(ref('stg_crocodial__users'), 'agent_user', attributes) }}

{% endsnapshot %}
