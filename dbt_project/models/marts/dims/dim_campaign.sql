-- Grain: one row per campaign × instance, keyed by the conformed campaign of the facts: the
-- campaign id (croco-dial names are mapped to ids via the campaigns snapshots; a value with
-- no match is kept as reported). Attributes come from the latest goGetAllCampaigns
-- snapshot, matched on id first, then on name.
with latest as (
    select * from {{ ref('stg_crocodial__campaigns') }}
    qualify partition_date = max(partition_date) over (partition by instance)
),

lists as (
    select instance, campaign_id, count(*) as lists, sum(all_leads_count) as leads
    from (
        select * from {{ ref('stg_vicidial__list_info') }}
        qualify partition_date = max(partition_date) over (partition by instance)
    )
    group by all
),

seen as (
    select instance, campaign, min(activity_date) as first_day, max(activity_date) as last_day,
           bool_or(dials > 0) as has_outbound, bool_or(inbound_calls > 0) as has_inbound
    from {{ ref('fct_campaign_daily') }}
    group by all
    union all
    select instance, campaign, min(activity_date), max(activity_date), false, false
    from {{ ref('fct_disposition_daily') }}
    group by all
),

seen_agg as (
    select instance, campaign, min(first_day) as first_day, max(last_day) as last_day,
           bool_or(has_outbound) as has_outbound, bool_or(has_inbound) as has_inbound
    from seen group by all
),

keys as (
    select instance, campaign_id as campaign from latest
    union
    select instance, campaign from seen_agg
    union
    select instance, campaign_id from lists where campaign_id is not null
)

select
    {{ surrogate_key(['k.instance', 'k.campaign']) }}               as campaign_key,
    k.instance,
    k.campaign,
    coalesce(by_id.campaign_id, by_name.campaign_id)                as campaign_id,
    coalesce(by_id.campaign_name, by_name.campaign_name, k.campaign) as campaign_name,
    coalesce(by_id.dial_method, by_name.dial_method)                as dial_method,
    coalesce(by_id.auto_dial_level, by_name.auto_dial_level)        as auto_dial_level,
    coalesce(by_id.is_auto_dial, by_name.is_auto_dial)              as is_auto_dial,
    coalesce(by_id.is_active, by_name.is_active)                    as is_active,
    coalesce(s.has_outbound, false)                                 as has_outbound_calls,
    coalesce(s.has_inbound, false)                                  as has_inbound_calls,
    l.lists                                                         as list_count,
    l.leads                                                         as lead_count,
    s.first_day                                                     as first_activity_date,
    s.last_day                                                      as last_activity_date
from keys as k
left join latest as by_name on by_name.instance = k.instance and by_name.campaign_name = k.campaign
left join latest as by_id on by_id.instance = k.instance and by_id.campaign_id = k.campaign
left join lists as l on l.instance = k.instance
    and l.campaign_id = coalesce(by_id.campaign_id, by_name.campaign_id, k.campaign)
left join seen_agg as s on s.instance = k.instance and s.campaign = k.campaign
qualify row_number() over (partition by k.instance, k.campaign order by by_id.campaign_id nulls last, by_name.campaign_id nulls last) = 1
