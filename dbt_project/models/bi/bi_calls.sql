-- BI view of fct_calls: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='calls') }}

{{ bi_view('fct_calls') }}
