{% snapshot snp_campaigns %}
{#- SCD2 history of campaigns (goGetAllCampaigns): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{% set attributes = ['campaign_name', 'is_auto_dial', 'uses_amd', 'is_list_mix', 'dial_method', 'auto_dial_level', 'is_active'] %}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=attributes,
    hard_deletes='invalidate'
) }}

{{ latest_dimension_snapshot(ref('stg_crocodial__campaigns'), 'campaign_id', attributes) }}

{% endsnapshot %}
