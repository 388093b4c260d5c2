{% snapshot snp_list_info %}
{#- SCD2 history of lists (list_info): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{% set attributes = ['list_name', 'campaign_id', 'is_active', 'expiration_date', 'resets_today', 'all_leads_count', 'new_leads_count'] %}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=attributes,
    hard_deletes='invalidate'
) }}

{{ latest_dimension_snapshot(ref('stg_vicidial__list_info'), 'list_id', attributes) }}

{% endsnapshot %}
