{% snapshot snp_campaigns %}
{#- SCD2 history of campaigns (goGetAllCampaigns): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=['campaign_name', 'is_auto_dial', 'uses_amd', 'is_list_mix', 'dial_method', 'auto_dial_level', 'is_active'],
    hard_deletes='invalidate'
) }}

select
    instance || '|' || campaign_id as snapshot_key,
    instance, campaign_id,
    campaign_name,
    is_auto_dial,
    uses_amd,
    is_list_mix,
    dial_method,
    auto_dial_level,
    is_active,
    partition_date as observed_on
from {{ ref('stg_crocodial__campaigns') }}
qualify partition_date = max(partition_date) over (partition by instance)

{% endsnapshot %}
