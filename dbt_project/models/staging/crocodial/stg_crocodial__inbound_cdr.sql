-- One row per inbound call (uniq1 = the dialer's unique call id).
with source as (
    select * from {{ source('raw', 'inbound_cdr') }}
)

select
    {{ clean_text('uniq1') }}                   as uniqueid,
    call_date                                   as call_started_at_local,
    call_date_utc                               as call_started_at_utc,
    call_date_ambiguous                         as call_started_at_utc_ambiguous,  -- false where uniq1 resolved it
    enter_on_queue                              as queue_entered_at_local,
    enter_on_queue_utc                          as queue_entered_at_utc,
    {{ clean_text('src') }}                     as caller_id_number,
    {{ clean_text('dst') }}                     as did_number,
    {{ clean_text('carrier') }}                 as carrier,
    {{ clean_text('queue') }}                   as in_group,
    {{ clean_agent('agent') }}                  as agent_user,
    {{ clean_text('campaign') }}                as campaign,
    {{ clean_text('disposition') }}             as status,
    upper({{ clean_text('term_reason') }})      as term_reason,
    cast(queue_time as bigint)                  as queue_seconds,
    cast(call_duration as bigint)               as call_duration_seconds,
    cast(queue_position as bigint)              as queue_position,
    {{ clean_text('portfolio') }}               as portfolio,
    {{ clean_text('lead_id') }}                 as lead_id,
    {{ clean_text('list_id') }}                 as list_id,
    {{ clean_text('vendor_lead_code') }}        as vendor_lead_code,
    {{ lineage_columns() }}
from source
where {{ clean_text('uniq1') }} is not null
{{ dedupe(['_instance', '_partition_date', 'uniq1']) }}
