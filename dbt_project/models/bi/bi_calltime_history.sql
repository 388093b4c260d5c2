-- SCD2 history from snapshot snp_calltimes (dbt_ columns renamed, internal key dropped).
{{ config(alias='calltime_history') }}

select
    instance,
    call_time_id,
    call_time_name,
    default_start_hhmm,
    default_stop_hhmm,
    user_group,
    observed_on,
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current
from {{ ref('snp_calltimes') }}
