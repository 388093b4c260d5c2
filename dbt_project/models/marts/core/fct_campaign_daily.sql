/*
  Grain: one row per campaign × day × instance.

  Call metrics come from fct_calls when the call stream knows the campaign (croco-dial
  CDRs). Only for an instance × day whose call stream has no campaign at all (plain
  VICIdial / Dialer360: phone_number_log has no campaign) they come from call_status_stats
  (dials, human answered) and call_dispo_report (status counts classified with
  status_categories) - there the reports' in-group rows appear as campaigns too, as the
  reports do not tell them apart. `metrics_source` says which. Lead counts come from the outbound_cdr summary rows.
  Agent hours: each agent-day's login time split over campaigns by the agent's share of
  handled calls in each campaign.
*/
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_date',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_window('activity_date') }}"
) }}

with calls as (
    select * from {{ ref('fct_calls') }}
    where campaign is not null
      and {{ incremental_window('call_date') }}
),

from_calls as (
    select
        instance,
        call_date                                                       as activity_date,
        campaign,
        count(*) filter (where direction = 'outbound')                  as dials,
        count(*) filter (where call_type = 'dialer')                    as dialer_calls,
        count(*) filter (where call_type = 'manual')                    as manual_calls,
        count(*) filter (where direction = 'inbound')                   as inbound_calls,
        count(*) filter (where is_human_answered)                       as human_answered,
        count(*) filter (where is_contact)                              as contacts,
        count(*) filter (where is_handled)                              as handled_calls,
        count(*) filter (where is_drop and direction = 'outbound')      as drops,
        count(*) filter (where is_human_answered and direction = 'outbound') as outbound_human_answered,
        count(*) filter (where is_sale)                                 as sales,
        sum(coalesce(talk_seconds, 0) + coalesce(wrap_seconds, 0)) filter (where is_handled)
                                                                        as handle_seconds
    from calls
    group by instance, call_date, campaign
),

call_days as (
    select distinct instance, activity_date from from_calls
),

dispo as (
    select
        d.instance,
        d.partition_date                                                as activity_date,
        d.campaign,
        max(d.campaign_total_calls)                                     as total_calls,
        sum(d.calls) filter (where s.is_human_answered)                 as human_answered,
        sum(d.calls) filter (where s.is_contact)                        as contacts,
        sum(d.calls) filter (where s.is_drop)                           as drops,
        sum(d.calls) filter (where s.is_sale)                           as sales
    from {{ ref('stg_vicidial__call_dispo_report') }} as d
    left join {{ ref('status_categories') }} as s
        on {{ status_code('d.status') }} = s.status
    anti join call_days as cd
        on cd.instance = d.instance and cd.activity_date = d.partition_date
    where {{ incremental_window('d.partition_date') }}
    group by d.instance, d.partition_date, d.campaign
),

-- reconciliation: the dispo report's TOTAL CALLS per campaign, always
dispo_totals as (
    select instance, partition_date as activity_date, campaign, max(campaign_total_calls) as total_calls
    from {{ ref('stg_vicidial__call_dispo_report') }}
    where {{ incremental_window('partition_date') }}
    group by all
),

status_stats as (
    select
        st.instance,
        st.partition_date                                               as activity_date,
        st.campaign,
        max(st.total_calls)                                             as total_calls,
        max(st.human_answered_calls)                                    as human_answered
    from {{ ref('stg_vicidial__call_status_stats') }} as st
    anti join call_days as cd
        on cd.instance = st.instance and cd.activity_date = st.partition_date
    where st.campaign is not null
      and {{ incremental_window('st.partition_date') }}
    group by st.instance, st.partition_date, st.campaign
),

campaign_ids as (
    select instance, campaign_name, campaign_id
    from {{ ref('stg_crocodial__campaigns') }}
    where campaign_name is not null
    qualify row_number() over (partition by instance, campaign_name order by partition_date desc) = 1
),

summary as (
    -- summary rows name the campaign: conform to the campaign id like fct_calls
    select
        s.instance,
        s.partition_date                                                as activity_date,
        coalesce(ci.campaign_id, s.campaign)                            as campaign,
        total_leads,
        dialable_leads,
        pending_leads,
        dialed_calls                                                    as reported_dialed_calls,
        handled_calls                                                   as reported_handled_calls
    from {{ ref('stg_crocodial__outbound_cdr_summary') }} as s
    left join campaign_ids as ci
        on ci.instance = s.instance and ci.campaign_name = s.campaign
    where s.campaign is not null
      and {{ incremental_window('s.partition_date') }}
),

