"""Text output layer of the VICIdial-family text APIs (non_agent_api, Dialer360, lmapi).

Everything the server prints is built here so that every function formats numbers, times
and delimiters the same way the real PHP does: `stage` pipe/csv/tab, `header=YES`,
`sec_convert()` time formats, PHP float echo for percentages, and the
`SUCCESS:/NOTICE:/ERROR: <function> <MESSAGE><sep><data>` message lines. Formatting is
vectorised with pyarrow compute so a 100000-row export never loops in Python per value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cmp_to_key

import pyarrow as pa
import pyarrow.compute as pc

from simulator.config import Realism

HTML = "text/html; charset=UTF-8"
PLAIN = "text/plain; charset=UTF-8"

STAGE_DELIMS = {"pipe": "|", "csv": ",", "tab": "\t"}


@dataclass
class TextResponse:
    """What a text-API handler returns: HTTP status, content type, body bytes.

    VICIdial answers 200 for everything (errors are text lines), so `status` is almost
    always 200; the fault layer of the server may still replace the whole response.
    """

    body: bytes
    status: int = 200
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        return self.content_type

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def text_response(text: str, content_type: str = HTML) -> TextResponse:
    return TextResponse(body=text.encode("utf-8"), content_type=content_type)


def delimiter(stage: str | None) -> str:
    """`stage` is case-sensitive csv|tab|pipe in the real code; anything else means pipe."""
    return STAGE_DELIMS.get(stage or "pipe", "|")


def header_on(value: str | None) -> bool:
    """The real code compares `header` to exactly `YES`."""
    return value == "YES"


# --------------------------------------------------------------------------- messages


def msg(kind: str, function: str, text: str, data: Sequence[object] | str = "", *, sep: str = " - ",
        wrap: bool = False) -> str:
    """One `KIND: function TEXT<sep><data>` line (with newline).

    `wrap` puts the data between pipes the way several real messages do (`: |6666|x|`); a
    message without data (`""` or `[]`) gets no separator.
    """
    if len(data) == 0:
        sep = ""  # a message without data has no separator either
    payload = data if isinstance(data, str) else "|".join("" if v is None else str(v) for v in data)
    if wrap and sep:
        payload = f"|{payload}|"
    head = f"{kind}: {function} {text}" if function else f"{kind}: {text}"
    return f"{head}{sep}{payload}\n"


def real_or_docs(realism: Realism, real: str, docs: str) -> str:
    return real if realism == "real" else docs


# --------------------------------------------------------------------------- PHP strnatcasecmp


def _digit(s: str, i: int) -> bool:
    return i < len(s) and "0" <= s[i] <= "9"


def _compare_right(a: str, i: int, b: str, j: int) -> int:
    """Digit runs without leading zero: the longer run is bigger, else the first difference."""
    bias = 0
    while True:
        da, db = _digit(a, i), _digit(b, j)
        if not da and not db:
            return bias
        if not da:
            return -1
        if not db:
            return 1
        if bias == 0 and a[i] != b[j]:
            bias = -1 if a[i] < b[j] else 1
        i, j = i + 1, j + 1


def _compare_left(a: str, i: int, b: str, j: int) -> int:
    """Digit runs with a leading zero compare like fractions: the first difference wins."""
    while True:
        da, db = _digit(a, i), _digit(b, j)
        if not da and not db:
            return 0
        if not da:
            return -1
        if not db:
            return 1
        if a[i] != b[j]:
            return -1 if a[i] < b[j] else 1
        i, j = i + 1, j + 1


def strnatcasecmp(a: str, b: str) -> int:
    """PHP `strnatcasecmp()` (natsort.c, fold_case): the order call_dispo_report prints its values in."""
    i = j = 0
    while True:
        while i < len(a) and a[i].isspace():
            i += 1
        while j < len(b) and b[j].isspace():
            j += 1
        if _digit(a, i) and _digit(b, j):
            r = (_compare_left if a[i] == "0" or b[j] == "0" else _compare_right)(a, i, b, j)
            if r:
                return r
            while _digit(a, i):
                i += 1
            while _digit(b, j):
                j += 1
            continue
        if i >= len(a) or j >= len(b):
            return (i < len(a)) - (j < len(b))
        ca, cb = a[i].upper(), b[j].upper()
        if ca != cb:
            return -1 if ca < cb else 1
        i, j = i + 1, j + 1


def natcase_sorted(names: Sequence[str]) -> list[str]:
    return sorted(names, key=cmp_to_key(strnatcasecmp))


# --------------------------------------------------------------------------- numbers


def _as_int_array(values: pa.Array | pa.ChunkedArray | Sequence[int]) -> pa.Array:
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values, pa.int64())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.cast(pc.fill_null(arr, 0), pa.int64())


def _pad2(arr: pa.Array) -> pa.Array:
    return pc.utf8_lpad(pc.cast(arr, pa.string()), 2, "0")


def format_seconds(values: pa.Array | pa.ChunkedArray | Sequence[int], time_format: str | None) -> pa.Array:
    """VICIdial `sec_convert()` over a column of seconds.

    H/HF → `h:mm:ss` (hours not padded), M → `m:ss` in total minutes, S → integer seconds.
    Any other value behaves like the default `HF`.
    """
    secs = pc.max_element_wise(_as_int_array(values), 0)
    tf = time_format if time_format in {"H", "HF", "M", "S"} else "HF"
    if tf == "S":
        return pc.cast(secs, pa.string())
    mins_total = pc.divide(secs, 60)
    ss = _pad2(pc.subtract(secs, pc.multiply(mins_total, 60)))
    if tf == "M":
        return pc.binary_join_element_wise(pc.cast(mins_total, pa.string()), ss, ":")
    hours = pc.divide(secs, 3600)
    mm = _pad2(pc.subtract(mins_total, pc.multiply(hours, 60)))
    return pc.binary_join_element_wise(pc.cast(hours, pa.string()), mm, ss, ":")


def format_one_second(value: int, time_format: str | None) -> str:
    return format_seconds(pa.array([int(value)], pa.int64()), time_format)[0].as_py()


def php_round(values: pa.Array, ndigits: int = 0) -> pa.Array:
    """PHP `round()` (half away from zero) on non-negative numbers."""
    return pc.round(pc.cast(values, pa.float64()), ndigits, round_mode="half_towards_infinity")


def php_number(values: pa.Array) -> pa.Array:
    """PHP echo of a float: `100.0` prints `100`, `16.7` prints `16.7` (Arrow casts the same way)."""
    return pc.cast(values, pa.string())


def ratio(num: pa.Array, den: pa.Array) -> pa.Array:
    """VICIdial `MathZDC()`: division where a zero denominator yields 0."""
    num_f = pc.cast(num, pa.float64())
    den_f = pc.cast(den, pa.float64())
    safe = pc.if_else(pc.equal(den_f, 0.0), 1.0, den_f)
    return pc.if_else(pc.equal(den_f, 0.0), 0.0, pc.divide(num_f, safe))


def format_pct(num: pa.Array, den: pa.Array) -> pa.Array:
    """`16.7%`, `100%`, `0%`: one decimal, PHP-echo style (trailing `.0` dropped)."""
    pct = php_round(pc.multiply(ratio(num, den), 100.0), 1)
    return pc.binary_join_element_wise(php_number(pct), "%", "")


def format_fixed1(values: pa.Array) -> pa.Array:
    """`sprintf('%.1f')`: always one decimal (`0.0`, `4.2`, `100.0`)."""
    s = php_number(php_round(values, 1))
    return pc.if_else(pc.match_substring(s, "."), s, pc.binary_join_element_wise(s, ".0", ""))


# --------------------------------------------------------------------------- tables


def to_string_columns(table: pa.Table) -> list[pa.Array]:
    """Every column as strings, nulls as empty strings (PHP prints NULL as nothing)."""
    out = []
    for col in table.columns:
        arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if not pa.types.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        out.append(pc.fill_null(arr, ""))
    return out


def join_rows(columns: Sequence[pa.Array], delim: str, *, trailing: bool = False) -> list[str]:
    """Join string columns into lines (no quoting: VICIdial never quotes)."""
    if not columns:
        return []
    cols = list(columns)
    if trailing:
        cols.append(pa.array([""] * len(cols[0]), pa.string()))
    if len(cols) == 1:
        return cols[0].to_pylist()
    return pc.binary_join_element_wise(*cols, delim).to_pylist()


def render_table(table: pa.Table, stage: str | None, header: str | None, *, header_names: Sequence[str] | None = None,
                 trailing: bool = False, header_trailing: bool = False) -> str:
    """A delimited export: optional header line, one line per row, every line newline-terminated.

    `header_names` overrides the column names printed in the header (used where the real
    server's header disagrees with its data rows).
    """
    d = delimiter(stage)
    lines: list[str] = []
    if header_on(header):
        names = list(header_names) if header_names is not None else table.column_names
        lines.append(d.join(names) + (d if header_trailing else ""))
    lines.extend(join_rows(to_string_columns(table), d, trailing=trailing))
    return "".join(line + "\n" for line in lines)
