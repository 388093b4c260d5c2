/*
  Grain: one row per campaign (or in-group) × status × day × instance, as reported by
  VICIdial call_dispo_report, cross-checked against fct_calls: for every instance-day that
  has a dispo report, statuses counted in fct_calls but absent from the report are added
  with calls_reported = 0, so differences show both ways.
*/

with reported as (
    select
        d.instance,
        d.partition_date                    as activity_date,
        d.campaign,
        coalesce({{ status_rule('status_code') }}, {{ status_code('d.status') }}) as status_code,
        coalesce({{ status_rule('status_category') }}, 'UNKNOWN') as status_category,
        sum(d.calls)                        as calls_reported,
        max(d.campaign_total_calls)         as campaign_total_calls_reported,
        bool_and(d.row_sum_matches)         as row_sum_matches
    from {{ ref('stg_vicidial__call_dispo_report') }} as d
    {{ join_status_rules('d.instance', 'd.campaign', status_code('d.status')) }}
    where {{ incremental_window('d.partition_date') }}
    group by all
),

report_days as (
    select distinct instance, activity_date from reported
),

counted as (
    select
        c.instance,
        c.call_date                         as activity_date,
        case when c.direction = 'inbound' then c.in_group else c.campaign end as campaign,
        c.status_code,
        any_value(c.status_category)        as status_category,
        count(*)                            as calls_in_fct_calls
    from {{ ref('fct_calls') }} as c
    semi join report_days as d
        on c.instance = d.instance and c.call_date = d.activity_date
    where c.status_code is not null
      and case when c.direction = 'inbound' then c.in_group else c.campaign end is not null
      and {{ incremental_window('c.call_date') }}
    group by all
)

select
    {{ surrogate_key(['instance', 'campaign']) }}               as campaign_key,
    instance,
    activity_date,
    campaign,
    status_code,
    coalesce(r.status_category, c.status_category, 'UNKNOWN')   as status_category,
    coalesce(r.calls_reported, 0)                               as calls_reported,
    r.campaign_total_calls_reported,
    coalesce(r.row_sum_matches, true)                           as row_sum_matches,
    coalesce(c.calls_in_fct_calls, 0)                           as calls_in_fct_calls,
    coalesce(r.calls_reported, 0) - coalesce(c.calls_in_fct_calls, 0) as calls_difference,
    coalesce(r.calls_reported, 0) = coalesce(c.calls_in_fct_calls, 0) as is_match
from reported as r
full outer join counted as c
    using (instance, activity_date, campaign, status_code)
