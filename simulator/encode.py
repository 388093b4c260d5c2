"""Columnar JSON/XML encoders for goAPI responses.

Why not `orjson.dumps(table.to_pylist())`: a 1M-row outbound_cdr would spend seconds building
Python dicts. Here each row's text is assembled with Arrow string kernels
(`binary_join_element_wise`) in chunks, and the chunk's contiguous UTF-8 buffer is streamed
as is. Values needing escapes (quotes, backslashes, control characters; XML specials) are rare
and handled only where present.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_ROWS = 65536
FLUSH_BYTES = 1 << 20


@dataclass(frozen=True)
class Rows:
    """A list of row objects kept columnar until encoding. Column order = key order."""

    table: pa.Table

    def to_pylist(self) -> list[dict[str, Any]]:
        return self.table.to_pylist()


def _has_bytes(col: pa.Array, pattern: bytes) -> bool:
    """Whether any value's UTF-8 bytes contain one of `pattern`'s bytes (numpy compares, ~GB/s)."""
    data = col.buffers()[2]
    if data is None or data.size == 0:
        return False
    offs = np.frombuffer(col.buffers()[1], dtype=np.int32, count=len(col) + 1, offset=col.offset * 4)
    raw = np.frombuffer(data, dtype=np.uint8)[offs[0]:offs[-1]]
    controls = bytes(range(0x20))
    if set(controls) <= set(pattern) and raw.size and bool((raw < 0x20).any()):
        return True
    return any(bool((raw == b).any()) for b in pattern if b >= 0x20)


_XML_SPECIAL = r"[&<>\"']"
_BAD_TAG = re.compile(r"[^A-Za-z0-9_.-]")


def xml_tag(name: str, php: bool = True) -> str:
    """The element name. php=True: verbatim like apiXMLOutput (`<talk_+_avail>`, `<0>`: not
    well-formed XML, as on the real server); php=False: made well-formed (`talk___avail`)."""
    return name if php else _BAD_TAG.sub("_", name)


_JSON_SPECIAL = bytes([0x22, 0x5C, *range(0x20)])
_XML_SPECIAL_BYTES = b"&<>\"'"


def _as_string(col: pa.Array) -> pa.Array:
    if pa.types.is_string(col.type):
        return col
    if pa.types.is_large_string(col.type):
        return col.cast(pa.string())
    if pa.types.is_boolean(col.type):
        return pc.if_else(col, "true", "false")
    if pa.types.is_floating(col.type):
        return pc.cast(pc.round(col, 2), pa.string())
    return pc.cast(col, pa.string())


def _json_piece(col: pa.Array, php: bool) -> tuple[pa.Array, bool]:
    """(text, quoted_by_caller): string values stay bare when the separators can carry the quotes."""
    is_str = pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
    col = _as_string(col)
    if not is_str:
        return pc.fill_null(col, "null"), False
    if _has_bytes(col, _JSON_SPECIAL):
        bad = pc.fill_null(pc.match_substring_regex(col, r'["\\\x00-\x1f]'), False)
        idx = pc.indices_nonzero(bad)
        fixed = [orjson.dumps(v).decode()[1:-1] for v in col.take(idx).to_pylist()]
        col = pc.replace_with_mask(col, bad, pa.array(fixed, pa.string()))
    if php and _has_bytes(col, b"/"):
        col = pc.replace_substring(col, "/", "\\/")
    if col.null_count:
        return pc.if_else(pc.is_valid(col), pc.binary_join_element_wise('"', col, '"', ""), "null"), False
    return col, True


def _concat(arr: pa.Array) -> memoryview:
    """The contiguous UTF-8 bytes of all values (zero-copy view of the value buffer)."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    data = arr.buffers()[2]
    if data is None or len(arr) == 0:
        return memoryview(b"")
    offs = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
    return memoryview(data)[int(offs[0]):int(offs[-1])]


def json_rows(tbl: pa.Table, php: bool) -> Iterator[memoryview | bytes]:
    """`{...},{...}` for all rows (no brackets), chunk by chunk: one Arrow join kernel per chunk."""
    names = tbl.column_names
    n = tbl.num_rows
    for start in range(0, n, CHUNK_ROWS):
        part = tbl.slice(start, CHUNK_ROWS)
        pieces: list[Any] = []
        lit = "{"
        for i, name in enumerate(names):
            text, quote = _json_piece(part.column(i).combine_chunks(), php)
            lit += orjson.dumps(name).decode() + ":" + ('"' if quote else "")
            pieces.append(lit)
            pieces.append(text)
            lit = ('"' if quote else "") + ","
        pieces.append(lit[:-1] + "},")
        out = _concat(pc.binary_join_element_wise(*pieces, ""))
        yield out[:-1] if start + CHUNK_ROWS >= n else out


