-- Write-back: create the lists a campaign plan needs (writeback_list_plan: seed campaign_list_plan,
-- plus the shipped example only when var wb_examples is on) and bring
-- planned attributes to existing ones.
--   * a planned list the dialer does not report (latest list_info snapshot) → add_list;
--   * a planned list that exists with a different name, campaign or active flag → update_list
--     with only the differing fields (insert_if_not_found=Y, so a list deleted since the
--     snapshot is created again).
-- The ledger sends a given payload once, so an unchanged plan costs nothing on later runs.
-- Based on stg_vicidial__list_info (lists known from list_info snapshots).
{{ config(schema='writeback', materialized='table') }}

with plan as (
    select * from {{ ref('writeback_list_plan') }}
),

latest as (
    select *
    from {{ ref('stg_vicidial__list_info') }}
    qualify partition_date = max(partition_date) over (partition by instance)
),

joined as (
    select
        p.*,
        l.list_id is not null                   as list_exists,
        l.list_name                             as current_name,
        l.campaign_id                           as current_campaign,
        case when l.is_active then 'Y' when l.is_active is not null then 'N' end as current_active
    from plan as p
    left join latest as l using (instance, list_id)
)

select
    instance,
    'add_list'                                  as operation,
    'list:' || list_id                          as row_key,
    list_id,
    list_name,
    campaign_id,
    active,
    list_description,
    reset_time,
    strftime(expiration_date, '%Y-%m-%d')       as expiration_date,
    cast(null as varchar)                       as insert_if_not_found,
    'missing'                                   as _reason,
    cast(null as varchar)                       as _before_active,
    cast(null as varchar)                       as _before_list_name,
    cast(null as varchar)                       as _before_campaign_id
from joined
where not list_exists

union all

select
    instance,
    'update_list'                               as operation,
    'list:' || list_id                          as row_key,
    list_id,
    -- list_name and campaign_id are required by insert_if_not_found=Y
    list_name,
    campaign_id,
    case when active is distinct from current_active then active end as active,
    cast(null as varchar)                       as list_description,
    cast(null as varchar)                       as reset_time,
    cast(null as varchar)                       as expiration_date,
    'Y'                                         as insert_if_not_found,
    'differs: '
        || concat_ws(', ',
             case when list_name is distinct from current_name then 'name' end,
             case when campaign_id is distinct from current_campaign then 'campaign' end,
             case when active is distinct from current_active then 'active' end)
                                                as _reason,
    -- the dry run shows each change as before → after
    current_active                              as _before_active,
    current_name                                as _before_list_name,
    current_campaign                            as _before_campaign_id
from joined
where list_exists
  and (list_name is distinct from current_name
       or campaign_id is distinct from current_campaign
       or active is distinct from current_active)
