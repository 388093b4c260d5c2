"""Building blocks shared by the parsers: body input, rows → string Arrow tables, lineage row ids.

Every parser output column is ``pa.string()`` under the API's own field name, in the order the
server sent the fields (first-seen order across rows), plus ``_source_row`` (int64, 0-based
position of the row in the response). Typing happens later, in ``extract.typing``.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import orjson
import pyarrow as pa

from extract.errors import ParseError

Body: TypeAlias = bytes | bytearray | memoryview | str | os.PathLike[str]
"""What a parser accepts: the body itself, or a path to a file holding it (the client may
stream a large body to a temp file). A ``str`` is always a path, never the body."""

SOURCE_ROW = "_source_row"


def load_body(body: Body | mmap.mmap) -> bytes | bytearray | mmap.mmap:
    """Return a searchable bytes-like body (``find``, slicing); a path is memory-mapped
    (read-only, no copy), a memoryview over a whole ``bytes`` is unwrapped without a copy."""
    if isinstance(body, bytes | bytearray | mmap.mmap):
        return body
    if isinstance(body, memoryview):
        if isinstance(body.obj, bytes) and body.nbytes == len(body.obj) and body.contiguous:
            return body.obj
        return body.tobytes()
    path = Path(body)
    size = path.stat().st_size
    if size == 0:
        return b""
    with path.open("rb") as fh:
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def head_text(buf: bytes | bytearray | mmap.mmap, n: int = 512) -> str:
    """First ``n`` bytes as text (for sniffing and error messages)."""
    return bytes(buf[:n]).decode("utf-8", errors="replace")


def stringify(value: Any) -> str | None:
    """Render one JSON value as the string the raw layer stores.

    croco-dial sends strings (and ``null``), but some fields and all ``summary_rows`` are
    numbers. Integer-valued floats render without ``.0`` (``5.0`` → ``"5"``) so that they type
    as ``int`` and match what Arrow's own number→string cast produces on the fast path; nested
    arrays/objects are kept as compact JSON text.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return orjson.dumps(value).decode()


def _string_column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([stringify(v) for v in values], type=pa.string())


def rows_to_table(rows: Sequence[dict[str, Any]], *, start_row: int = 0,
                  source_rows: Sequence[int] | None = None) -> pa.Table:
    """List of row dicts → all-string table (first-seen field order) + ``_source_row``.

    For small and medium bodies only: large row arrays go through the Arrow JSON fast path.
    """
    fields: dict[str, None] = {}
    for row in rows:
        if not isinstance(row, dict):
            raise ParseError(f"expected an object per row, got {type(row).__name__}")
        for key in row:
            if key not in fields:
                fields[key] = None
    cols = {key: _string_column([row.get(key) for row in rows]) for key in fields}
    if source_rows is None:
        ids = pa.array(range(start_row, start_row + len(rows)), type=pa.int64())
    else:
        ids = pa.array(source_rows, type=pa.int64())
    cols[SOURCE_ROW] = ids
    return pa.table(cols) if cols else empty_string_table(())


def columns_to_table(names: Sequence[str], columns: Sequence[Sequence[str | None]],
                     source_rows: Iterable[int] | None = None) -> pa.Table:
    """Column lists (already strings) → table with ``_source_row``."""
    n = len(columns[0]) if columns else 0
    arrays = [pa.array(list(c), type=pa.string()) for c in columns]
    ids = pa.array(list(source_rows) if source_rows is not None else range(n), type=pa.int64())
    return pa.Table.from_arrays([*arrays, ids], names=[*names, SOURCE_ROW])


def empty_string_table(names: Iterable[str]) -> pa.Table:
    """Zero-row table with the given string columns and ``_source_row``."""
    names = list(names)
    schema = pa.schema([(n, pa.string()) for n in names] + [(SOURCE_ROW, pa.int64())])
    return schema.empty_table()


def strings_only(table: pa.Table) -> pa.Table:
    """Cast every non-string data column to string (Arrow-inferred numbers on the fast path)."""
    for i, field in enumerate(table.schema):
        if field.name != SOURCE_ROW and not pa.types.is_string(field.type):
            table = table.set_column(i, pa.field(field.name, pa.string()),
                                     table.column(i).cast(pa.string()))
    return table
