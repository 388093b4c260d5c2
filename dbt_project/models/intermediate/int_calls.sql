/*
  One conformed call stream: one row per call, whatever report it came from.

  Sources and dedup rules (in order):
  1. Within a report, staging already keeps one row per natural key (newest extraction).
  2. A call belongs to the partition day it was reported in (partition_date).
  3. Precedence across reports, per instance × day:
       outbound_cdr (outbound calls) and inbound_cdr (inbound calls, uniq1) are the call
       records. phone_number_log rows become calls only for an instance × day that has no
       CDR rows at all (plain VICIdial / Dialer360 instances) - on croco-dial they describe
       the same calls again and are ignored, so no call is counted twice. A phone_number_log
       call has the direction it was asked with (type=OUT / IN), the campaign of its list for
       an outbound call (list_info: newest snapshot of the list), the lead id where
       lead_status_search found exactly one lead of that number in that list on that day, and
       no call type for an outbound call (the report does not tell dialer from manual).
  call_started_at_utc_ambiguous: the raw `call_date_ambiguous` of every report (the start fell
  in the repeated DST hour and the row had no epoch to tell the occurrences: its UTC is the
  first occurrence's and may be an hour early; inbound_cdr resolves it via uniq1 where it can).
  Conformed keys: croco-dial CDRs carry the campaign NAME and the status NAME; `campaign` is
  the campaign id (looked up by name in the campaigns snapshots, else the value as reported)
  and `status_code` the canonical VICIdial status code (status_categories seed), so calls
  line up with call_dispo_report / call_status_stats and list_info.
  4. agent_cdr rows are agent legs, never calls of their own: each leg is attached to the
     latest CDR call of the same instance and customer number that started at or before the
     leg's answer time, within var call_match_tolerance_seconds - preferring the
     latest such call that names the leg's agent (see leg_candidates). A call's talk
     seconds are the sum of its legs (transfers); without a leg, inbound talk is the CDR's
     call_duration and outbound talk is unknown (NULL) unless the call was handled.
*/
-- Materialized incremental (delete+insert by partition_date window) so the nightly cost of
-- the leg matching follows the restated days; legs of the day after the window are read too
-- (a call started before midnight can be answered after it).

with outbound_cdr as (
    select * from {{ ref('stg_crocodial__outbound_cdr') }}
    where {{ incremental_window('partition_date') }}
),

inbound_cdr as (
    select * from {{ ref('stg_crocodial__inbound_cdr') }}
    where {{ incremental_window('partition_date') }}
),

agent_legs as (
    select * from {{ ref('stg_crocodial__agent_cdr') }}
    where {{ incremental_window('partition_date', lookahead_days=1) }}
),

phone_log as (
    select * from {{ ref('stg_vicidial__phone_number_log') }}
    where {{ incremental_window('partition_date') }}
),

-- campaign name -> id, from every campaigns snapshot (newest wins)
campaign_ids as (
    select instance, campaign_name, campaign_id
    from {{ ref('stg_crocodial__campaigns') }}
    where campaign_name is not null
    qualify row_number() over (partition by instance, campaign_name order by partition_date desc) = 1
),

cdr_calls as (
    select
        'outbound_cdr'                                  as source_table,
        outbound_call_id                                as source_call_id,
        instance,
        partition_date,
        call_started_at_local,
        call_started_at_utc,
        call_started_at_utc_ambiguous,
        'outbound'                                      as direction,
        case when call_type like 'manual%' then 'manual' else 'dialer' end as call_type,
        campaign,
        cast(null as varchar)                           as in_group,
        list_id,
        lead_id,
        vendor_lead_code,
        phone_number,
        caller_id_number,
        agent_user,
        portfolio,
        status,
        carrier_disposition,
        term_reason,
        cast(null as bigint)                            as ring_seconds,
        queue_seconds,
        cast(null as bigint)                            as reported_duration_seconds,
        cast(null as bigint)                            as queue_position
    from outbound_cdr

    union all

    select
        'inbound_cdr',
        uniqueid,
        instance,
        partition_date,
        call_started_at_local,
        call_started_at_utc,
        call_started_at_utc_ambiguous,
        'inbound',
        'inbound',
        campaign,
        in_group,
        list_id,
        lead_id,
        vendor_lead_code,
        caller_id_number,                               -- the customer's number
        did_number,                                     -- the number the customer dialed
        agent_user,
        portfolio,
        status,
        cast(null as varchar),
        term_reason,
        greatest(cast(date_diff('second', call_started_at_local, queue_entered_at_local) as bigint), 0),
        queue_seconds,
        call_duration_seconds,
        queue_position
    from inbound_cdr
),

