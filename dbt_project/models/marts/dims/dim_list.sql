-- Grain: one row per list × instance: lists in the latest list_info snapshot or seen in
-- calls / hoppers. Attributes are current values (history: snapshot snp_list_info).
with latest as (
    select * from {{ ref('stg_vicidial__list_info') }}
    qualify partition_date = max(partition_date) over (partition by instance)
),

hopper_lists as (
    select instance, list_id, any_value(list_name) as list_name, any_value(campaign_id) as campaign_id
    from {{ ref('stg_crocodial__hopper') }}
    where list_id is not null
    group by all
),

seen as (
    select instance, list_id, min(call_date) as first_day, max(call_date) as last_day, count(*) as calls
    from {{ ref('fct_calls') }}
    where list_id is not null
    group by all
),

keys as (
    select instance, list_id from latest
    union
    select instance, list_id from hopper_lists
    union
    select instance, list_id from seen
)

select
    {{ surrogate_key(['k.instance', 'k.list_id']) }}        as list_key,
    k.instance,
    k.list_id,
    coalesce(l.list_name, h.list_name)                      as list_name,
    coalesce(l.campaign_id, h.campaign_id)                  as campaign_id,
    l.is_active,
    l.list_changed_at_local,
    l.list_last_called_at_local,
    l.expiration_date,
    l.resets_today,
    l.all_leads_count,
    l.new_leads_count,
    {{ kpi_list_penetration('l.all_leads_count', 'l.new_leads_count') }} as list_penetration,
    coalesce(s.calls, 0)                                    as calls_total,
    s.first_day                                             as first_call_date,
    s.last_day                                              as last_call_date
from keys as k
left join latest as l using (instance, list_id)
left join hopper_lists as h using (instance, list_id)
left join seen as s using (instance, list_id)
