-- One row per lead in a campaign's hopper × snapshot day (croco-dial getLeadsOnHopper).
-- `loan_id` is the vendor lead code; the HTML `delete` button column is dropped.
with source as (
    select * from {{ source('raw', 'hopper') }}
)

select
    {{ clean_text('campaign_id') }}         as campaign_id,
    {{ clean_text('lead_id') }}             as lead_id,
    {{ clean_text('hopper_id') }}           as hopper_id,
    last_local_call_time                    as last_called_at_local,
    last_local_call_time_utc                as last_called_at_utc,
    {{ clean_text('loan_id') }}             as vendor_lead_code,
    {{ clean_text('phone_number') }}        as phone_number,
    {{ clean_text('state') }}               as state,
    {{ clean_text('disposition') }}         as status,
    cast("count" as bigint)                 as called_count,
    try_cast(gmt_offset_now as double)      as gmt_offset_now,
    {{ clean_text('alt_dial') }}            as alt_dial,
    {{ clean_text('list_name') }}           as list_name,
    {{ clean_text('list_id') }}             as list_id,
    cast(priority as bigint)                as priority,
    {{ clean_text('source') }}              as lead_source,
    {{ lineage_columns() }}
from source
{{ dedupe(['_instance', '_partition_date', 'campaign_id', 'lead_id', 'hopper_id']) }}
