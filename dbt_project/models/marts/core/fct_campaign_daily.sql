/*
  Grain: one row per outbound campaign × day × instance (in-groups: fct_inbound_queue_daily).

  `metrics_source` says where a row's call metrics come from:
  - calls: fct_calls' CDR calls (croco-dial). handled_calls: an agent connected to a live
    person (fct_calls is_handled). Agent hours: each agent-day's login time split over
    campaigns by the agent's share of handled calls in each campaign.
  - dialer_reports: for an instance × day without CDRs (plain VICIdial), the campaign rows of
    call_status_stats (dials, human answered: the server's own flags) and call_dispo_report
    (status counts, classified by the status rules), told from in-group rows by
    int_dialer_report_rows - in-groups are queues (fct_inbound_queue_daily), never campaigns
    here. Those rows count outbound calls only: inbound_calls, dialer/manual split NULL (not
    reported). handled_calls are the row's calls whose status is human answered and not a
    drop (live person, outbound); avg talk and AHT divide agent_stats_export's talk / handle
    seconds by its own calls per campaign (same scope: both directions, machines included);
    handle_seconds (talk_time + dispo_time, dead included) and
    agent_hours (login) are agent_stats_export's per-campaign figures (group_by_campaign).
    phone_number_log calls (incomplete: lead_status_search limit) never feed these metrics.
  - summary_only: only outbound_cdr summary rows (lead counts) for that campaign-day.
  Lead counts come from the outbound_cdr summary rows. unclassified_calls counts calls whose
  status no status rule knows (listed in bi.unclassified_statuses): sales, contacts and drops
  cannot include them.
*/

{% set zero_if_reported = 'case when acd.instance is not null then 0 end' %}

with calls as (
    select * from {{ ref('fct_calls') }}
    where campaign is not null
      and source_table is distinct from 'phone_number_log'
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
        count(*) filter (where is_contact and direction = 'outbound')   as outbound_contacts,
        count(*) filter (where is_contact and direction = 'inbound')    as inbound_contacts,
        count(*) filter (where is_handled)                              as handled_calls,
        count(*) filter (where is_drop and direction = 'outbound')      as drops,
        count(*) filter (where is_human_answered and direction = 'outbound') as outbound_human_answered,
        count(*) filter (where is_sale)                                 as sales,
        count(*) filter (where is_sale and direction = 'outbound')      as outbound_sales,
        count(*) filter (where is_sale and direction = 'inbound')       as inbound_sales,
        -- CDRs carry no per-call wrap: talk only (handle_seconds / aht_seconds NULL here)
        sum(coalesce(talk_seconds, 0)) filter (where is_handled)        as talk_seconds,
        -- TSR 2-second rule: the CDR has each outbound call's wait for an agent (queue_seconds)
        count(*) filter (where direction = 'outbound'
                         and {{ kpi_tsr_abandoned('is_drop', 'is_human_answered', 'agent_user', 'queue_seconds') }})
                                                                        as tsr_abandoned,
        count(*) filter (where status is not null and not is_status_classified) as unclassified_calls
    from calls
    group by instance, call_date, campaign
),

call_days as (
    select distinct instance, activity_date from from_calls
),

reports as (
    select r.*
    from {{ ref('int_dialer_report_rows') }} as r
    anti join call_days as cd
        on cd.instance = r.instance and cd.activity_date = r.partition_date
    where r.row_kind = 'campaign'
      and {{ incremental_window('r.partition_date') }}
),

-- agent_stats_export per campaign (group_by_campaign): handled calls, handle and login seconds
agent_campaigns as (
    select
        instance, partition_date as activity_date, campaign_id as campaign,
        sum(calls) as agent_calls, sum(handle_seconds) as handle_seconds, sum(talk_seconds) as talk_seconds,
        sum(login_seconds) / 3600.0 as agent_hours
    from {{ ref('stg_vicidial__agent_stats_export') }}
    where campaign_id is not null
      and {{ incremental_window('partition_date') }}
    group by all
),

-- instance-days agent_stats_export reported per campaign: a campaign it has no row for had no agent time
agent_campaign_days as (
    select distinct instance, activity_date from agent_campaigns
),

