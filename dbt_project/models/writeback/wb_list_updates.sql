-- Write-back: reset or deactivate lists by what their campaign dials, from the latest list_info
-- snapshot and the calls of each list (fct_calls).
--
-- Dialable means what the campaign dials: a lead whose status is one of the campaign's dial
-- statuses. No platform's synced data carries them (list_info has only all/NEW counts; croco-dial's
-- dial_status_a..e are in getCampaignInfo, which is not synced), so they come from seed
-- campaign_dial_statuses (instance, campaign_id, space-separated statuses, like VICIdial's own
-- campaign setting) and otherwise from var wb_dial_statuses (default below).
-- Per list:
--   new        = list_info new_leads_count (when the campaign dials NEW),
--   recyclable = leads whose last call's status is a dial status other than NEW (a reset makes
--                them dialable again),
--   finished   = leads whose last call's status is not a dial status,
--   unknown    = all_leads_count - new - recyclable - finished (not called in the history we hold).
-- Decisions (active lists only):
--   * new > 0                                   → nothing (the list still dials);
--   * recyclable > 0, resets today < var wb_max_list_resets_per_day (default 1) → reset_list=Y;
--   * recyclable > 0, out of resets today       → nothing (reset again on a later day), never
--                                                 deactivate: these leads are dialable after a reset;
--   * expired, or every lead finished (recyclable = unknown = 0, all > 0) → active=N;
--   * empty, or unknown > 0                     → nothing (a list waiting for its leads; no evidence).
-- Why this cannot undo itself: a reset leaves recyclable > 0 and resets_today ≥ the cap, so the
-- next snapshot proposes nothing for that list; a deactivated list is no longer active; a list the
-- campaign plan (writeback_list_plan) wants active is never deactivated (no fight with wb_lists).
-- The engine also refuses an update_list that reverses another row's change of the last 24 h.
-- A reset's row_key carries the snapshot day (one reset per list and day); a deactivation is keyed
-- by list only (sent once: an operator who re-activates the list is not overruled).
-- Lead identity in fct_calls: the phone number within the list (every report has it; a lead seen
-- with and without lead_id is not counted twice — two leads sharing a phone count once, which only
-- grows `unknown`, the cautious side), else lead_id.
{{ config(schema='writeback', materialized='table') }}

{% set max_resets = var('wb_max_list_resets_per_day', 1) %}
{% set default_dial_statuses = var('wb_dial_statuses',
    ['NEW', 'NA', 'B', 'A', 'AA', 'AB', 'CALLBK', 'DROP', 'PDROP', 'TIMEOT', 'AFTHRS', 'LD']) %}

with latest as (
    select *
    from {{ ref('stg_vicidial__list_info') }}
    qualify partition_date = max(partition_date) over (partition by instance)
),

configured as (
    select distinct
        trim(instance)      as instance,
        trim(campaign_id)   as campaign_id,
        unnest(string_split(trim(regexp_replace(upper(dial_statuses), '[^A-Z0-9_-]+', ' ', 'g')), ' ')) as status
    from {{ ref('campaign_dial_statuses') }}
),

-- one row per (instance, campaign, dial status) for every campaign of a snapshotted list
dial_statuses as (
    select instance, campaign_id, status from configured where status not in ('', '-')
    union all
    select distinct l.instance, l.campaign_id, d.status
    from latest as l
    cross join (select unnest([
        {%- for st in default_dial_statuses %}'{{ st | upper }}'{{ ', ' if not loop.last }}{% endfor -%}
    ]::varchar[]) as status) as d
    where not exists (select 1 from configured as c
                      where c.instance = l.instance and c.campaign_id is not distinct from l.campaign_id)
),

last_status as (
    select
        instance,
        cast(list_id as varchar)                                    as list_id,
        -- the phone first: every report has it, so a lead seen with and without lead_id counts once
        coalesce('phone:' || phone_number, 'lead:' || cast(lead_id as varchar)) as lead_key,
        arg_max(status, call_started_at_local)                      as status
    from {{ ref('fct_calls') }}
    where list_id is not null
      and coalesce(cast(lead_id as varchar), phone_number) is not null
      and status is not null
    group by all
),

counts as (
    select
        s.instance,
        s.list_id,
        count(*) filter (where d.status is not null and s.status <> 'NEW') as recyclable,
        count(*) filter (where d.status is null)                           as finished
    from last_status as s
    join latest as l using (instance, list_id)
    left join dial_statuses as d
        on d.instance = s.instance and d.campaign_id is not distinct from l.campaign_id
       and d.status = upper(s.status)
    group by all
),

planned_active as (
    select distinct instance, list_id from {{ ref('writeback_list_plan') }} where active = 'Y'
),

measured as (
    select
        l.instance,
        l.list_id,
        l.partition_date,
        l.expiration_date,
        coalesce(l.all_leads_count, 0)                              as all_leads,
        coalesce(l.resets_today, 0)                                 as resets_today,
        case when exists (select 1 from dial_statuses as d
                          where d.instance = l.instance and d.status = 'NEW'
                            and d.campaign_id is not distinct from l.campaign_id)
             then coalesce(l.new_leads_count, 0) else 0 end         as new_dialable,
        coalesce(c.recyclable, 0)                                   as recyclable,
        coalesce(c.finished, 0)                                     as finished,
        greatest(coalesce(l.all_leads_count, 0) - coalesce(l.new_leads_count, 0)
                 - coalesce(c.recyclable, 0) - coalesce(c.finished, 0), 0) as unknown,
        p.list_id is not null                                       as is_planned_active
    from latest as l
    left join counts as c using (instance, list_id)
    left join planned_active as p using (instance, list_id)
    where l.is_active
      and regexp_full_match(l.list_id, '[0-9]{2,14}')
),

decided as (
    select
        *,
        case
            when new_dialable > 0 then null
            when expiration_date is not null and expiration_date < partition_date
                 then case when is_planned_active then null else 'deactivate' end
            when all_leads = 0 then null
            when recyclable > 0 and resets_today < {{ max_resets }} then 'reset'
            when recyclable > 0 then null
            when unknown > 0 or is_planned_active then null
            else 'deactivate'
        end as action
    from measured
)

select
    instance,
    'update_list'                                                   as operation,
    case when action = 'reset'
         then 'reset:' || list_id || ':' || strftime(partition_date, '%Y-%m-%d')
         else 'deactivate:' || list_id end                          as row_key,
    list_id,
    case when action = 'reset' then 'Y' end                         as reset_list,
    case when action = 'deactivate' then 'N' end                    as active,
    case
        when action = 'reset' then 'no NEW leads left; ' || recyclable || ' lead(s) in dial statuses'
        when expiration_date is not null and expiration_date < partition_date then 'expired'
        else 'every lead has a final status'
    end                                                             as _reason,
    all_leads                                                       as _all_leads_count,
    new_dialable                                                    as _new_leads_count,
    recyclable                                                      as _recyclable_leads,
    finished                                                        as _finished_leads,
    unknown                                                         as _unknown_leads,
    resets_today                                                    as _resets_today,
    partition_date                                                  as _snapshot_date,
    -- the dry run shows each change as before → after
    'Y'                                                             as _before_active,
    resets_today                                                    as _before_resets_today,
    case when action = 'reset' then resets_today + 1 end            as _after_resets_today
from decided
where action is not null
