-- Statuses seen in the data that no status rule classifies, with their call counts: classify
-- them in dialsync.toml ([instances.<i>.statuses.<CODE>] or campaign_statuses) or the seed.
-- Columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='unclassified_statuses') }}

{{ bi_view('fct_unclassified_statuses') }}
