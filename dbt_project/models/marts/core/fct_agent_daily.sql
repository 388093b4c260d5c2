-- Grain: one row per agent × day × instance. Time budget from int_agent_day_time (one
-- source per agent-day, see its precedence); call counts from fct_calls, or the dialer's
-- reported counts when the call stream has no row for the agent-day.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_date',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_window('activity_date') }}"
) }}

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
        sum(talk_seconds) filter (where is_handled)                     as call_talk_seconds
    from {{ ref('fct_calls') }}
    where agent_user is not null
      and {{ incremental_window('call_date') }}
    group by instance, call_date, agent_user
),

joined as (
    select
        coalesce(t.instance, c.instance)                as instance,
        coalesce(t.partition_date, c.call_date)         as activity_date,
        coalesce(t.agent_user, c.agent_user)            as agent_user,
        coalesce(t.time_source, 'none')                 as time_source,
        t.time_sources_present,
        t.login_seconds,
        t.available_seconds,
        coalesce(t.talk_seconds, c.call_talk_seconds)   as talk_seconds,
        t.wrap_seconds,
        t.dead_seconds,
        t.pause_seconds,
        t.billable_seconds,
        t.non_billable_seconds,
        t.first_activity_at_local,
        t.first_activity_at_utc,
        t.last_activity_at_local,
        t.last_activity_at_utc,
        case when c.agent_user is not null then 'calls' when t.reported_calls is not null then 'reported' else 'none' end
                                                        as counts_source,
        case when c.agent_user is not null then c.calls_handled   else coalesce(t.reported_calls, 0) end          as calls_handled,
        case when c.agent_user is not null then c.dialer_calls    else coalesce(t.reported_dialer_calls, 0) end   as dialer_calls,
        case when c.agent_user is not null then c.manual_calls    else coalesce(t.reported_manual_calls, 0) end   as manual_calls,
        case when c.agent_user is not null then c.inbound_calls   else coalesce(t.reported_inbound_calls, 0) end  as inbound_calls,
        coalesce(c.contacts, 0)                                                                                  as contacts,
        case when c.agent_user is not null then c.sales           else coalesce(t.reported_sales, 0) end          as sales,
        t.reported_calls,
        t.reported_sales
    from time_budget as t
    full outer join calls as c
        on  t.instance = c.instance
        and t.partition_date = c.call_date
        and t.agent_user = c.agent_user
),

with_handle as (
    select
        *,
        {{ kpi_handle_seconds('talk_seconds', 'wrap_seconds', 'dead_seconds') }} as handle_seconds
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
