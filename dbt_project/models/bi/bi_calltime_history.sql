-- SCD2 history of snapshot snp_calltimes: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='calltime_history') }}

{{ bi_view('snp_calltimes') }}
