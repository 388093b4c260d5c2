"""Is an answer whole? Comparisons of two answers to the same question, on parsed tables.

A text report cut at a row boundary parses as a valid, shorter answer; only another view of the
same data shows it: a second view whose per-key figures must be equal (`cross_check`, declared
by `extract.endpoint.CrossCheck`), or the same request asked again (`same_answer`, declared by
`extract.endpoint.Confirm`). Dialer knowledge only: the service's sync decides when to ask.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from extract.endpoint import ROWS, Endpoint
from extract.errors import ParseError
from extract.registry import table
from extract.typing import convert


def cross_check(ep: Endpoint, first: dict[str, pa.Table], second: dict[str, pa.Table], tz: str) -> None:
    """Raise a (retryable) ParseError unless ``second`` (the answer to ``ep.verify``'s request, or
    the ``other`` table's partition) has the same per-key figures as ``first`` (see CrossCheck)."""
    check = ep.verify
    if check is None:
        return
    a = _per_key(first.get(ep.tables[0]), ep.tables[0], check.key, check.sums, "sum", tz)
    if check.other:
        b = _per_key(second.get(check.other), check.other, check.other_key or check.key,
                     check.other_sums or check.sums, check.other_agg, tz)
    else:
        b = _per_key(second.get(ep.tables[0]), ep.tables[0], check.key, check.sums, "sum", tz)
    other = check.describe()
    alone = sorted(a.keys() ^ b.keys(), key=str)
    if alone and not check.absent_is_zero:
        k = alone[0]
        raise ParseError(f"{ep.name}: {check.key} {k} is only in {'the answer' if k in a else other}: "
                         "one of the two answers was cut short")
    zero = (0,) * len(check.sums)
    for k in sorted(a.keys() | b.keys(), key=str):
        for col, x, y in zip(check.sums, a.get(k, zero), b.get(k, zero), strict=True):
            if x != y:
                what = "rows" if col == ROWS else f"{col} ="
                raise ParseError(f"{ep.name}: {check.key} {k} has {what} {x} in the answer but {y} in {other}: "
                                 "one of the two was cut short")


def _per_key(raw: pa.Table | None, tname: str, key: str, sums: tuple[str, ...], agg: str, tz: str
             ) -> dict[str, tuple[int, ...]]:
    """Per key of ``raw`` (parser strings or a typed partition): the ``agg`` of each of ``sums``."""
    if raw is None or raw.num_rows == 0:
        return {}
    schema = table(tname).columns

    def typed(c: str) -> pa.ChunkedArray:
        if c == ROWS:
            return pa.chunked_array([pa.repeat(pa.scalar(1, pa.int64()), raw.num_rows)])
        col = raw[c]
        if pa.types.is_string(col.type) and schema.get(c, "str") != "str":
            col = convert(col, schema[c], tname, c)
        return pc.fill_null(pc.cast(col, pa.int64()), 0)

    names = [f"v{i}" for i in range(len(sums))]
    keys = pc.utf8_trim_whitespace(pc.cast(raw[key], pa.string()))
    t = pa.table({"k": keys, **{n: typed(c) for n, c in zip(names, sums, strict=True)}})
    t = t.filter(pc.is_valid(t["k"]))
    grouped = t.group_by("k").aggregate([(n, agg) for n in names])
    values = zip(*(grouped[f"{n}_{agg}"].to_pylist() for n in names), strict=True)
    return dict(zip(grouped["k"].to_pylist(), values, strict=True))


def rows_in(tables: dict[str, pa.Table]) -> int:
    return sum(t.num_rows for t in tables.values())


def same_answer(a: dict[str, pa.Table], b: dict[str, pa.Table]) -> bool:
    """Two answers' parsed tables are equal (names, schemas, every value, row order)."""
    return a.keys() == b.keys() and all(a[n].equals(b[n]) for n in a)
