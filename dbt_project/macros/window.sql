{#-
  The restatement window. The orchestrator passes `start_date` / `end_date` (dialer-local
  days, inclusive; run_var) for the partitions it re-synced; incremental facts rebuild exactly those
  days. With no window (both null) or on a full refresh every day is rebuilt, so a full
  refresh and any sequence of windowed runs give the same table.
-#}

{#- A run var: `--vars` if given (an analyst's run), else DIALSYNC_DBT_<NAME>, which dialsync sets
    (warehouse.dbt.RUN_VARS) and which is read only at execution: a var that changes every run
    would make dbt parse the whole project again on every run. none when unset. -#}
{% macro run_var(name) -%}
    {%- set v = var(name, none) -%}
    {%- if v in (none, '', 'None', 'null') and execute -%}
        {%- set v = env_var('DIALSYNC_DBT_' ~ name | upper, '') -%}
    {%- endif -%}
    {%- if v in (none, '', 'None', 'null', false, 'false') -%}{{ return(none) }}{%- else -%}{{ return(v | string) }}{%- endif -%}
{%- endmacro %}

{% macro window_start() -%}{{ return(run_var('start_date')) }}{%- endmacro %}

{% macro window_end() -%}{{ return(run_var('end_date')) }}{%- endmacro %}

{#- SQL predicate: `column` inside the window; `lookback_days` widens the start (rolling
    metrics), `lookahead_days` the end (rows of the next day that belong to the window). -#}
{% macro window_predicate(column, lookback_days=0, lookahead_days=0) -%}
    {%- set s = window_start() -%}
    {%- set e = window_end() -%}
    {%- if s is none and e is none -%}
        true
    {%- else -%}
        ({{ column }} >= {% if s is none %}date '1900-01-01'{% else %}date '{{ s }}'{% endif %} - interval {{ lookback_days }} day
         and {{ column }} <= {% if e is none %}date '9999-12-31'{% else %}date '{{ e }}'{% endif %} + interval {{ lookahead_days }} day)
    {%- endif -%}
{%- endmacro %}

{#- Filter for the rows an incremental model (re)computes: the window when incremental, else all. -#}
{#- `build_batch` (warehouse.dbt.batched): the first batch of a long build, which creates the
    model (or fully refreshes it) with its own days only; the next batches add theirs. -#}
{% macro incremental_window(column, lookback_days=0, lookahead_days=0) -%}
    {%- if is_incremental() or run_var('build_batch') -%}{{ window_predicate(column, lookback_days, lookahead_days) }}{%- else -%}true{%- endif -%}
{%- endmacro %}

{#- pre-hook of every incremental model (dbt_project.yml): delete the whole window first, so a day
    that became empty on restatement disappears too (delete+insert alone only deletes keys it
    re-inserts). The day column is the model's unique_key unless given. -#}
{% macro delete_window(column=none) -%}
    {%- set column = column or config.get('unique_key') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ window_predicate(column) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- Every generic data test reads its model through this macro (dbt's own, overridden here). On a
    run with a window (the nightly's restated days), a test reads only that window's rows, so its
    cost follows the restated days, not the history; a build without a window, and the last step
    of a batched build (var `full_tests`), test every row. A test's own `where` still applies. -#}
{% macro get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- if config.get('where', '') -%}{%- do filters.append('(' ~ config.get('where') ~ ')') -%}{%- endif -%}
    {%- set day = test_day_column(relation) -%}
    {%- if day -%}{%- do filters.append(window_predicate(day)) -%}{%- endif -%}
    {%- if filters -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ filters | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The day column that scopes a test of `relation` to the run's window: none outside a windowed
    run (or with `full_tests`); an incremental model's unique_key; else the first of
    partition_date / activity_date / call_date the relation has (none: every row). -#}
{% macro test_day_column(relation) -%}
    {%- if not execute or (window_start() is none and window_end() is none) or run_var('full_tests') -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model'
            and node.config.materialized == 'incremental'
            and (node.alias or node.name) | lower == (relation.identifier or '') | lower
            and node.schema | lower == (relation.schema or '') | lower -%}
        {%- do return(node.config.unique_key) -%}
    {%- endfor -%}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- for c in ['partition_date', 'activity_date', 'call_date'] if c in names -%}
        {%- do return(c) -%}
    {%- endfor -%}
    {%- do return(none) -%}
{%- endmacro %}
