-- One row per outbound call (dialer and manual) as reported by croco-dial outbound_cdr.
-- The report has no call id: a call is identified by instance, start time, numbers, agent,
-- campaign, lead and call type; exact repeats of that key are the same call (kept once).
with source as (
    select * from {{ source('raw', 'outbound_cdr') }}
),

renamed as (
    select
        {{ surrogate_key(['_instance', 'call_date', 'src', 'dst', 'agent', 'campaign', 'lead_id', 'call_type']) }}
            as outbound_call_id,
        call_date                                   as call_started_at_local,
        call_date_utc                               as call_started_at_utc,
        -- repeated DST hour without an epoch: the UTC is the first occurrence, maybe an hour early
        call_date_ambiguous                         as call_started_at_utc_ambiguous,
        {{ clean_text('src') }}                     as caller_id_number,
        {{ clean_text('dst') }}                     as phone_number,
        {{ clean_agent('agent') }}                  as agent_user,
        {{ clean_text('campaign') }}                as campaign,
        lower({{ clean_text('call_type') }})        as call_type,
        {{ clean_text('disposition') }}             as status,
        {{ clean_text('carrier_disposition') }}     as carrier_disposition,
        upper({{ clean_text('term_reason') }})      as term_reason,
        cast(queue_time as bigint)                  as queue_seconds,
        {{ clean_text('portfolio') }}               as portfolio,
        {{ clean_text('vendor_lead_code') }}        as vendor_lead_code,
        {{ clean_text('lead_id') }}                 as lead_id,
        {{ clean_text('list_id') }}                 as list_id,
        entry_date                                  as lead_entered_at_local,
        entry_date_utc                              as lead_entered_at_utc,
        {{ lineage_columns() }}
    from source
    {{ dedupe(['_instance', '_partition_date', 'call_date', 'src', 'dst', 'agent', 'campaign', 'lead_id', 'call_type']) }}
)

select * from renamed
