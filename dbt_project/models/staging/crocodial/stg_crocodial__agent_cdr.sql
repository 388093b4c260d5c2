-- One row per agent call leg (croco-dial agent_cdr). call_duration arrives as HH:MM:SS and
-- is typed to seconds upstream.
with source as (
    select * from {{ source('raw', 'agent_cdr') }}
)

select
    {{ surrogate_key(['_instance', 'user', 'answer_time', 'phone_number', 'lead_id', 'call_type']) }}
        as agent_call_id,
    {{ clean_agent('user') }}               as agent_user,
    answer_time                             as answered_at_local,
    answer_time_utc                         as answered_at_utc,
    {{ clean_text('disposition') }}         as status,
    {{ clean_text('phone_number') }}        as phone_number,
    {{ clean_text('loan_number') }}         as vendor_lead_code,
    lower({{ clean_text('call_type') }})    as call_type,
    cast(call_duration as bigint)           as talk_seconds,
    {{ clean_text('lead_id') }}             as lead_id,
    upper({{ clean_text('term_reason') }})  as term_reason,
    {{ clean_text('portfolio') }}           as portfolio,
    {{ clean_text('campaign_name') }}       as campaign,
    {{ lineage_columns() }}
from source
{{ dedupe(['_instance', '_partition_date', 'user', 'answer_time', 'phone_number', 'lead_id', 'call_type']) }}
