/*
  How every known status counts: one row per instance × campaign × status key, every flag
  resolved (never NULL). Three scopes, most specific first:
    campaign  - dialsync.toml campaign_statuses (instance, campaign)
    instance  - dialsync.toml statuses (instance, campaign '*')
    seed      - the status_categories seed (instance '*', campaign '*')
  A flag an override leaves unset comes from the next scope (campaign → instance → seed → false).
  The status key is the code, and also the upper-cased status name an override gives (croco-dial
  reports print names). Lookups: macros join_status_rules / status_rule. A status that matches no
  row is unclassified (bi.unclassified_statuses), never "not a sale".
*/
with seed as (
    select
        '*' as instance, '*' as campaign, status, status_code, status_name, status_category,
        is_human_answered, is_contact, is_sale, is_drop, 'seed' as rule_scope
    from {{ ref('status_categories') }}
),

seed_by_code as (
    -- the code's own seed row (status = status_code), else any row of the code
    select * from seed
    qualify row_number() over (partition by status_code order by (status = status_code) desc, status) = 1
),

overrides as (
    select * from {{ ref('stg_ops__status_overrides') }}
),

instance_rules as (
    select
        o.instance, '*' as campaign, o.status as status_code,
        coalesce(o.status_name, s.status_name, o.status)        as status_name,
        coalesce(o.status_category, s.status_category,
                 case when o.is_sale then 'SALE' when o.is_drop then 'DROP'
                      when o.is_contact then 'CONTACT' else 'SYSTEM' end) as status_category,
        coalesce(o.is_human_answered, s.is_human_answered, false) as is_human_answered,
        coalesce(o.is_contact, s.is_contact, false)              as is_contact,
        coalesce(o.is_sale, s.is_sale, false)                    as is_sale,
        coalesce(o.is_drop, s.is_drop, false)                    as is_drop,
        o.status_name                                            as override_name,
        'instance'                                               as rule_scope
    from overrides as o
    left join seed_by_code as s on s.status_code = o.status
    where o.campaign = '*'
),

campaign_rules as (
    select
        o.instance, o.campaign, o.status as status_code,
        coalesce(o.status_name, i.status_name, s.status_name, o.status) as status_name,
        coalesce(o.status_category, i.status_category, s.status_category,
                 case when coalesce(o.is_sale, i.is_sale, s.is_sale) then 'SALE'
                      when coalesce(o.is_drop, i.is_drop, s.is_drop) then 'DROP'
                      when coalesce(o.is_contact, i.is_contact, s.is_contact) then 'CONTACT'
                      else 'SYSTEM' end)                          as status_category,
        coalesce(o.is_human_answered, i.is_human_answered, s.is_human_answered, false) as is_human_answered,
        coalesce(o.is_contact, i.is_contact, s.is_contact, false) as is_contact,
        coalesce(o.is_sale, i.is_sale, s.is_sale, false)          as is_sale,
        coalesce(o.is_drop, i.is_drop, s.is_drop, false)          as is_drop,
        coalesce(o.status_name, i.override_name)                  as override_name,
        'campaign'                                                as rule_scope
    from overrides as o
    left join instance_rules as i on i.instance = o.instance and i.status_code = o.status
    left join seed_by_code as s on s.status_code = o.status
    where o.campaign <> '*'
),

configured as (
    select * from instance_rules
    union all
    select * from campaign_rules
),

-- each configured status is found by its code and by the name it was given
configured_keys as (
    select c.* exclude (override_name), c.status_code as status from configured as c
    union
    select c.* exclude (override_name), upper(trim(c.override_name)) as status from configured as c
    where c.override_name is not null
)

select instance, campaign, status, status_code, status_name, status_category,
       is_human_answered, is_contact, is_sale, is_drop, rule_scope
from seed
union all
select instance, campaign, status, status_code, status_name, status_category,
       is_human_answered, is_contact, is_sale, is_drop, rule_scope
from configured_keys
