-- SCD2 history from snapshot snp_profiles (dbt_ columns renamed, internal key dropped).
{{ config(alias='profile_history') }}

select
    instance,
    profile_id,
    profile_name,
    observed_on,
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current
from {{ ref('snp_profiles') }}
