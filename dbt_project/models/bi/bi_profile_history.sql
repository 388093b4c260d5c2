-- SCD2 history of snapshot snp_profiles: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='profile_history') }}

{{ bi_view('snp_profiles') }}
