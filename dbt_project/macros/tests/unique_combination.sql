{#- Generic test: the combination of `columns` is unique (the grain of a model).
    Usage: data_tests: [{unique_combination: {arguments: {columns: [a, b]}}}]
    In a run with a restatement window (vars start_date/end_date) only the window's rows are
    tested — the days that run rewrote — so the nightly cost follows the days restated, not
    the history; a run without a window (full refresh, `dialsync transform`) tests every row.
    The window column is `window_column`, else the first of partition_date / activity_date /
    call_date the model has. -#}
{% test unique_combination(model, columns, window_column=none) %}
select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
where {{ test_window(model, window_column) }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Generic test: a numeric column lies in [min_value, max_value] (NULLs pass). -#}
{% test between(model, column_name, min_value=none, max_value=none) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and (
    false
    {% if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
    {% if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
  )
{% endtest %}

{#- Generic test: every row satisfies the SQL `expression` (an arithmetic or logical invariant).
    Windowed like unique_combination (only the run's restated days when it has a window). -#}
{% test expression_is_true(model, expression, column_name=none, window_column=none) %}
select *
from {{ model }}
where {{ test_window(model, window_column) }}
  and not coalesce(({{ expression }}), false)
{% endtest %}


{#- The restatement-window predicate of a generic test: `window_column`, else the first of
    partition_date / activity_date / call_date the model has; `true` outside a windowed run
    or for a model with none of them. -#}
{% macro test_window(model, window_column=none) %}
{%- set ns = namespace(wc=window_column) -%}
{%- if ns.wc is none and execute -%}
    {%- set names = adapter.get_columns_in_relation(model) | map(attribute='name') | map('lower') | list -%}
    {%- for c in ['partition_date', 'activity_date', 'call_date'] -%}
        {%- if ns.wc is none and c in names -%}{%- set ns.wc = c -%}{%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- if ns.wc is none -%}true{%- else -%}{{ window_predicate(ns.wc) }}{%- endif -%}
{% endmacro %}
