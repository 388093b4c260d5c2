-- BI view of dim_portfolio: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='portfolios') }}

{{ bi_view('dim_portfolio') }}
