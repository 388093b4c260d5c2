-- BI view of fct_campaign_daily: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='campaign_daily') }}

{{ bi_view('fct_campaign_daily') }}
