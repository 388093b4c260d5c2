-- BI view of dim_agent: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='agents') }}

{{ bi_view('dim_agent') }}
