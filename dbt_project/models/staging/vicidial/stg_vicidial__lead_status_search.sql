-- One row per lead × day of VICIdial lead_status_search (the leads called that day, asked per
-- status of the day's call_dispo_report; a lead called with several statuses is answered once
-- per status: kept once). Fields are the lead's current ones (status = its latest outcome).
-- Used to give phone_number_log calls their lead id (phone number + list + day).
with source as (
    select * from {{ source('raw', 'lead_status_search') }}
)

select
    cast(lead_id as bigint)                 as lead_id,
    {{ clean_text('phone_number') }}        as phone_number,
    {{ clean_text('list_id') }}             as list_id,
    {{ clean_text('status') }}              as lead_status,
    {{ clean_text('vendor_lead_code') }}    as vendor_lead_code,
    {{ clean_text('source_id') }}           as source_id,
    {{ clean_agent('"user"') }}             as last_agent_user,
    last_local_call_time                    as last_called_at_local,
    {{ lineage_columns() }}
from source
where lead_id is not null
{{ dedupe(['_instance', '_partition_date', 'lead_id']) }}
