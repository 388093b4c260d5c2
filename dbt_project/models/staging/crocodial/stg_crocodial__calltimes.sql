-- One row per call-time definition × snapshot day (croco-dial goGetAllCalltimes,
-- column-oriented in the API, rows in raw). Times are HHMM integers.
with source as (
    select * from {{ source('raw', 'calltimes') }}
)

select
    {{ clean_text('call_time_id') }}        as call_time_id,
    {{ clean_text('call_time_name') }}      as call_time_name,
    cast(ct_default_start as bigint)        as default_start_hhmm,
    cast(ct_default_stop as bigint)         as default_stop_hhmm,
    cast(ct_sunday_start as bigint)            as sunday_start_hhmm,
    cast(ct_sunday_stop as bigint)             as sunday_stop_hhmm,
    cast(ct_monday_start as bigint)            as monday_start_hhmm,
    cast(ct_monday_stop as bigint)             as monday_stop_hhmm,
    cast(ct_tuesday_start as bigint)            as tuesday_start_hhmm,
    cast(ct_tuesday_stop as bigint)             as tuesday_stop_hhmm,
    cast(ct_wednesday_start as bigint)            as wednesday_start_hhmm,
    cast(ct_wednesday_stop as bigint)             as wednesday_stop_hhmm,
    cast(ct_thursday_start as bigint)            as thursday_start_hhmm,
    cast(ct_thursday_stop as bigint)             as thursday_stop_hhmm,
    cast(ct_friday_start as bigint)            as friday_start_hhmm,
    cast(ct_friday_stop as bigint)             as friday_stop_hhmm,
    cast(ct_saturday_start as bigint)            as saturday_start_hhmm,
    cast(ct_saturday_stop as bigint)             as saturday_stop_hhmm,
    {{ clean_text('user_group') }}          as user_group,
    {{ lineage_columns() }}
from source
where {{ clean_text('call_time_id') }} is not null
{{ dedupe(['_instance', '_partition_date', 'call_time_id']) }}
