-- Grain: one row per agent × day × instance. Time budget from int_agent_day_time (one
-- source per agent-day, see its precedence); call counts from fct_calls, or the dialer's
-- reported counts when the call stream has no row for the agent-day or is only the
-- phone_number_log (see `streams`). Counts a platform does not report are NULL, not 0: on a
-- day without CDRs (plain VICIdial, Dialer360) agent_stats_export gives `calls` only, so
-- dialer / manual / inbound calls, contacts and sales are NULL there.
-- calls_handled (and its split by call type) counts calls connected to a live person
-- (fct_calls is_handled): the dialer's own counts (`reported_calls`) include answering
-- machines and manual dials that rang out, so where only they exist calls_handled is NULL.

with time_budget as (
    select * from {{ ref('int_agent_day_time') }}
    where {{ incremental_window('partition_date') }}
),

calls as (
    select
        instance,
        call_date,
        agent_user,
        count(*) filter (where is_handled)                              as calls_handled,
        count(*) filter (where is_handled and call_type = 'dialer')     as dialer_calls,
        count(*) filter (where is_handled and call_type = 'manual')     as manual_calls,
        count(*) filter (where is_handled and call_type = 'inbound')    as inbound_calls,
        count(*) filter (where is_contact)                              as contacts,
        count(*) filter (where is_sale)                                 as sales,
        sum(talk_seconds) filter (where is_handled)                     as call_talk_seconds,
        coalesce(bool_and(source_table = 'phone_number_log'), false)    as only_phone_log
    from {{ ref('fct_calls') }}
    where agent_user is not null
      and {{ incremental_window('call_date') }}
    group by instance, call_date, agent_user
),

-- instance-days whose call stream is made of CDRs (complete: a call it lacks did not happen)
cdr_days as (
    select distinct instance, call_date
    from {{ ref('fct_calls') }}
    where source_table is distinct from 'phone_number_log'
      and {{ incremental_window('call_date') }}
),

-- Counts come from the call stream when it is made of CDRs. phone_number_log (the stream of
-- instances without CDRs) misses calls (lead_status_search limit, inbound callers that are no
-- lead) and has no call type, so there the dialer's reported counts (agent_stats_export
-- `calls`) win when present; sales, which that report lacks, stay from the stream.
streams as (
    select
        t.*,
        c.* exclude (instance, call_date, agent_user),
        c.instance as c_instance, c.call_date, c.agent_user as c_agent_user,
        c.agent_user is not null and (not c.only_phone_log or t.reported_calls is null) as use_stream
    from time_budget as t
    full outer join calls as c
        on  t.instance = c.instance
        and t.partition_date = c.call_date
        and t.agent_user = c.agent_user
),

flagged as (
    select
        s.*,
        -- what a count the report does not carry is: 0 on a CDR day (the stream is complete and
        -- has no such call), unknown (NULL) on a day without CDRs (plain VICIdial, Dialer360)
        case when cd.instance is not null then 0 end as absent_count
    from streams as s
    left join cdr_days as cd
        on cd.instance = coalesce(s.instance, s.c_instance) and cd.call_date = coalesce(s.partition_date, s.call_date)
),

joined as (
    select
        coalesce(instance, c_instance)                  as instance,
        coalesce(partition_date, call_date)             as activity_date,
        coalesce(agent_user, c_agent_user)              as agent_user,
        coalesce(time_source, 'none')                   as time_source,
        time_sources_present,
        login_seconds,
        available_seconds,
        coalesce(talk_seconds, call_talk_seconds)       as talk_seconds,
        wrap_seconds,
        dead_seconds,
        pause_seconds,
        billable_seconds,
        non_billable_seconds,
        first_activity_at_local,
        first_activity_at_utc,
        last_activity_at_local,
        last_activity_at_utc,
        case when use_stream then 'calls' when reported_calls is not null then 'reported' else 'none' end
                                                        as counts_source,
        case when use_stream then calls_handled else absent_count end                               as calls_handled,
        case when use_stream then dialer_calls  else absent_count end                               as dialer_calls,
        case when use_stream then manual_calls  else absent_count end                               as manual_calls,
        case when use_stream then inbound_calls else absent_count end                               as inbound_calls,
        case when use_stream then contacts      else absent_count end                               as contacts,
        case when use_stream then sales         else coalesce(reported_sales, absent_count) end        as sales,
        reported_calls,
        reported_sales,
        handle_seconds                                  as budget_handle_seconds
    from flagged
),

with_handle as (
    select
        *,
        -- the budget's own handle (per source semantics, int_agent_day_time); only an agent-day
        -- without a budget falls back to its calls' talk
        case when time_source = 'none' then {{ kpi_handle_seconds('talk_seconds', 'wrap_seconds', 'dead_seconds') }}
             else budget_handle_seconds end                           as handle_seconds
    from joined
)

select
    {{ surrogate_key(['instance', 'agent_user']) }}                     as agent_key,
    instance,
    activity_date,
    agent_user,
    time_source,
    time_sources_present,
    login_seconds,
    available_seconds,
    talk_seconds,
    wrap_seconds,
    dead_seconds,
    pause_seconds,
    billable_seconds,
    non_billable_seconds,
    handle_seconds,
    round(login_seconds / 3600.0, 4)                                    as login_hours,
    first_activity_at_local,
    first_activity_at_utc,
    last_activity_at_local,
    last_activity_at_utc,
    counts_source,
    calls_handled,
    dialer_calls,
    manual_calls,
    inbound_calls,
    contacts,
    sales,
    reported_calls,
    reported_sales,
    {{ kpi_occupancy('handle_seconds', 'available_seconds') }}          as occupancy,
    {{ kpi_utilization('handle_seconds', 'login_seconds') }}            as utilization,
    {{ kpi_aht('handle_seconds', 'calls_handled') }}                    as aht_seconds,
    {{ kpi_per_hour('calls_handled', 'login_seconds') }}                as calls_per_hour,
    {{ kpi_per_hour('sales', 'login_seconds') }}                        as sales_per_hour,
    {{ kpi_conversion_rate('sales', 'contacts') }}                      as conversion_rate,
    {{ kpi_pause_share('pause_seconds', 'login_seconds') }}             as pause_share
from with_handle
