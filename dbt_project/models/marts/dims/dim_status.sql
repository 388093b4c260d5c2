-- Grain: one row per canonical status code (croco-dial labels are mapped to their VICIdial
-- code by the status_categories seed; unknown statuses keep their upper-cased text): every status of the
-- status_categories reference plus every status seen in calls or dispo reports
-- (unknown ones get category UNKNOWN and all flags false - add them to the seed).
-- canonical rows of the reference: the code's own row (status = status_code), else any row
with ref_statuses as (
    select *
    from {{ ref('status_categories') }}
    qualify row_number() over (partition by status_code order by (status = status_code) desc, status) = 1
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
    coalesce(r.is_human_answered, false)            as is_human_answered,
    coalesce(r.is_contact, false)                   as is_contact,
    coalesce(r.is_sale, false)                      as is_sale,
    coalesce(r.is_drop, false)                      as is_drop,
    r.status_code is not null                       as is_classified,
    coalesce((select sum(calls) from seen where seen.status_code = k.status_code), 0) as calls_seen
from keys as k
left join ref_statuses as r on r.status_code = k.status_code
