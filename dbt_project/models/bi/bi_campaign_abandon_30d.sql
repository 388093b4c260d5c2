-- BI view of fct_campaign_abandon_30d: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='campaign_abandon_30d') }}

{{ bi_view('fct_campaign_abandon_30d') }}
