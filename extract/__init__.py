"""extract: knows the dialer (HTTP client, endpoint registry, parsers, write-back requests). No Dagster here."""
