{#- Deterministic surrogate key: md5 over the '|'-joined text of the columns (NULL -> ''). -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for c in columns %}, coalesce(cast({{ c }} as varchar), ''){% endfor -%}
    ))
{%- endmacro %}

{#- The standard lineage columns every staging model carries (contracts.md, "Columns of a raw table" §4). -#}
{% macro lineage_columns() -%}
    _instance as instance,
    _partition_date as partition_date,
    _extracted_at as extracted_at,
    _source_row as source_row
{%- endmacro %}

{#- Keep one row per grain: the newest extraction, then the first row of the response. -#}
{% macro dedupe(keys) -%}
    qualify row_number() over (
        partition by {{ keys | join(', ') }}
        order by _extracted_at desc nulls last, _source_row
    ) = 1
{%- endmacro %}

{#- Text key normalisation: trimmed, empty -> NULL. -#}
{% macro clean_text(col) -%}
    nullif(trim(cast({{ col }} as varchar)), '')
{%- endmacro %}

{#- Agent user or NULL for VICIdial pseudo users (VDAD, VDCL...) and blanks. -#}
{% macro clean_agent(col) -%}
    case
        when nullif(trim(cast({{ col }} as varchar)), '') is null then null
        when upper(trim(cast({{ col }} as varchar))) in (
            {%- for u in var('non_agent_users') %}'{{ u }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        ) then null
        else trim(cast({{ col }} as varchar))
    end
{%- endmacro %}

{#- Normalised disposition/status code used to join the status reference. -#}
{% macro status_code(col) -%}
    upper(nullif(trim(cast({{ col }} as varchar)), ''))
{%- endmacro %}
