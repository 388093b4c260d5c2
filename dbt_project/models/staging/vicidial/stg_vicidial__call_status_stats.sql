-- One row per campaign / in-group × day of VICIdial call_status_stats. The hourly and status
-- breakdowns stay as the API's text (`HH-count,...`, `STATUS-count,...`); parsed lists are
-- provided as hourly_counts / status_counts (list of structs).
with source as (
    select * from {{ source('raw', 'call_status_stats') }}
)

select
    {{ clean_text('campaign_id') }}         as campaign,
    cast(total_calls as bigint)             as total_calls,
    cast(human_answered_calls as bigint)    as human_answered_calls,
    {{ clean_text('hourly_breakdown') }}    as hourly_breakdown,
    {{ clean_text('status_breakdown') }}    as status_breakdown,
    list_transform(
        list_filter(string_split(coalesce(hourly_breakdown, ''), ','), lambda x: x like '%-%'),
        lambda x: {'hour_of_day': try_cast(split_part(x, '-', 1) as integer),
              'calls': try_cast(split_part(x, '-', 2) as bigint)}
    )                                       as hourly_counts,
    list_transform(
        list_filter(string_split(coalesce(status_breakdown, ''), ','), lambda x: x like '%-%'),
        lambda x: {'status': regexp_replace(x, '-[0-9]+$', ''),
              'calls': try_cast(regexp_extract(x, '([0-9]+)$', 1) as bigint)}
    )                                       as status_counts,
    {{ lineage_columns() }}
from source
where {{ clean_text('campaign_id') }} is not null
{{ dedupe(['_instance', '_partition_date', 'campaign_id']) }}
