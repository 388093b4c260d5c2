-- Write-back: retire leads whose last N calls (var wb_retire_after_calls, default 3) were all
-- DNC or bad-number dispositions, by setting a non-dialable status with update_lead.
-- One row per lead to retire. A lead is found by lead_id where the calls carry it (croco-dial
-- CDR: update_lead's default, exact search). VICIdial's phone_number_log has no lead_id, only the
-- phone and the list the call was placed from, so there the row searches by phone within that list
-- (search_method=PHONE_NUMBER, search_location=LIST, list_id), as update_lead documents. Why not a
-- lead_id from lead_status_search: it answers by (status, day) up to a row limit, so it would name
-- only some leads; the list search is exact for the list dialed, and if a phone is in the list
-- twice the server updates one lead (records defaults to 1, the most recently loaded): it can
-- retire too few leads, never a lead of another list (without list_id the server would search the
-- whole SYSTEM: the validator refuses such a row). Contract (extract/writeback/sources.py): instance, operation,
-- row_key + API parameters; `_`-prefixed columns explain the row and are never sent.
-- Built on the mart fct_calls (every platform: CDR calls on croco-dial, phone_number_log
-- calls on plain VICIdial/Dialer360).
-- A view: it reads all call history, so it is computed when a write-back run reads it, not
-- on every nightly build (the nightly cost follows the days restated, not history).
{{ config(schema='writeback', materialized='view') }}

{% set n_calls = var('wb_retire_after_calls', 3) %}

with calls as (
    select
        *,
        row_number() over (
            partition by instance, lead_key
            order by call_started_at_local desc, call_id desc
        ) as recency
    from (
        select
            instance,
            case when regexp_full_match(cast(lead_id as varchar), '[0-9]{1,9}') then cast(lead_id as varchar) end
                                                                    as lead_id,
            cast(list_id as varchar)                                as list_id,
            phone_number,
            status,
            status_category,
            call_started_at_local,
            call_id,
            case
                when regexp_full_match(cast(lead_id as varchar), '[0-9]{1,9}') then cast(lead_id as varchar)
                when regexp_full_match(cast(list_id as varchar), '[0-9]{3,12}')
                     and regexp_full_match(phone_number, '[0-9]{6,16}')
                    then cast(list_id as varchar) || ':' || phone_number
            end                                                     as lead_key
        from {{ ref('fct_calls') }}
    )
    where lead_key is not null
),

last_calls as (
    select
        instance,
        lead_key,
        any_value(lead_id)                                          as lead_id,
        any_value(list_id)                                          as list_id,
        any_value(phone_number)                                     as phone_number,
        count(*)                                                    as calls_considered,
        count(*) filter (where status_category = 'DNC')             as dnc_calls,
        count(*) filter (where status_category = 'BAD_NUMBER')      as bad_number_calls,
        max(call_started_at_local)                                  as last_call_at_local,
        arg_max(status, call_started_at_local)                      as last_status
    from calls
    where recency <= {{ n_calls }}
    group by all
),

to_retire as (
    select
        *,
        case when dnc_calls > 0 then '{{ var("wb_retire_status_dnc", "DNC") }}'
             else '{{ var("wb_retire_status_bad_number", "DC") }}' end  as target_status
    from last_calls
    where calls_considered = {{ n_calls }}
      and dnc_calls + bad_number_calls = calls_considered
)

select
    instance,
    'update_lead'                                   as operation,
    'retire:' || lead_key                           as row_key,
    lead_id,
    case when lead_id is null then phone_number end as phone_number,
    case when lead_id is null then list_id end      as list_id,
    case when lead_id is null then 'PHONE_NUMBER' end as search_method,
    case when lead_id is null then 'LIST' end       as search_location,
    target_status                                   as status,
    case when dnc_calls > 0 then 'DNC' else 'BAD_NUMBER' end as _reason,
    calls_considered                                as _calls_considered,
    last_status                                     as _last_status,
    last_call_at_local                              as _last_call_at_local
from to_retire
