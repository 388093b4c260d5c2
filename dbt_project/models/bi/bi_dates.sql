-- BI view of dim_date: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='dates') }}

{{ bi_view('dim_date') }}
