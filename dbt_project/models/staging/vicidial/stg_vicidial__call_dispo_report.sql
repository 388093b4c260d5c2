-- One row per campaign (or in-group / DID) × status × day of VICIdial call_dispo_report,
-- stored long. total_calls is the row's TOTAL CALLS; row_sum_matches flags whether the sum
-- of the row's status counts equals it (real servers can misalign header and values).
-- The TOTAL row of the report is dropped.
with source as (
    select * from {{ source('raw', 'call_dispo_report') }}
)

select
    {{ clean_text('campaign') }}                    as campaign,
    {{ clean_text('status') }}                      as status,
    cast(calls as bigint)                           as calls,
    cast(total_calls as bigint)                     as campaign_total_calls,
    coalesce(lower(cast(row_sum_matches as varchar)) in ('true', '1', 'y', 'yes', 't'), false)
                                                    as row_sum_matches,
    {{ lineage_columns() }}
from source
where upper({{ clean_text('campaign') }}) <> 'TOTAL'
  and {{ clean_text('status') }} is not null
{{ dedupe(['_instance', '_partition_date', 'campaign', 'status']) }}
