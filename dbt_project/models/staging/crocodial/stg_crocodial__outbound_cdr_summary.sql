-- One row per campaign × day: the outbound_cdr summary rows (lead counts, dials, handled),
-- kept for list penetration and reconciliation against the call rows.
with source as (
    select * from {{ source('raw', 'outbound_cdr_summary') }}
)

select
    {{ clean_text('campaign_name') }}   as campaign,
    cast(total_leads as bigint)         as total_leads,
    cast(dialable as bigint)            as dialable_leads,
    cast(pending as bigint)             as pending_leads,
    cast(total_calls as bigint)         as total_calls,
    cast(dialer as bigint)              as dialer_calls,
    cast(dialed as bigint)              as dialed_calls,
    cast(manual_calls as bigint)        as manual_calls,
    cast(handled_calls as bigint)       as handled_calls,
    cast(total_removed as bigint)       as total_removed_leads,
    cast(removed as bigint)             as removed_leads,
    cast(remove_all_period as bigint)   as removed_leads_all_period,
    {{ lineage_columns() }}
from source
{{ dedupe(['_instance', '_partition_date', 'campaign_name']) }}
