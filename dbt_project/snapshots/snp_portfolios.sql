{% snapshot snp_portfolios %}
{#- SCD2 history of portfolios (getAllPortfolios): each run compares the latest daily snapshot per instance with the
    current version and opens a new version when an attribute changed; an entity missing from the
    latest snapshot is closed (hard_deletes = invalidate). -#}
{% set attributes = ['portfolio_name'] %}
{{ config(
    unique_key='snapshot_key',
    strategy='check',
    check_cols=attributes,
    hard_deletes='invalidate'
) }}

{{ latest_dimension_snapshot(ref('stg_crocodial__portfolios'), 'portfolio', attributes) }}

{% endsnapshot %}
