"""Endpoint declarations, one module per API surface (types in `extract.endpoint`)."""
