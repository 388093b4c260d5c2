{#- Layers land in plain schemas (staging, intermediate, marts, bi, snapshots, reference)
    instead of dbt's default "<target schema>_<custom schema>". Raw views live in `raw`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
