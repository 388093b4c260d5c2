{#-
  Status lookup with configuration precedence (int_status_rules): the campaign's own rule, else
  the instance's, else the status_categories seed. `join_status_rules` emits the three LEFT
  JOINs (aliases <prefix>_c, <prefix>_i, <prefix>_g); `status_rule(col)` reads a column from the
  most specific rule found; `status_known()` says whether any rule matched.
-#}
{% macro join_status_rules(instance, campaign, status, prefix='sr') -%}
    left join {{ ref('int_status_rules') }} as {{ prefix }}_c
        on {{ prefix }}_c.instance = {{ instance }} and {{ prefix }}_c.campaign = {{ campaign }}
       and {{ prefix }}_c.status = {{ status }}
    left join {{ ref('int_status_rules') }} as {{ prefix }}_i
        on {{ prefix }}_i.instance = {{ instance }} and {{ prefix }}_i.campaign = '*'
       and {{ prefix }}_i.status = {{ status }}
    left join {{ ref('int_status_rules') }} as {{ prefix }}_g
        on {{ prefix }}_g.instance = '*' and {{ prefix }}_g.campaign = '*'
       and {{ prefix }}_g.status = {{ status }}
{%- endmacro %}

{% macro status_rule(column, prefix='sr') -%}
    coalesce({{ prefix }}_c.{{ column }}, {{ prefix }}_i.{{ column }}, {{ prefix }}_g.{{ column }})
{%- endmacro %}

{% macro status_known(prefix='sr') -%}
    coalesce({{ prefix }}_c.status, {{ prefix }}_i.status, {{ prefix }}_g.status) is not null
{%- endmacro %}

{#- a list var as a SQL list literal: ('AFTHRS', 'NANQUE') -#}
{% macro sql_list(values) -%}
    ({%- for v in values %}'{{ v | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor -%})
{%- endmacro %}
