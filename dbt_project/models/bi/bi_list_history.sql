-- SCD2 history of snapshot snp_list_info: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='list_history') }}

{{ bi_view('snp_list_info') }}
