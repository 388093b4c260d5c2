-- Grain: one row per call (call_id). Incremental by call_date: the run's date window is
-- deleted and rebuilt from int_calls, so restated days are replaced whole.
{{ config(unique_key='call_date') }}

with calls as (
    select * from {{ ref('int_calls') }}
    where {{ incremental_window('partition_date') }}
)

select
    call_id,
    source_table,
    instance,
    partition_date                                              as call_date,
    call_started_at_local,
    call_started_at_utc,
    call_started_at_utc_ambiguous,
    answered_at_local,
    answered_at_utc,
    cast(hour(call_started_at_local) as integer)                as call_hour_local,
    direction,
    call_type,
    campaign,
    campaign_name,
    case when campaign is not null then {{ surrogate_key(['instance', 'campaign']) }} end as campaign_key,
    in_group,
    list_id,
    case when list_id is not null then {{ surrogate_key(['instance', 'list_id']) }} end   as list_key,
    lead_id,
    vendor_lead_code,
    phone_number,
    caller_id_number,
    agent_user,
    case when agent_user is not null then {{ surrogate_key(['instance', 'agent_user']) }} end as agent_key,
    portfolio,
    status,
    status_code,
    status_category,
    is_status_classified,
    is_human_answered,
    is_contact,
    is_sale,
    is_drop,
    is_offered,
    is_abandoned,
    is_handled,
    ring_seconds,
    queue_seconds,
    talk_seconds,
    cast(null as bigint)                                        as wrap_seconds,
    reported_duration_seconds,
    queue_position,
    agent_legs,
    term_reason,
    carrier_disposition
from calls
