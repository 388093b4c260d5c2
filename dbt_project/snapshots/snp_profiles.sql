{% snapshot snp_profiles %}
{#- SCD2 history of profiles (getAllProfiles): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=['profile_name'],
    hard_deletes='invalidate'
) }}

select
    instance || '|' || profile_id as snapshot_key,
    instance, profile_id,
    profile_name,
    partition_date as observed_on
from {{ ref('stg_crocodial__profiles') }}
qualify partition_date = max(partition_date) over (partition by instance)

{% endsnapshot %}
