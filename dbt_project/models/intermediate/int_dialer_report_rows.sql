/*
  One row per instance × day × row label of VICIdial's own aggregate reports (call_dispo_report
  and call_status_stats), told apart as an outbound campaign row or an in-group row.

  Both reports print campaign rows first (outbound calls of the campaign), then in-group rows
  (inbound calls of the queue) with nothing to say which is which (api-facts.md). A label is a
  campaign when the warehouse knows it as one (a list's campaign in list_info, a campaign agents
  logged into in agent_stats_export, the croco-dial campaigns snapshot), or when it is printed
  before the last known campaign of the same report (campaign rows come first); every later
  label is an in-group. In-groups are never outbound campaigns (fct_campaign_daily,
  bi.campaign_abandon_30d); they feed fct_inbound_queue_daily.

  Status counts are classified with the status rules (campaign scope for campaign rows):
  human_answered prefers call_status_stats, which the server counts with its own flags
  (campaign statuses included). unclassified_calls counts statuses no rule knows.
*/
{% set zero_if_no_calls = 'case when st.total_calls = 0 then 0 end' %}

with dispo as (
    select * from {{ ref('stg_vicidial__call_dispo_report') }}
),

status_stats as (
    select * from {{ ref('stg_vicidial__call_status_stats') }}
),

known_campaigns as (
    select instance, campaign_id from {{ ref('stg_vicidial__list_info') }} where campaign_id is not null
    union
    select instance, campaign_id from {{ ref('stg_vicidial__agent_stats_export') }} where campaign_id is not null
    union
    select instance, campaign_id from {{ ref('stg_crocodial__campaigns') }} where campaign_id is not null
),

printed as (
    select instance, partition_date, 'call_dispo_report' as report, campaign as label, min(source_row) as pos
    from dispo group by all
    union all
    select instance, partition_date, 'call_status_stats', campaign, min(source_row)
    from status_stats group by all
),

positioned as (
    select
        p.*,
        k.campaign_id is not null                                       as is_known_campaign,
        max(case when k.campaign_id is not null then p.pos end)
            over (partition by p.instance, p.partition_date, p.report)  as last_campaign_pos
    from printed as p
    left join known_campaigns as k on k.instance = p.instance and k.campaign_id = p.label
),

labels as (
    -- a label is a campaign if either report shows it as one
    select
        instance, partition_date, label,
        case when bool_or(is_known_campaign or pos <= last_campaign_pos) then 'campaign' else 'ingroup' end
            as row_kind
    from positioned
    group by all
),

dispo_counts as (
    select
        d.instance,
        d.partition_date,
        d.campaign                                                      as label,
        max(d.campaign_total_calls)                                     as total_calls,
        sum(d.calls)                                                    as status_calls,
        coalesce(sum(d.calls) filter (where {{ status_rule('is_human_answered') }}), 0) as human_answered,
        coalesce(sum(d.calls) filter (where {{ status_rule('is_contact') }}), 0)     as contacts,
        coalesce(sum(d.calls) filter (where {{ status_rule('is_drop') }}), 0)        as drops,
        coalesce(sum(d.calls) filter (where {{ status_rule('is_sale') }}), 0)        as sales,
        -- an agent dispositioned a live caller: human answered and not dropped
        coalesce(sum(d.calls) filter (where {{ status_rule('is_human_answered') }}
                                      and not {{ status_rule('is_drop') }}), 0)     as agent_dispositioned,
        coalesce(sum(d.calls) filter (where not {{ status_known() }}), 0) as unclassified_calls,
        -- ended by the dialer before reaching a queue (after hours): not offered
        coalesce(sum(d.calls) filter (where coalesce({{ status_rule('status_code') }}, {{ status_code('d.status') }})
                                      in {{ sql_list(var('not_queued_statuses')) }}), 0) as not_queued_calls,
        -- what the dialer itself counts as abandoned (VICIdial abandon2: status DROP)
        coalesce(sum(d.calls) filter (where coalesce({{ status_rule('status_code') }}, {{ status_code('d.status') }})
                                      in {{ sql_list(var('dialer_abandon_statuses')) }}), 0) as dialer_abandoned,
        bool_and(d.row_sum_matches)                                     as row_sum_matches
    from dispo as d
    {{ join_status_rules('d.instance', 'd.campaign', status_code('d.status')) }}
    group by all
),

stats as (
    select instance, partition_date, campaign as label, max(total_calls) as total_calls,
           max(human_answered_calls) as human_answered
    from status_stats group by all
)

select
    l.instance,
    l.partition_date,
    l.label,
    l.row_kind,
    case when st.label is not null and dc.label is not null then 'call_status_stats,call_dispo_report'
         when st.label is not null then 'call_status_stats' else 'call_dispo_report' end as sources,
    coalesce(st.total_calls, dc.total_calls)                            as total_calls,
    coalesce(st.human_answered, dc.human_answered)                     as human_answered,
    -- status counts need call_dispo_report; a row call_status_stats prints with 0 calls has none
    coalesce(dc.contacts, {{ zero_if_no_calls }})                      as contacts,
    coalesce(dc.drops, {{ zero_if_no_calls }})                         as drops,
    coalesce(dc.sales, {{ zero_if_no_calls }})                         as sales,
    coalesce(dc.agent_dispositioned, {{ zero_if_no_calls }})           as agent_dispositioned,
    coalesce(dc.unclassified_calls, {{ zero_if_no_calls }})            as unclassified_calls,
    coalesce(dc.not_queued_calls, {{ zero_if_no_calls }})              as not_queued_calls,
    coalesce(dc.dialer_abandoned, {{ zero_if_no_calls }})              as dialer_abandoned,
    dc.total_calls                                                      as dispo_report_calls,
    dc.row_sum_matches
from labels as l
left join dispo_counts as dc using (instance, partition_date, label)
left join stats as st using (instance, partition_date, label)
