-- One row per user × snapshot day (croco-dial goGetAllUsers). History (SCD2) is built by the
-- snapshot snp_users from the latest day.
with source as (
    select * from {{ source('raw', 'users') }}
)

select
    {{ clean_agent('"user"') }}                 as agent_user,
    {{ clean_text('user_id') }}                 as user_id,
    {{ clean_text('name') }}                    as full_name,
    {{ clean_text('exten') }}                   as extension,
    cast(level as bigint)                       as user_level,
    upper({{ clean_text('active') }}) = 'Y'     as is_active,
    {{ clean_text('campaign_id') }}             as primary_campaign_id,
    {{ clean_text('campaign_name') }}           as primary_campaign_name,
    cast(rank as bigint)                        as user_rank,
    {{ clean_text('profile_id') }}              as profile_id,
    {{ clean_text('allowed_companys') }}        as allowed_portfolios,
    cast(inbound as bigint) = 1                 as can_inbound,
    cast(dialer as bigint) = 1                  as can_dialer,
    cast(xfer as bigint) = 1                    as can_transfer,
    cast(manual_dial_only as bigint) = 1        as is_manual_dial_only,
    {{ clean_text('closer_campaigns') }}        as closer_campaigns,
    {{ clean_text('agentcall_manual') }} = '1'  as can_agent_call_manual,
    {{ lineage_columns() }}
from source
where {{ clean_agent('"user"') }} is not null
{{ dedupe(['_instance', '_partition_date', '"user"']) }}
