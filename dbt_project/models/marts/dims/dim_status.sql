-- Grain: one row per canonical status code (croco-dial labels are mapped to their VICIdial
-- code by the status rules; unknown statuses keep their upper-cased text): every status of the
-- status_categories reference, every status dialsync.toml configures (statuses /
-- campaign_statuses; flags here are the seed's, else the first configured rule's - per-instance
-- and per-campaign flags live in int_status_rules and decide the facts), plus every status seen
-- in calls or dispo reports. Unclassified ones get category UNKNOWN, flags NULL and
-- is_classified false (listed in bi.unclassified_statuses).
-- canonical rows of the reference: the code's own row (status = status_code), else any row
with ref_statuses as (
    select *
    from {{ ref('int_status_rules') }}
    qualify row_number() over (
        partition by status_code
        order by (rule_scope = 'seed') desc, (status = status_code) desc, instance, campaign, status) = 1
),

seen as (
    select status_code, count(*) as calls from {{ ref('fct_calls') }}
    where status_code is not null group by all
    union all
    select status_code, sum(calls_reported) from {{ ref('fct_disposition_daily') }}
    where status_code is not null group by all
),

keys as (
    select status_code from ref_statuses
    union
    select status_code from seen
)

select
    k.status_code,
    coalesce(r.status_name, k.status_code)          as status_name,
    coalesce(r.status_category, 'UNKNOWN')          as status_category,
    r.is_human_answered,
    r.is_contact,
    r.is_sale,
    r.is_drop,
    r.status_code is not null                       as is_classified,
    coalesce(r.rule_scope, 'none')                  as classified_by,
    coalesce((select sum(calls) from seen where seen.status_code = k.status_code), 0) as calls_seen
from keys as k
left join ref_statuses as r on r.status_code = k.status_code
