-- One row per inbound call to a DID (VICIdial did_log_export; the parser already swapped the
-- caller-id / call_date columns the real server prints opposite to its header).
with source as (
    select * from {{ source('raw', 'did_log_export') }}
)

select
    {{ clean_text('did_number') }}          as did_number,
    call_date                               as call_started_at_local,
    call_date_utc                           as call_started_at_utc,
    {{ clean_text('caller_id_number') }}    as caller_id_number,
    cast(length_in_sec as bigint)           as length_seconds,
    {{ lineage_columns() }}
from source
{{ dedupe(['_instance', '_partition_date', 'did_number', 'call_date', 'caller_id_number']) }}