-- attach each agent leg to the CDR call it belongs to: among the calls of the same instance and
-- number that started at most var call_match_tolerance_seconds before the leg was answered, the
-- latest that names the leg's agent, else the latest whoever it names. The agent first, because the
-- same number can be dialed again seconds after an agent's call (a duplicate lead, a
-- machine-detected auto-dial of the same number while the agent is still talking): "latest call of
-- the number" alone would hand the leg to that agent-less later call and count the agent's call
-- twice; a leg no call of its agent claims (the receiving agent of a transfer) takes the latest call
-- of the number. One equi-join on the number with the tolerance as its range, then one pick per
-- leg: the same answer as an ASOF join per rule (the latest call at or before the answer, kept only
-- within the tolerance), at a third of its cost (two ASOF joins sorted every call of the window).
leg_candidates as (
    select
        l.agent_call_id,
        l.agent_user                                    as leg_agent_user,
        l.answered_at_local,
        l.answered_at_utc,
        l.talk_seconds,
        c.source_table,
        c.source_call_id,
        coalesce(c.agent_user = l.agent_user, false)    as names_leg_agent,
        c.call_started_at_local
    from agent_legs as l
    join cdr_calls as c
        on  l.instance = c.instance
        and l.phone_number = c.phone_number
        and c.call_started_at_local <= l.answered_at_local
        and c.call_started_at_local >= l.answered_at_local
            - to_seconds({{ var('call_match_tolerance_seconds') }})
),

