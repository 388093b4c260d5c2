-- One row per portfolio × snapshot day (croco-dial getAllPortfolios).
with source as (
    select * from {{ source('raw', 'portfolios') }}
)

select
    {{ clean_text('portfolio') }}       as portfolio,
    {{ clean_text('portfolio_name') }}  as portfolio_name,
    {{ lineage_columns() }}
from source
where {{ clean_text('portfolio') }} is not null
{{ dedupe(['_instance', '_partition_date', 'portfolio']) }}
