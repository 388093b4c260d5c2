{#- The select of every SCD2 snapshot: the latest daily dimension snapshot per instance,
    keyed `instance|<key>`, with the tracked attributes. Each snapshot file names its
    attributes once and passes the same list to `check_cols`, so the two cannot drift. -#}
{% macro latest_dimension_snapshot(model, key, attributes) -%}
select
    instance || '|' || {{ key }} as snapshot_key,
    instance, {{ key }},
    {%- for col in attributes %}
    {{ col }},
    {%- endfor %}
    partition_date as observed_on
from {{ model }}
qualify partition_date = max(partition_date) over (partition by instance)
{%- endmacro %}