def xml_rows(tbl: pa.Table, tag: str, php: bool = True) -> Iterator[memoryview | bytes]:
    """`<tag>\\n<k>v</k>\\n...</tag>\\n` per row, the PHP apiXMLOutput shape for a list of rows."""
    names = tbl.column_names
    for start in range(0, tbl.num_rows, CHUNK_ROWS):
        part = tbl.slice(start, CHUNK_ROWS)
        pieces: list[Any] = []
        lit = f"<{tag}>\n"
        for i, name in enumerate(names):
            t = xml_tag(name, php)
            col = part.column(i).combine_chunks()
            if pa.types.is_boolean(col.type):
                col = pc.if_else(col, "1", "")
            col = _as_string(col)
            if _has_bytes(col, _XML_SPECIAL_BYTES):
                bad = pc.fill_null(pc.match_substring_regex(col, _XML_SPECIAL), False)
                col = pc.if_else(bad, pc.binary_join_element_wise("<![CDATA[", col, "]]>", ""), col)
            pieces.append(lit + f"<{t}>")
            pieces.append(pc.fill_null(col, ""))
            lit = f"</{t}>\n"
        pieces.append(lit + f"</{tag}>\n")
        yield _concat(pc.binary_join_element_wise(*pieces, ""))


def _has_rows(obj: Any) -> bool:
    if isinstance(obj, Rows):
        return True
    if isinstance(obj, dict):
        return any(_has_rows(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_has_rows(v) for v in obj)
    return False


def _php_dumps(obj: Any, php: bool) -> bytes:
    b = orjson.dumps(obj)
    return b.replace(b"/", b"\\/") if php else b


def json_stream(obj: Any, php: bool) -> Iterator[bytes]:
    """Encode `obj` (dicts/lists/scalars/Rows) as JSON pieces; PHP json_encode escapes `/` as `\\/`."""
    if not _has_rows(obj):
        yield _php_dumps(obj, php)
        return
    if isinstance(obj, Rows):
        yield b"["
        yield from json_rows(obj.table, php)
        yield b"]"
    elif isinstance(obj, dict):
        yield b"{"
        for i, (k, v) in enumerate(obj.items()):
            yield (b"," if i else b"") + orjson.dumps(str(k)) + b":"
            yield from json_stream(v, php)
        yield b"}"
    else:
        yield b"["
        for i, v in enumerate(obj):
            if i:
                yield b","
            yield from json_stream(v, php)
        yield b"]"


def _xml_scalar(v: Any) -> str:
    if v is None or v is False:
        return ""
    if v is True:
        return "1"
    s = str(v)
    if any(c in s for c in "&<>\"'"):
        return f"<![CDATA[{s}]]>"
    return s


def xml_stream(obj: dict[str, Any], php: bool = True) -> Iterator[bytes | memoryview]:
    """PHP apiXMLOutput semantics: objects in a list repeat the list's tag; empty lists and
    objects vanish; scalars in a list print as `<0>a</0><1>b</1>` (php=True) or repeat the
    list's tag (php=False, well-formed)."""
    out: list[str] = []
    for key, v in obj.items():
        k = xml_tag(str(key), php)
        if isinstance(v, Rows):
            if out:
                yield "".join(out).encode()
                out = []
            yield from xml_rows(v.table, k, php)
        elif isinstance(v, list):
            for i, item in enumerate(v):
                if isinstance(item, dict):
                    out.append(f"<{k}>\n")
                    yield "".join(out).encode()
                    out = []
                    yield from xml_stream(item, php)
                    out.append(f"</{k}>\n")
                elif isinstance(item, list):
                    yield "".join(out).encode()
                    out = []
                    yield from xml_stream({k: item}, php)
                else:
                    t = str(i) if php else k
                    out.append(f"<{t}>{_xml_scalar(item)}</{t}>\n")
        elif isinstance(v, dict):
            if v:
                out.append(f"<{k}>\n")
                yield "".join(out).encode()
                out = []
                yield from xml_stream(v, php)
                out.append(f"</{k}>\n")
        else:
            out.append(f"<{k}>{_xml_scalar(v)}</{k}>\n")
    if out:
        yield "".join(out).encode()


def prefetch(pieces: Iterator[Any], depth: int = 3) -> Iterator[Any]:
    """Produce `pieces` on a helper thread so encoding overlaps with sending (Arrow releases the GIL)."""
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    done = object()

    def run() -> None:
        try:
            for p in pieces:
                q.put(p)
        except BaseException as e:  # handed to the consumer
            q.put(e)
        q.put(done)

    threading.Thread(target=run, daemon=True, name="encode").start()
    while True:
        item = q.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


def coalesce(pieces: Iterator[bytes | memoryview], size: int = FLUSH_BYTES) -> Iterator[bytes | memoryview]:
    """Merge small pieces into ~1 MB writes (fewer syscalls, fewer event-loop hops); big ones pass as is."""
    buf: list[bytes | memoryview] = []
    n = 0
    for p in pieces:
        if not p:
            continue
        if len(p) >= size:
            if buf:
                yield b"".join(buf)
                buf, n = [], 0
            yield p
            continue
        buf.append(p)
        n += len(p)
        if n >= size:
            yield b"".join(buf)
            buf, n = [], 0
    if buf:
        yield b"".join(buf)
