"""dialsync: dialer reports into a Parquet lake and DuckDB warehouse; settings and CLI live here."""

__version__ = "0.1.0"
