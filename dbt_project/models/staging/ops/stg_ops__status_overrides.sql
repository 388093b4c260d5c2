-- One row per configured status override (dialsync.toml `[instances.<i>.statuses.<CODE>]`, and
-- `[instances.<i>.campaign_statuses.<campaign>.<CODE>]`), from ops.status_overrides that
-- runner.ops_tables writes at every publish. campaign '*' = every campaign of the instance.
-- A NULL flag keeps the status_categories seed's value. A warehouse built without the ops table
-- (e.g. a bare `dbt build`) has no overrides: the same typed, empty relation.
{%- set rel = adapter.get_relation(database=target.database, schema='ops', identifier='status_overrides')
    if execute else none %}

{% if rel is not none %}
select
    cast(instance as varchar)                           as instance,
    coalesce(nullif(trim(cast(campaign as varchar)), ''), '*') as campaign,
    {{ status_code('status') }}                         as status,
    {{ clean_text('status_name') }}                     as status_name,
    upper({{ clean_text('status_category') }})          as status_category,
    cast(is_human_answered as boolean)                  as is_human_answered,
    cast(is_contact as boolean)                         as is_contact,
    cast(is_sale as boolean)                            as is_sale,
    cast(is_drop as boolean)                            as is_drop
from {{ rel }}
where {{ status_code('status') }} is not null
{% else %}
select
    cast(null as varchar) as instance, cast(null as varchar) as campaign, cast(null as varchar) as status,
    cast(null as varchar) as status_name, cast(null as varchar) as status_category,
    cast(null as boolean) as is_human_answered, cast(null as boolean) as is_contact,
    cast(null as boolean) as is_sale, cast(null as boolean) as is_drop
where false
{% endif %}
