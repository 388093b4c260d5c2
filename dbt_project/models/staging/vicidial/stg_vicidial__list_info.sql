-- One row per list × snapshot day (VICIdial list_info with leads_counts=Y).
with source as (
    select * from {{ source('raw', 'list_info') }}
)

select
    {{ clean_text('list_id') }}             as list_id,
    {{ clean_text('list_name') }}           as list_name,
    {{ clean_text('campaign_id') }}         as campaign_id,
    upper({{ clean_text('active') }}) = 'Y' as is_active,
    list_changedate                         as list_changed_at_local,
    list_changedate_utc                     as list_changed_at_utc,
    list_lastcalldate                       as list_last_called_at_local,
    list_lastcalldate_utc                   as list_last_called_at_utc,
    cast(expiration_date as date)           as expiration_date,
    cast(resets_today as bigint)            as resets_today,
    cast(all_leads_count as bigint)         as all_leads_count,
    cast(new_leads_count as bigint)         as new_leads_count,
    {{ lineage_columns() }}
from source
where {{ clean_text('list_id') }} is not null
{{ dedupe(['_instance', '_partition_date', 'list_id']) }}