-- reconciliation: the dispo report's TOTAL CALLS per campaign, always
dispo_totals as (
    select instance, partition_date as activity_date, campaign, max(campaign_total_calls) as total_calls
    from {{ ref('stg_vicidial__call_dispo_report') }}
    where {{ incremental_window('partition_date') }}
    group by all
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
    select instance, partition_date, label from reports
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
            when r.label is not null then 'dialer_reports'
            else 'summary_only'
        end                                                             as metrics_source,
        case when c.campaign is not null then c.dials else coalesce(r.total_calls, 0) end as dials,
        case when c.campaign is not null then c.dialer_calls when r.label is null then 0 end as dialer_calls,
        case when c.campaign is not null then c.manual_calls when r.label is null then 0 end as manual_calls,
        case when c.campaign is not null then c.inbound_calls when r.label is null then 0 end as inbound_calls,
        case when c.campaign is not null then c.human_answered else coalesce(r.human_answered, 0) end
                                                                        as human_answered,
        case when c.campaign is not null then c.contacts else coalesce(r.contacts, 0) end as contacts,
        case when c.campaign is not null then c.outbound_contacts else coalesce(r.contacts, 0) end
                                                                        as outbound_contacts,
        case when c.campaign is not null then c.inbound_contacts when r.label is null then 0 end
                                                                        as inbound_contacts,
        case when c.campaign is not null then c.handled_calls
             when r.label is not null then r.agent_dispositioned
             else 0 end                                                 as handled_calls,
        -- the calls the talk and handle seconds are spent on: agent_stats_export's own calls (every
        -- call the agents took in the campaign, both directions) where the time comes from it
        case when c.campaign is not null then c.handled_calls
             when r.label is not null then coalesce(ac.agent_calls, {{ zero_if_reported }}) end
                                                                        as time_calls,
        case when c.campaign is not null then c.drops else coalesce(r.drops, 0) end as drops,
        case when c.campaign is not null then c.outbound_human_answered else coalesce(r.human_answered, 0) end
                                                                        as outbound_human_answered,
        case when c.campaign is not null then c.sales else coalesce(r.sales, 0) end as sales,
        case when c.campaign is not null then c.outbound_sales else coalesce(r.sales, 0) end as outbound_sales,
        case when c.campaign is not null then c.inbound_sales when r.label is null then 0 end as inbound_sales,
        -- where the per-call wait is unknown (dialer reports) only the DROP-status form exists
        case when c.campaign is not null then c.tsr_abandoned else coalesce(r.drops, 0) end as tsr_abandoned,
        case when c.campaign is not null then '2_second' else 'drop_status' end as abandon_rule,
        case when c.campaign is not null then c.unclassified_calls else coalesce(r.unclassified_calls, 0) end
                                                                        as unclassified_calls,
        case when c.campaign is not null then c.talk_seconds
             when r.label is not null then coalesce(ac.talk_seconds, {{ zero_if_reported }}) end
                                                                        as talk_seconds,
        case when r.label is not null and c.campaign is null
             then coalesce(ac.handle_seconds, {{ zero_if_reported }}) end as handle_seconds,
        case when c.campaign is not null then h.agent_hours
             when r.label is not null then coalesce(ac.agent_hours, {{ zero_if_reported }}) end
                                                                        as agent_hours,
        s.total_leads,
        s.dialable_leads,
        s.pending_leads,
        s.reported_dialed_calls,
        s.reported_handled_calls,
        dr.total_calls                                                  as dispo_report_calls
    from keys as k
    left join from_calls as c using (instance, activity_date, campaign)
    left join reports as r
        on r.instance = k.instance and r.partition_date = k.activity_date and r.label = k.campaign
    left join agent_campaigns as ac using (instance, activity_date, campaign)
    left join agent_campaign_days as acd using (instance, activity_date)
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
    outbound_contacts,
    inbound_contacts,
    handled_calls,
    drops,
    outbound_human_answered,
    tsr_abandoned,
    abandon_rule,
    sales,
    outbound_sales,
    inbound_sales,
    unclassified_calls,
    talk_seconds,
    handle_seconds,
    round(agent_hours, 4)                                               as agent_hours,
    total_leads,
    dialable_leads,
    pending_leads,
    reported_dialed_calls,
    reported_handled_calls,
    dispo_report_calls,
    {{ kpi_drop_rate('drops', 'outbound_human_answered') }}             as drop_rate,
    {{ kpi_drop_rate('tsr_abandoned', 'outbound_human_answered') }}     as tsr_abandon_rate,
    {{ kpi_contact_rate('outbound_contacts', 'dials') }}                as contact_rate,
    {{ kpi_conversion_rate('sales', 'contacts') }}                      as conversion_rate,
    {{ kpi_conversion_rate('outbound_sales', 'outbound_contacts') }}    as outbound_conversion_rate,
    {{ kpi_conversion_rate('inbound_sales', 'inbound_contacts') }}      as inbound_conversion_rate,
    {{ kpi_avg_talk('talk_seconds', 'time_calls') }}                    as avg_talk_seconds,
    {{ kpi_aht('handle_seconds', 'time_calls') }}                       as aht_seconds,
    {{ safe_divide('handled_calls', 'agent_hours') }}                   as calls_per_agent_hour,
    {{ kpi_list_penetration('total_leads', 'pending_leads') }}          as list_penetration
from combined
