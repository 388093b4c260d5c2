-- Example queries against the published warehouse (data/dialsync.duckdb), schema bi.
-- tests/test_docs.py runs every statement in this file against a demo warehouse.

-- 1. Agent scorecard for yesterday: occupancy, AHT, sales per hour
select agent_user, login_hours, calls_handled, sales,
       round(occupancy, 3) as occupancy, round(aht_seconds) as aht_s, round(sales_per_hour, 2) as sales_per_hour
from bi.agent_daily
where activity_date = (select max(activity_date) from bi.agent_daily where login_seconds > 0)
order by sales_per_hour desc nulls last
limit 20;

-- 2. Campaign funnel per day: dials → human answers → contacts → sales
select c.campaign_name, f.activity_date, f.dials, f.human_answered, f.contacts, f.sales,
       round(f.contact_rate, 3) as contact_rate, round(f.conversion_rate, 3) as conversion_rate
from bi.campaign_daily f
join bi.campaigns c using (campaign_key)
where f.dials > 0
order by f.activity_date, c.campaign_name;

-- 3. Where did the time go? Pause codes by share of logged-in time, last 7 days
select pause_code, sum(pause_seconds) / 3600.0 as hours, avg(share_of_login) as avg_share_of_login
from bi.agent_pause_daily
where activity_date >= (select max(activity_date) - 6 from bi.agent_pause_daily)
group by pause_code
order by hours desc;

-- 4. Inbound service level (answered within 20 s) and abandonment per queue and day
select in_group, activity_date, offered_calls, handled_calls, abandoned_calls,
       round(service_level, 3) as service_level, round(asa_seconds, 1) as asa_s
from bi.inbound_queue_daily
order by activity_date, in_group;

-- 5. TSR compliance: outbound campaigns over the 3 % rolling 30-day abandonment limit
select campaign, activity_date, dials_30d, drops_30d, round(abandon_rate_30d, 4) as abandon_rate_30d, is_breach
from bi.campaign_abandon_30d
where is_breach
order by activity_date desc, abandon_rate_30d desc;

-- 6. Hourly call curve (local time) per direction
select call_hour_local, direction, count(*) as calls, sum(talk_seconds) / 3600.0 as talk_hours
from bi.calls
group by all
order by 1, 2;

-- 7. Did the dialer's own disposition report agree with the call records?
select activity_date, campaign, status_code, calls_reported, calls_in_fct_calls, calls_difference
from bi.disposition_daily
where not is_match
order by activity_date, campaign, status_code;
