-- One row per campaign × snapshot day (croco-dial goGetAllCampaigns; `id` -> campaign_id).
with source as (
    select * from {{ source('raw', 'campaigns') }}
)

select
    {{ clean_text('id') }}                          as campaign_id,
    {{ clean_text('campaign_name') }}               as campaign_name,
    upper({{ clean_text('dialer') }}) = 'Y'         as is_auto_dial,
    upper({{ clean_text('campaign_vdad_exten') }}) = 'Y' as uses_amd,
    upper({{ clean_text('list_order_mix') }}) = 'Y' as is_list_mix,
    upper({{ clean_text('dial_method') }})          as dial_method,
    try_cast(auto_dial_level as double)             as auto_dial_level,
    upper({{ clean_text('active') }}) = 'Y'         as is_active,
    {{ lineage_columns() }}
from source
where {{ clean_text('id') }} is not null
{{ dedupe(['_instance', '_partition_date', 'id']) }}
