-- One row per call recording (VICIdial recording_lookup).
with source as (
    select * from {{ source('raw', 'recording_lookup') }}
)

select
    {{ clean_text('recording_id') }}    as recording_id,
    start_time                          as recording_started_at_local,
    start_time_utc                      as recording_started_at_utc,
    {{ clean_agent('"user"') }}         as agent_user,
    {{ clean_text('lead_id') }}         as lead_id,
    {{ clean_text('location') }}        as location,
    {{ lineage_columns() }}
from source
where {{ clean_text('recording_id') }} is not null
{{ dedupe(['_instance', 'recording_id']) }}
