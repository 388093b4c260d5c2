-- SCD2 history of snapshot snp_campaigns: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='campaign_history') }}

{{ bi_view('snp_campaigns') }}
