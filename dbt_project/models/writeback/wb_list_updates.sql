-- Write-back: lists whose dialable (NEW) leads ran out, from the latest list_info snapshot.
--   * an active list with leads but no NEW lead left is reset (update_list reset_list=Y) while
--     it was reset fewer than var wb_max_list_resets_per_day (default 1) times today;
--   * an active list that is empty, expired, or exhausted and out of resets is deactivated
--     (update_list active=N).
-- A reset's row_key carries the snapshot day, so a list can be reset again on a later day once
-- it runs out again; a deactivation is keyed by list only (sent once per list).
-- Based on stg_vicidial__list_info (list_info snapshots; not offered by Dialer360).
{{ config(schema='writeback', materialized='table') }}

{% set max_resets = var('wb_max_list_resets_per_day', 1) %}

with latest as (
    select *
    from {{ ref('stg_vicidial__list_info') }}
    qualify partition_date = max(partition_date) over (partition by instance)
),

decided as (
    select
        instance,
        list_id,
        partition_date,
        all_leads_count,
        new_leads_count,
        resets_today,
        expiration_date,
        case
            when expiration_date is not null and expiration_date < partition_date then 'deactivate'
            when coalesce(all_leads_count, 0) = 0 then 'deactivate'
            when coalesce(new_leads_count, 0) = 0
                 and coalesce(resets_today, 0) < {{ max_resets }} then 'reset'
            when coalesce(new_leads_count, 0) = 0 then 'deactivate'
        end as action,
        case
            when expiration_date is not null and expiration_date < partition_date then 'expired'
            when coalesce(all_leads_count, 0) = 0 then 'empty'
            when coalesce(new_leads_count, 0) = 0
                 and coalesce(resets_today, 0) < {{ max_resets }} then 'no NEW leads left'
            when coalesce(new_leads_count, 0) = 0 then 'no NEW leads left, out of resets today'
        end as reason
    from latest
    where is_active
      and regexp_full_match(list_id, '[0-9]{2,14}')
)

select
    instance,
    'update_list'                                                   as operation,
    case when action = 'reset'
         then 'reset:' || list_id || ':' || strftime(partition_date, '%Y-%m-%d')
         else 'deactivate:' || list_id end                          as row_key,
    list_id,
    case when action = 'reset' then 'Y' end                         as reset_list,
    case when action = 'deactivate' then 'N' end                    as active,
    reason                                                          as _reason,
    all_leads_count                                                 as _all_leads_count,
    new_leads_count                                                 as _new_leads_count,
    resets_today                                                    as _resets_today,
    partition_date                                                  as _snapshot_date
from decided
where action is not null
