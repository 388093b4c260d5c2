-- BI view of dim_campaign: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='campaigns') }}

{{ bi_view('dim_campaign') }}
