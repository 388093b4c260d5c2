"""Pure response parsers: bytes in, Arrow out.

Each parser is ``(body, fmt) -> dict[raw_table_name, pa.Table]`` with all-string columns under
the API's own field names (server order) plus ``_source_row`` (see docs/contracts.md). The
endpoint declarations (``extract/endpoints``) name their parser as a callable.
"""
