-- BI view of dim_profile: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='profiles') }}

{{ bi_view('dim_profile') }}
