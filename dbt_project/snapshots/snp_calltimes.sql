{% snapshot snp_calltimes %}
{#- SCD2 history of call times (goGetAllCalltimes): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=['call_time_name', 'default_start_hhmm', 'default_stop_hhmm', 'user_group'],
    hard_deletes='invalidate'
) }}

select
    instance || '|' || call_time_id as snapshot_key,
    instance, call_time_id,
    call_time_name,
    default_start_hhmm,
    default_stop_hhmm,
    user_group,
    partition_date as observed_on
from {{ ref('stg_crocodial__calltimes') }}
qualify partition_date = max(partition_date) over (partition by instance)

{% endsnapshot %}
