"""Fast, memory-bounded extraction of a large JSON ``rows`` array into an all-string Arrow table.

A 1M-row outbound_cdr body is ~350 MB; ``orjson.loads`` + one dict per row costs several GB of
Python objects. Instead:

1. locate the ``"rows": [ ... ]`` array in the raw bytes and check the *envelope* (everything
   around it, with the array replaced by ``[]``) with orjson — that also yields ``result``,
   ``summary_rows`` and error bodies exactly;
2. cut the array into ~16 MB chunks at row separators (``},{``), turn each separator into a
   newline (``bytes.replace``) and read the chunk as NDJSON with ``pyarrow.json.read_json``
   (multi-threaded C++), string fields declared explicitly so nothing is inferred as a
   timestamp;
3. a separator that was really inside a string value can only produce *invalid* JSON lines
   (an unterminated string), so any Arrow error on a chunk makes that chunk go through the
   exact orjson path instead — and if a chunk cut fell inside a string, the chunk is invalid
   JSON for orjson too and is merged with the next one. The result is always exact.

Peak memory is the body (or its mmap) + the Arrow table + one chunk.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Sequence
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.json as pajson

from extract.errors import ParseError
from extract.parsers.common import SOURCE_ROW, rows_to_table, strings_only

FAST_PATH_MIN_BYTES = 4 << 20
"""Bodies smaller than this go through plain orjson (faster to set up, simplest)."""
CHUNK_BYTES = 16 << 20
"""Below glibc's largest mmap threshold (32 MB): freed chunk buffers are reused instead of
being unmapped and page-faulted in again, which measurably beats bigger chunks."""

_WS = b" \t\r\n"
_SEP_RE = re.compile(rb"\}(\s*),(\s*)\{")
_INFERRED_OK = (pa.types.is_string, pa.types.is_integer, pa.types.is_floating,
                pa.types.is_boolean, pa.types.is_null)

Buf = bytes | bytearray | memoryview | mmap.mmap


def _skip_ws(buf: Buf, i: int) -> int:
    n = len(buf)
    while i < n and buf[i] in _WS:
        i += 1
    return i


def _find_open(buf: Buf, key: bytes) -> tuple[int, int] | None:
    """``(offset of "[", offset of the first non-blank after it)`` of the first ``"key": [``."""
    needle = b'"' + key + b'"'
    n = len(buf)
    pos = buf.find(needle)
    while pos != -1:
        i = _skip_ws(buf, pos + len(needle))
        if i < n and buf[i] == ord(":"):
            i = _skip_ws(buf, i + 1)
            if i < n and buf[i] == ord("["):
                return i, _skip_ws(buf, i + 1)
        pos = buf.find(needle, pos + 1)
    return None


def find_array(buf: Buf, key: bytes = b"rows") -> tuple[int, int] | None:
    """First-guess ``(open, close)`` offsets of the ``[``/``]`` of the first ``"key": [...]``
    array of objects. Not a JSON parser: ``locate`` verifies the guess."""
    found = _find_open(buf, key)
    if found is None:
        return None
    i, j = found
    if j < len(buf) and buf[j] == ord("]"):
        return i, j
    if j < len(buf) and buf[j] == ord("{"):
        close = _array_close(buf, j)
        return (i, close) if close != -1 else None
    return None


def get_path(obj: Any, path: Sequence[str]) -> Any:
    """``obj[path[0]][path[1]]...``, or None where a level is missing or not an object."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def locate(buf: Buf, path: Sequence[str], max_tries: int = 8) -> tuple[int, int, Any] | None:
    """``(open, close, envelope)`` of the row array at ``path`` (e.g. ``("data", "rows")``).

    The close candidate is verified by parsing the envelope (body with the array replaced by
    ``[]``) and checking that ``path`` now holds ``[]``; a ``}]`` inside a string value gives an
    invalid envelope, and the next candidate is tried. None → use the exact path."""
    found = _find_open(buf, path[-1].encode())
    if found is None:
        return None
    i, j = found
    if j >= len(buf) or buf[j] not in b"]{":
        return None
    pos = j
    for _ in range(max_tries):
        close = j if buf[j] == ord("]") else _array_close(buf, pos)
        if close == -1:
            return None
        try:
            env = envelope(buf, i, close)
        except _Invalid:
            env = None
        if env is not None and get_path(env, path) == []:
            return i, close, env
        if buf[j] == ord("]"):
            return None
        pos = close + 1
    return None


def _array_close(buf: Buf, j: int) -> int:
    """Offset of the first ``]`` after ``j`` preceded (modulo whitespace) by ``}``.

    ``find`` of a single byte is memchr-fast (a 2-byte needle like ``}]`` is ~10x slower on a
    350 MB body); ``]`` is rare inside rows, so few candidates are looked at."""
    pos = buf.find(b"]", j)
    while pos != -1:
        k = pos - 1
        while k > j and buf[k] in _WS:
            k -= 1
        if buf[k] == ord("}"):
            return pos
        pos = buf.find(b"]", pos + 1)
    return -1


def envelope(buf: Buf, open_: int, close: int) -> Any:
    """Parse the body with the array at ``[open_, close]`` replaced by ``[]``."""
    try:
        return orjson.loads(bytes(buf[:open_]) + b"[]" + bytes(buf[close + 1:]))
    except orjson.JSONDecodeError as exc:
        raise _Invalid(str(exc)) from exc


class _Invalid(Exception):
    """The fast path cannot be used; caller falls back to the exact path."""


def _separator(buf: Buf, first: int, close: int) -> bytes:
    m = _SEP_RE.search(buf, first, close + 1)
    return m.group(0) if m else b"},{"


def _schema_from_first(buf: Buf, first: int, close: int, sep: bytes) -> dict[str, pa.DataType]:
    """Declare as string every field whose value in the first row is a string or null."""
    end = buf.find(sep, first, close + 1)
    obj_end = end + 1 if end != -1 else close
    try:
        row = orjson.loads(bytes(buf[first:obj_end]))
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(row, dict):
        return {}
    return {k: pa.string() for k, v in row.items() if v is None or isinstance(v, str)}


def _arrow_chunk(chunk: bytes, sep: bytes, declared: dict[str, pa.DataType]) -> pa.Table:
    data = chunk.replace(sep, b"}\n{")
    for _ in range(8):
        opts = pajson.ParseOptions(explicit_schema=pa.schema(list(declared.items())),
                                   unexpected_field_behavior="infer")
        table = pajson.read_json(pa.BufferReader(data), parse_options=opts,
                                 read_options=pajson.ReadOptions(block_size=4 << 20))
        # Arrow infers timestamps from date-like strings: declare those as strings, re-read.
        bad = [f.name for f in table.schema
               if f.name not in declared and not any(ok(f.type) for ok in _INFERRED_OK)]
        if not bad:
            return strings_only(table)
        for name in bad:
            declared[name] = pa.string()
    raise pa.ArrowInvalid("could not settle an all-string schema")


def _exact_chunk(chunk: bytes, start_row: int) -> pa.Table:
    rows = orjson.loads(b"[" + chunk + b"]")
    return rows_to_table(rows, start_row=start_row)


def _with_ids(table: pa.Table, start_row: int) -> pa.Table:
    ids = pa.array(range(start_row, start_row + table.num_rows), type=pa.int64())
    return table.append_column(SOURCE_ROW, ids)


def parse_rows_array(buf: Buf, open_: int, close: int, *, chunk_bytes: int = CHUNK_BYTES,
                     use_arrow: bool = True) -> pa.Table:
    """All-string table of the objects in ``buf[open_:close+1]`` (a JSON array of objects)."""
    first = _skip_ws(buf, open_ + 1)
    if first >= close:
        return pa.table({SOURCE_ROW: pa.array([], pa.int64())})
    sep = _separator(buf, first, close)
    declared = _schema_from_first(buf, first, close, sep)
    tables: list[pa.Table] = []
    n_rows = 0
    start = first
    chunk_start = first  # != start while a chunk whose cut fell inside a string is pending
    last = close - 1
    while last >= start and buf[last] in _WS:
        last -= 1
    while start <= last:
        cut = buf.find(sep, start + chunk_bytes, last + 1) if last - start > chunk_bytes else -1
        stop = cut + 1 if cut != -1 else last + 1
        chunk = bytes(buf[chunk_start:stop])
        table = None
        if use_arrow:
            try:
                table = _with_ids(_arrow_chunk(chunk, sep, declared), n_rows)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                table = None
        if table is None:
            try:
                table = _exact_chunk(chunk, n_rows)
            except orjson.JSONDecodeError as exc:
                if cut == -1:
                    raise ParseError(f"invalid JSON in rows array: {exc}") from exc
        next_start = cut + len(sep) - 1 if cut != -1 else last + 1
        if table is not None:
            tables.append(table)
            n_rows += table.num_rows
            chunk_start = next_start
        start = next_start
    if not tables:
        return pa.table({SOURCE_ROW: pa.array([], pa.int64())})
    out = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")
    names = [n for n in out.column_names if n != SOURCE_ROW] + [SOURCE_ROW]
    return out.select(names)
