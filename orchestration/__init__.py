"""orchestration: knows time (Dagster assets, schedules, checks, dbt integration)."""
