-- BI view of fct_disposition_daily: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='disposition_daily') }}

{{ bi_view('fct_disposition_daily') }}
