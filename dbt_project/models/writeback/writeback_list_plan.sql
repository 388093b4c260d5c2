-- The campaign list plan in force: the operator's rows (seed campaign_list_plan) plus, only when
-- var wb_examples (env DIALSYNC_WB_EXAMPLES) is true, the shipped example rows
-- (campaign_list_plan_example, instance `demo`). Why gated: an example must never be sent to a
-- real dialer, and rows naming an unconfigured instance make `writeback run` fail.
-- Ephemeral (not a `wb_*` relation): wb_lists sends it, wb_list_updates never deactivates a list
-- it plans as active.
{{ config(materialized='ephemeral') }}

{% set use_examples = var('wb_examples', env_var('DIALSYNC_WB_EXAMPLES', 'false')) | string | lower
                      in ('1', 'true', 'yes', 'y') %}

select
    trim(instance)                                  as instance,
    trim(cast(list_id as varchar))                  as list_id,
    trim(list_name)                                 as list_name,
    trim(campaign_id)                               as campaign_id,
    upper(coalesce(nullif(trim(active), ''), 'Y'))  as active,
    nullif(trim(list_description), '')              as list_description,
    nullif(trim(reset_time), '')                    as reset_time,
    cast(expiration_date as date)                   as expiration_date
from {{ ref('campaign_list_plan') }}
{% if use_examples %}
union all
select
    trim(instance), trim(cast(list_id as varchar)), trim(list_name), trim(campaign_id),
    upper(coalesce(nullif(trim(active), ''), 'Y')), nullif(trim(list_description), ''),
    nullif(trim(reset_time), ''), cast(expiration_date as date)
from {{ ref('campaign_list_plan_example') }}
{% endif %}
