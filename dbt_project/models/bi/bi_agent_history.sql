-- SCD2 history of snapshot snp_users: columns derived by macro bi_view (macros/bi.sql); contract in _bi__models.yml.
{{ config(alias='agent_history') }}

{{ bi_view('snp_users') }}
