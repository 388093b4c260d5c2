-- BI view of dim_status: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='statuses') }}

{{ bi_view('dim_status') }}
