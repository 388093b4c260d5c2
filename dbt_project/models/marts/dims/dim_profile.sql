-- Grain: one row per profile × instance: the latest getAllProfiles snapshot plus profile
-- ids referenced by users.
with latest as (
    select * from {{ ref('stg_crocodial__profiles') }}
    qualify partition_date = max(partition_date) over (partition by instance)
),

users as (
    select instance, profile_id, count(*) as agents
    from (
        select * from {{ ref('stg_crocodial__users') }}
        qualify partition_date = max(partition_date) over (partition by instance)
    )
    where profile_id is not null
    group by all
),

keys as (
    select instance, profile_id from latest
    union
    select instance, profile_id from users
)

select
    {{ surrogate_key(['k.instance', 'k.profile_id']) }}     as profile_key,
    k.instance,
    k.profile_id,
    coalesce(l.profile_name, k.profile_id)                  as profile_name,
    coalesce(u.agents, 0)                                   as agent_count,
    l.profile_id is not null                                as in_profiles_snapshot
from keys as k
left join latest as l using (instance, profile_id)
left join users as u using (instance, profile_id)
