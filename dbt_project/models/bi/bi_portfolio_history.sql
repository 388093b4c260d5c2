-- SCD2 history of snapshot snp_portfolios: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='portfolio_history') }}

{{ bi_view('snp_portfolios') }}
