-- Statuses seen in the data that no status rule classifies, with their call counts: classify
-- them in dialsync.toml ([instances.<i>.statuses.<CODE>] or campaign_statuses) or the seed.
{{ config(alias='unclassified_statuses') }}

select
    instance,
    status_code,
    calls,
    days_seen,
    first_seen_date,
    last_seen_date,
    campaigns,
    seen_in
from {{ ref('fct_unclassified_statuses') }}