-- agent login time allocated to campaigns by share of handled calls
agent_campaign_calls as (
    select instance, call_date, agent_user, campaign, count(*) as handled
    from calls
    where is_handled and agent_user is not null
    group by all
),

agent_hours as (
    select
        acc.instance,
        acc.call_date                                                   as activity_date,
        acc.campaign,
        sum(a.login_seconds * acc.handled / a.calls_handled) / 3600.0   as agent_hours
    from agent_campaign_calls as acc
    inner join {{ ref('fct_agent_daily') }} as a
        on  a.instance = acc.instance
        and a.activity_date = acc.call_date
        and a.agent_user = acc.agent_user
    where a.calls_handled > 0
      and a.counts_source = 'calls'
      and {{ incremental_window('a.activity_date') }}
    group by all
),

keys as (
    select instance, activity_date, campaign from from_calls
    union
    select instance, activity_date, campaign from dispo
    union
    select instance, activity_date, campaign from status_stats
    union
    select instance, activity_date, campaign from summary
),

combined as (
    select
        k.instance,
        k.activity_date,
        k.campaign,
        case
            when c.campaign is not null then 'calls'
            when st.campaign is not null or d.campaign is not null then 'dialer_reports'
            else 'summary_only'
        end                                                             as metrics_source,
        case when c.campaign is not null then c.dials
             else coalesce(st.total_calls, d.total_calls, 0) end         as dials,
        coalesce(c.dialer_calls, 0)                                     as dialer_calls,
        coalesce(c.manual_calls, 0)                                     as manual_calls,
        coalesce(c.inbound_calls, 0)                                    as inbound_calls,
        case when c.campaign is not null then c.human_answered
             else coalesce(st.human_answered, d.human_answered, 0) end   as human_answered,
        case when c.campaign is not null then c.contacts
             else coalesce(d.contacts, 0) end                           as contacts,
        case when c.campaign is not null then c.handled_calls
             else coalesce(d.contacts, 0) end                           as handled_calls,
        case when c.campaign is not null then c.drops
             else coalesce(d.drops, 0) end                              as drops,
        case when c.campaign is not null then c.outbound_human_answered
             else coalesce(st.human_answered, d.human_answered, 0) end   as outbound_human_answered,
        case when c.campaign is not null then c.sales
             else coalesce(d.sales, 0) end                              as sales,
        c.handle_seconds,
        h.agent_hours,
        s.total_leads,
        s.dialable_leads,
        s.pending_leads,
        s.reported_dialed_calls,
        s.reported_handled_calls,
        dr.total_calls                                                  as dispo_report_calls
    from keys as k
    left join from_calls as c using (instance, activity_date, campaign)
    left join dispo as d using (instance, activity_date, campaign)
    left join status_stats as st using (instance, activity_date, campaign)
    left join summary as s using (instance, activity_date, campaign)
    left join agent_hours as h using (instance, activity_date, campaign)
    left join dispo_totals as dr using (instance, activity_date, campaign)
)

select
    {{ surrogate_key(['instance', 'campaign']) }}                       as campaign_key,
    instance,
    activity_date,
    campaign,
    metrics_source,
    dials,
    dialer_calls,
    manual_calls,
    inbound_calls,
    human_answered,
    contacts,
    handled_calls,
    drops,
    outbound_human_answered,
    sales,
    handle_seconds,
    round(agent_hours, 4)                                               as agent_hours,
    total_leads,
    dialable_leads,
    pending_leads,
    reported_dialed_calls,
    reported_handled_calls,
    dispo_report_calls,
    {{ kpi_drop_rate('drops', 'outbound_human_answered') }}             as drop_rate,
    {{ kpi_contact_rate('contacts', 'dials') }}                         as contact_rate,
    {{ kpi_conversion_rate('sales', 'contacts') }}                      as conversion_rate,
    {{ kpi_aht('handle_seconds', 'handled_calls') }}                    as aht_seconds,
    {{ safe_divide('handled_calls', 'agent_hours') }}                   as calls_per_agent_hour,
    {{ kpi_list_penetration('total_leads', 'pending_leads') }}          as list_penetration
from combined
