{% snapshot snp_portfolios %}
{#- SCD2 history of portfolios (getAllPortfolios): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=['portfolio_name'],
    hard_deletes='invalidate'
) }}

select
    instance || '|' || portfolio as snapshot_key,
    instance, portfolio,
    portfolio_name,
    partition_date as observed_on
from {{ ref('stg_crocodial__portfolios') }}
qualify partition_date = max(partition_date) over (partition by instance)

{% endsnapshot %}
