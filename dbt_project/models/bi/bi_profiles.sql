-- Stable BI view over dim_profile: explicit column list, no internal columns.
{{ config(alias='profiles') }}

select
    profile_key,
    instance,
    profile_id,
    profile_name,
    agent_count,
    in_profiles_snapshot
from {{ ref('dim_profile') }}
