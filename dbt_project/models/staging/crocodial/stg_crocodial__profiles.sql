-- One row per profile × snapshot day (croco-dial getAllProfiles).
with source as (
    select * from {{ source('raw', 'profiles') }}
)

select
    {{ clean_text('profile_id') }}      as profile_id,
    {{ clean_text('profile_name') }}    as profile_name,
    {{ clean_text('disposition_set') }} as disposition_set,
    {{ lineage_columns() }}
from source
where {{ clean_text('profile_id') }} is not null
{{ dedupe(['_instance', '_partition_date', 'profile_id']) }}
