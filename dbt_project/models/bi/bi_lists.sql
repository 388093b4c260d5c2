-- BI view of dim_list: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='lists') }}

{{ bi_view('dim_list') }}
