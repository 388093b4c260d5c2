-- One row per call of VICIdial phone_number_log (rows whose call_date is the partition day).
-- The same call can be returned for several requested numbers/batches: kept once.
-- The report has no direction column: the sync asks type=OUT and type=IN separately and
-- records which (`direction`; NULL for rows pulled with type=ALL, whose direction is unknown).
-- No campaign, lead id or uniqueid; `user` is VDAD when no agent took the call (→ NULL).
with source as (
    select *, direction as _direction from {{ source('raw', 'phone_number_log') }}
)

select
    {{ surrogate_key(['_instance', 'phone_number', 'call_date', 'list_id', '"user"', 'call_status', '_direction']) }}
        as phone_log_call_id,
    {{ clean_text('phone_number') }}        as phone_number,
    call_date                               as call_started_at_local,
    call_date_utc                           as call_started_at_utc,
    call_date_ambiguous                     as call_started_at_utc_ambiguous,
    case upper({{ clean_text('_direction') }}) when 'OUT' then 'outbound' when 'IN' then 'inbound' end
                                            as direction,
    {{ clean_text('list_id') }}             as list_id,
    cast(length_in_sec as bigint)           as length_seconds,
    {{ clean_text('lead_status') }}         as lead_status,
    upper({{ clean_text('hangup_reason') }}) as term_reason,
    {{ clean_text('call_status') }}         as status,
    {{ clean_text('source_id') }}           as source_id,
    {{ clean_agent('"user"') }}             as agent_user,
    {{ lineage_columns() }}
from source
{{ dedupe(['_instance', '_partition_date', 'phone_number', 'call_date', 'list_id', '"user"', 'call_status',
           '_direction']) }}
