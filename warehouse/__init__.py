"""warehouse: knows storage (atomic Parquet partitions, sync ledger, DuckDB catalog). No HTTP here."""
