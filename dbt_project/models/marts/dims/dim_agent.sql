-- Grain: one row per agent × instance: every agent in the latest users snapshot or seen in
-- any agent fact. Attributes are current values (history: snapshot snp_users).
with latest_users as (
    select * from {{ ref('stg_crocodial__users') }}
    qualify partition_date = max(partition_date) over (partition by instance)
),

latest_stats as (
    select instance, agent_user, full_name, user_group, partition_date
    from {{ ref('stg_vicidial__agent_stats_export') }}
    qualify row_number() over (partition by instance, agent_user order by partition_date desc) = 1
),

latest_report as (
    select instance, agent_user, portfolio, profile
    from {{ ref('stg_crocodial__agent_report') }}
    qualify row_number() over (
        partition by instance, agent_user order by partition_date desc, login_seconds desc nulls last
    ) = 1
),

seen as (
    select instance, agent_user, min(activity_date) as first_day, max(activity_date) as last_day
    from (
        select instance, agent_user, activity_date from {{ ref('fct_agent_daily') }}
        union all
        select instance, agent_user, call_date from {{ ref('fct_calls') }} where agent_user is not null
        union all
        select instance, agent_user, activity_date from {{ ref('fct_agent_pause_daily') }}
    )
    group by all
),

agents as (
    select instance, agent_user from latest_users
    union
    select instance, agent_user from seen
)

select
    {{ surrogate_key(['a.instance', 'a.agent_user']) }}     as agent_key,
    a.instance,
    a.agent_user,
    u.user_id,
    coalesce(u.full_name, st.full_name)                     as full_name,
    st.user_group,
    u.extension,
    u.user_level,
    coalesce(u.is_active, s.last_day is not null)           as is_active,
    u.profile_id,
    r.profile                                               as profile_name,
    r.portfolio                                             as primary_portfolio,
    u.allowed_portfolios,
    u.primary_campaign_id,
    u.primary_campaign_name,
    u.can_inbound,
    u.can_dialer,
    u.is_manual_dial_only,
    u.agent_user is not null                                as in_users_snapshot,
    s.first_day                                             as first_activity_date,
    s.last_day                                              as last_activity_date
from agents as a
left join latest_users as u using (instance, agent_user)
left join latest_stats as st using (instance, agent_user)
left join latest_report as r using (instance, agent_user)
left join seen as s using (instance, agent_user)
