"""The service layer: what the CLI, Dagster and bench/ call; it wires extract/ (the dialer) to
warehouse/ (storage) with the settings.

`sync` (one endpoint × instance × day into the lake and the ledger: `PartitionSync`, `sync_range`).
`writeback` (exactly-once write-back runs and lead loads: `run_writeback`, `load_leads`, `recent_log`)
with its phases in `writeback_plan` / `writeback_send`, its sources in `writeback_sources` and its
terminal rendering, plugged in as hooks, in `writeback_console`.
"""
