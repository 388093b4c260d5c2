-- SCD2 history from snapshot snp_list_info (dbt_ columns renamed, internal key dropped).
{{ config(alias='list_history') }}

select
    instance,
    list_id,
    list_name,
    campaign_id,
    is_active,
    expiration_date,
    resets_today,
    all_leads_count,
    new_leads_count,
    observed_on,
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current
from {{ ref('snp_list_info') }}
