{% snapshot snp_list_info %}
{#- SCD2 history of lists (list_info): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=['list_name', 'campaign_id', 'is_active', 'expiration_date', 'resets_today', 'all_leads_count', 'new_leads_count'],
    hard_deletes='invalidate'
) }}

select
    instance || '|' || list_id as snapshot_key,
    instance, list_id,
    list_name,
    campaign_id,
    is_active,
    expiration_date,
    resets_today,
    all_leads_count,
    new_leads_count,
    partition_date as observed_on
from {{ ref('stg_vicidial__list_info') }}
qualify partition_date = max(partition_date) over (partition by instance)

{% endsnapshot %}