-- one call per leg (the leg's own columns are the same on each of its candidates)
legs_matched as (
    select
        call.source_table                               as source_table,
        call.source_call_id                             as source_call_id,
        agent_call_id,
        leg_agent_user,
        answered_at_local,
        answered_at_utc,
        talk_seconds
    from (
        select
            agent_call_id,
            any_value(leg_agent_user)                   as leg_agent_user,
            any_value(answered_at_local)                as answered_at_local,
            any_value(answered_at_utc)                  as answered_at_utc,
            any_value(talk_seconds)                     as talk_seconds,
            arg_max({'source_table': source_table, 'source_call_id': source_call_id},
                    (names_leg_agent, call_started_at_local, source_table, source_call_id)) as call
        from leg_candidates
        group by agent_call_id
    )
),

legs_per_call as (
    select
        source_table,
        source_call_id,
        count(*)                                        as agent_legs,
        sum(talk_seconds)                               as talk_seconds,
        min(answered_at_local)                          as answered_at_local,
        min(answered_at_utc)                            as answered_at_utc,
        arg_min(leg_agent_user, answered_at_local)      as first_leg_agent_user
    from legs_matched
    group by source_table, source_call_id
),

cdr_days as (
    select distinct instance, partition_date from cdr_calls
),

-- phone + list + day -> lead id (lead_status_search: the leads called that day), only where
-- exactly one lead of that number is in that list
phone_leads as (
    select instance, partition_date, phone_number, list_id, any_value(lead_id) as lead_id,
           any_value(vendor_lead_code) as vendor_lead_code
    from {{ ref('stg_vicidial__lead_status_search') }}
    where {{ incremental_window('partition_date') }}
    group by all
    having count(distinct lead_id) = 1
),

-- list -> campaign (VICIdial list_info; newest snapshot of each list)
list_campaigns as (
    select instance, list_id, campaign_id
    from {{ ref('stg_vicidial__list_info') }}
    where campaign_id is not null
    qualify row_number() over (partition by instance, list_id order by partition_date desc) = 1
),

phone_log_calls as (
    select
        'phone_number_log'                              as source_table,
        p.phone_log_call_id                             as source_call_id,
        p.instance,
        p.partition_date,
        p.call_started_at_local,
        p.call_started_at_utc,
        p.call_started_at_utc_ambiguous,
        p.direction,
        case when p.direction = 'inbound' then 'inbound' end as call_type,
        case when p.direction = 'outbound' then lc.campaign_id end as campaign,
        cast(null as varchar)                           as in_group,
        p.list_id,
        cast(pl.lead_id as varchar)                     as lead_id,
        pl.vendor_lead_code,
        p.phone_number,
        cast(null as varchar)                           as caller_id_number,
        p.agent_user,
        cast(null as varchar)                           as portfolio,
        p.status,
        cast(null as varchar)                           as carrier_disposition,
        p.term_reason,
        cast(null as bigint)                            as ring_seconds,
        cast(null as bigint)                            as queue_seconds,
        p.length_seconds                                as reported_duration_seconds,
        cast(null as bigint)                            as queue_position,
        0                                               as agent_legs,
        case when p.agent_user is not null then p.length_seconds end as talk_seconds,
        cast(null as timestamp)                         as answered_at_local,
        cast(null as timestamptz)                       as answered_at_utc
    from phone_log as p
    left join list_campaigns as lc
        on lc.instance = p.instance and lc.list_id = p.list_id
    left join phone_leads as pl
        on pl.instance = p.instance and pl.partition_date = p.partition_date
       and pl.phone_number = p.phone_number and pl.list_id = p.list_id
    anti join cdr_days as d
        on p.instance = d.instance and p.partition_date = d.partition_date
),

calls as (
    select
        c.source_table,
        c.source_call_id,
        c.instance,
        c.partition_date,
        c.call_started_at_local,
        c.call_started_at_utc,
        c.call_started_at_utc_ambiguous,
        c.direction,
        c.call_type,
        c.campaign,
        c.in_group,
        c.list_id,
        c.lead_id,
        c.vendor_lead_code,
        c.phone_number,
        c.caller_id_number,
        coalesce(c.agent_user, l.first_leg_agent_user)  as agent_user,
        c.portfolio,
        c.status,
        c.carrier_disposition,
        c.term_reason,
        c.ring_seconds,
        c.queue_seconds,
        c.reported_duration_seconds,
        c.queue_position,
        coalesce(l.agent_legs, 0)                       as agent_legs,
        coalesce(
            l.talk_seconds,
            case when c.direction = 'inbound' and c.agent_user is not null then c.reported_duration_seconds end
        )                                               as talk_seconds,
        l.answered_at_local,
        l.answered_at_utc
    from cdr_calls as c
    left join legs_per_call as l
        on c.source_table = l.source_table and c.source_call_id = l.source_call_id

    union all

    select * from phone_log_calls
),

-- campaign name -> id before the status lookup: campaign statuses are configured by campaign id
conformed as (
    select
        calls.* exclude (campaign),
        coalesce(ci.campaign_id, calls.campaign)        as campaign,
        coalesce(ci.campaign_name, calls.campaign)      as campaign_name
    from calls
    left join campaign_ids as ci
        on ci.instance = calls.instance and ci.campaign_name = calls.campaign
),

classified as (
    select
        c.*,
        {{ status_known() }}                            as is_status_classified,
        coalesce({{ status_rule('status_code') }}, {{ status_code('c.status') }}) as status_code,
        case
            when c.status is null then 'NONE'
            when {{ status_known() }} then {{ status_rule('status_category') }}
            else 'UNKNOWN'
        end                                             as status_category,
        -- the status decides (as VICIdial's call_status_stats "human answered calls" does:
        -- statuses flagged human_answered); agent talk time only decides for a status no rule
        -- knows. An agent "talks" on an answering machine (A) or while a manual dial rings out
        -- (NA, B): no live person, and counting those would understate drop rates.
        case
            when {{ status_known() }} then {{ status_rule('is_human_answered') }}
            else c.agent_user is not null and coalesce(c.talk_seconds, 0) > 0
        end                                             as is_human_answered,
        -- NULL (not false) for an unclassified status: it is listed in bi.unclassified_statuses,
        -- never silently counted as "not a sale"
        case when {{ status_known() }} then {{ status_rule('is_contact') }} end as status_is_contact,
        case when {{ status_known() }} then {{ status_rule('is_sale') }} end    as is_sale,
        coalesce({{ status_rule('is_drop') }}, false) and c.agent_user is null  as is_drop
    from conformed as c
    {{ join_status_rules('c.instance', 'c.campaign', status_code('c.status')) }}
)

select
    {{ surrogate_key(['source_table', 'instance', 'source_call_id']) }} as call_id,
    classified.* exclude (status_is_contact),
    -- handled: an agent was connected to a live person - an inbound caller, or a status human
    -- answered (an agent on an answering machine A, or on a manual dial that rang out NA / busy B,
    -- handled nothing)
    {{ kpi_is_handled('agent_user', 'is_drop', 'is_human_answered', 'direction') }} as is_handled,
    -- contact: an agent spoke with a live person (status says so, or it is a handled inbound call)
    agent_user is not null and not is_drop
        and (status_is_contact or direction is not distinct from 'inbound' or is_sale)
                                                        as is_contact,
    -- offered: an inbound call that reached a queue - routed to an in-group and not ended by
    -- the dialer before queueing (var not_queued_statuses: after-hours AFTHRS)
    direction is not distinct from 'inbound' and in_group is not null
        and coalesce(status_code, '') not in {{ sql_list(var('not_queued_statuses')) }} as is_offered,
    -- abandoned: an offered call no agent answered (caller hang-up DROP or queue timeout TIMEOT)
    direction is not distinct from 'inbound' and in_group is not null
        and coalesce(status_code, '') not in {{ sql_list(var('not_queued_statuses')) }}
        and agent_user is null                          as is_abandoned
from classified
