/*
  Grain: one row per instance × status seen in the data that no status rule classifies (neither
  the status_categories seed nor a dialsync.toml `statuses` / `campaign_statuses` entry).
  Such calls are never counted as "not a sale": their is_sale is NULL and the marts carry
  unclassified_calls; this table says which statuses to classify and how many calls they hold.
  Calls per day are the larger of the call stream's count and call_dispo_report's (the same
  calls, seen twice on croco-dial; only the report has them all on plain VICIdial).
  Empty when every status is classified (the demo configures its campaign status APPSET).
*/
with from_calls as (
    select instance, call_date as activity_date, status_code,
           coalesce(case when direction = 'inbound' then in_group end, campaign) as campaign,
           count(*) as calls
    from {{ ref('fct_calls') }}
    where status is not null and not is_status_classified
    group by all
),

from_dispo as (
    select d.instance, d.partition_date as activity_date, {{ status_code('d.status') }} as status_code,
           d.campaign, sum(d.calls) as calls
    from {{ ref('stg_vicidial__call_dispo_report') }} as d
    {{ join_status_rules('d.instance', 'd.campaign', status_code('d.status')) }}
    where d.calls > 0 and not {{ status_known() }}
    group by all
),

per_day as (
    select
        instance, activity_date, status_code,
        greatest(coalesce(c.calls, 0), coalesce(d.calls, 0))  as calls,
        c.calls is not null                                  as in_calls,
        d.calls is not null                                  as in_dispo,
        campaign
    from (select instance, activity_date, status_code, campaign, sum(calls) as calls from from_calls group by all) as c
    full outer join (select instance, activity_date, status_code, campaign, sum(calls) as calls
                     from from_dispo group by all) as d
        using (instance, activity_date, status_code, campaign)
)

select
    {{ surrogate_key(['instance', 'status_code']) }}            as unclassified_status_key,
    instance,
    status_code,
    sum(calls)                                                  as calls,
    count(distinct activity_date)                               as days_seen,
    min(activity_date)                                          as first_seen_date,
    max(activity_date)                                          as last_seen_date,
    string_agg(distinct campaign, ', ' order by campaign)       as campaigns,
    concat_ws(',', case when bool_or(in_calls) then 'fct_calls' end,
                   case when bool_or(in_dispo) then 'call_dispo_report' end) as seen_in
from per_day
group by instance, status_code
