{#- Generic test: the combination of `columns` is unique (the grain of a model).
    Usage: data_tests: [{unique_combination: {arguments: {columns: [a, b]}}}]
    On a run with a restatement window, `model` holds only the window's rows (every generic
    test reads its model through get_where_subquery, macros/window.sql). -#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
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

{#- Generic test: every row satisfies the SQL `expression` (an arithmetic or logical invariant);
    windowed like every generic test (get_where_subquery, macros/window.sql). -#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
