{% snapshot snp_profiles %}
{#- SCD2 history of profiles (getAllProfiles): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{% set attributes = ['profile_name'] %}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=attributes,
    hard_deletes='invalidate'
) }}

{{ latest_dimension_snapshot(ref('stg_crocodial__profiles'), 'profile_id', attributes) }}

{% endsnapshot %}
