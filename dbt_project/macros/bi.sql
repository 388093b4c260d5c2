{#-
  The bi views are derived, not hand-listed: `bi_view('<mart>')` selects every column of the
  mart (as built: adapter.get_columns_in_relation) in its order, typed the way BI drivers read
  them, and drops internal columns by rule. The bi model's yml is its enforced contract (name and
  data_type per column), so a mart change that would change the BI surface fails the bi build
  until the contract says so.

  Type rule (pandas reads HUGEINT as float, DECIMAL as object; JDBC/ODBC map them oddly):
    HUGEINT / UHUGEINT / UBIGINT / UINTEGER  -> BIGINT   (sum() of BIGINT is HUGEINT in DuckDB)
    TINYINT / SMALLINT / UTINYINT / USMALLINT -> INTEGER
    DECIMAL(p,s) / FLOAT / REAL               -> DOUBLE  (avg() and x / 3600.0 give DECIMAL)
    TIMESTAMP_S / _MS / _NS                   -> TIMESTAMP
    everything else (BIGINT, INTEGER, DOUBLE, DATE, TIMESTAMP, TIMESTAMPTZ, VARCHAR, BOOLEAN) kept.
  Internal-column rule: a mart column with `meta: {internal: true}` in the mart's yml; snapshot
  bookkeeping (snapshot_key, dbt_scd_id, dbt_updated_at). Snapshots' dbt_valid_from/to become
  valid_from/valid_to, plus is_current.
-#}

{% macro bi_type(data_type) -%}
    {%- set t = data_type | upper -%}
    {%- if t in ('HUGEINT', 'UHUGEINT', 'UBIGINT', 'UINTEGER') -%}BIGINT
    {%- elif t in ('TINYINT', 'SMALLINT', 'UTINYINT', 'USMALLINT') -%}INTEGER
    {%- elif t.startswith('DECIMAL') or t.startswith('NUMERIC') or t in ('FLOAT', 'REAL') -%}DOUBLE
    {%- elif t in ('TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS') -%}TIMESTAMP
    {%- else -%}{{ t }}
    {%- endif -%}
{%- endmacro %}

{% macro bi_internal_columns(model_name) -%}
    {%- set internal = ['snapshot_key', 'dbt_scd_id', 'dbt_updated_at'] -%}
    {%- for node in graph.nodes.values()
          if node.resource_type in ('model', 'snapshot') and node.name == model_name -%}
        {%- for col in node.columns.values() if (col.meta or {}).get('internal') -%}
            {%- do internal.append(col.name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(internal) }}
{%- endmacro %}

{% macro bi_view(model_name) -%}
    {%- set relation = ref(model_name) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    {%- if not columns %}
select * from {{ relation }}
    {%- else -%}
    {%- set internal = bi_internal_columns(model_name) -%}
    {%- set renames = {'dbt_valid_from': 'valid_from', 'dbt_valid_to': 'valid_to'} -%}
    {%- set out = [] -%}
    {%- for col in columns if col.name not in internal -%}
        {%- set bi_t = bi_type(col.dtype) -%}
        {%- set expr = adapter.quote(col.name) if bi_t == (col.dtype | upper)
                       else 'cast(' ~ adapter.quote(col.name) ~ ' as ' ~ bi_t ~ ')' -%}
        {%- do out.append(expr ~ ' as ' ~ adapter.quote(renames.get(col.name, col.name))) -%}
    {%- endfor -%}
    {%- if 'dbt_valid_to' in columns | map(attribute='name') | list -%}
        {%- do out.append('dbt_valid_to is null as is_current') -%}
    {%- endif %}
select
    {{ out | join(',\n    ') }}
from {{ relation }}
    {%- endif -%}
{%- endmacro %}
