{% snapshot snp_calltimes %}
{#- SCD2 history of call times (goGetAllCalltimes): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{% set attributes = ['call_time_name', 'default_start_hhmm', 'default_stop_hhmm', 'user_group'] %}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=attributes,
    hard_deletes='invalidate'
) }}

{{ latest_dimension_snapshot(ref('stg_crocodial__calltimes'), 'call_time_id', attributes) }}

{% endsnapshot %}
