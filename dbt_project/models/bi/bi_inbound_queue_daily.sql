-- BI view of fct_inbound_queue_daily: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='inbound_queue_daily') }}

{{ bi_view('fct_inbound_queue_daily') }}
