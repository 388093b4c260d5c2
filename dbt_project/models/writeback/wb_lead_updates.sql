-- Write-back: retire leads whose last N calls (var wb_retire_after_calls, default 3) were all
-- DNC or bad-number dispositions, by setting a non-dialable status with update_lead.
-- One row per lead to retire. Contract (extract/writeback/sources.py): instance, operation,
-- row_key + API parameters; `_`-prefixed columns explain the row and are never sent.
-- Built on the mart fct_calls (every platform: CDR calls on croco-dial, phone_number_log
-- calls on plain VICIdial/Dialer360).
-- A view: it reads all call history, so it is computed when a write-back run reads it, not
-- on every nightly build (the nightly cost follows the days restated, not history).
{{ config(schema='writeback', materialized='view') }}

{% set n_calls = var('wb_retire_after_calls', 3) %}

with calls as (
    select
        instance,
        lead_id,
        status,
        status_category,
        call_started_at_local,
        row_number() over (
            partition by instance, lead_id
            order by call_started_at_local desc, call_id desc
        ) as recency
    from {{ ref('fct_calls') }}
    where lead_id is not null
      and regexp_full_match(cast(lead_id as varchar), '[0-9]{1,9}')
),

last_calls as (
    select
        instance,
        lead_id,
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
    'retire:' || cast(lead_id as varchar)           as row_key,
    cast(lead_id as varchar)                        as lead_id,
    target_status                                   as status,
    case when dnc_calls > 0 then 'DNC' else 'BAD_NUMBER' end as _reason,
    calls_considered                                as _calls_considered,
    last_status                                     as _last_status,
    last_call_at_local                              as _last_call_at_local
from to_retire
