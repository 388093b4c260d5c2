-- SCD2 history from snapshot snp_campaigns (dbt_ columns renamed, internal key dropped).
{{ config(alias='campaign_history') }}

select
    instance,
    campaign_id,
    campaign_name,
    is_auto_dial,
    uses_amd,
    is_list_mix,
    dial_method,
    auto_dial_level,
    is_active,
    observed_on,
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current
from {{ ref('snp_campaigns') }}
