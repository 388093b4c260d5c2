-- BI view of fct_agent_daily: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='agent_daily') }}

{{ bi_view('fct_agent_daily') }}
