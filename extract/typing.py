"""String columns → typed columns per a raw table's declared columns (``extract.endpoint.Table``),
vectorised with pyarrow.compute.

Output column order of ``cast_table``: the declared columns in order (each ``datetime`` field
followed by ``<field>_utc`` and ``<field>_ambiguous``), then fields the server sent that the table
does not declare (kept as strings, reported as drift) in server order, then the lineage columns present
(``_instance, _endpoint, _partition_date, _extracted_at, _source_row``). Known fields the
server did not send are NULL columns of their type, so every partition of a table has the same
Arrow schema (up to drift columns).

Values: ``""`` and ``null`` (any case, after trimming, for typed columns) → NULL; MySQL zero
dates (``0000-00-00``...) → NULL. Any other value that does not match its column's rule raises
``ParseError`` naming table, field, rule and an example — never a silent NULL.

Local → UTC rule (``<field>_utc``), deterministic across DST, columnar (no per-row Python):

* nonexistent wall times (the skipped hour when clocks go forward) are read with the offset in
  force *before* the transition (02:30 New York on spring-forward day → 07:30Z = 03:30 EDT);
* ambiguous wall times (the repeated hour when clocks go back: 01:xx New York on fall-back
  day happens twice, EDT then EST) are resolved by the row's own epoch where the report has
  one (``Table.epoch``: goAPI inbound_cdr ``uniq1`` is the Asterisk uniqueid
  ``<epoch seconds>.<sequence>``, e.g. ``1234567890.000001``): of the two candidate instants
  the one nearer the epoch is taken, if it is within 30 minutes of it (the uniqueid is stamped
  when the channel is created, seconds before ``call_date`` / ``enter_on_queue``). A row whose
  epoch is missing, unparsable or more than 30 minutes from both candidates is unresolved;
* every other ambiguous wall time is unresolved: it keeps the *first* occurrence (the offset
  in force before the transition, 01:30 → EDT, as ``datetime(..., fold=0)``) and its
  ``<field>_ambiguous`` column is true, so an hour-early instant is never silently right.
  ``<field>_ambiguous`` is false on every other row (NULL where the wall time is NULL).

Row order is not used: no format guarantees an order that separates the two occurrences.
phone_number_log prints each number's rows "newest first" by its ``call_date`` DATETIME, and
MySQL orders a DATETIME by its wall value, so 01:15 EST sorts before 01:50 EDT; did_log_export
and recording_lookup document no order (the simulator sorts them by the wall time, like
phone_number_log); call_status_stats / call_dispo_report / agent_stats_export print no
per-call time; lead_status_search and list_info times are lead/list attributes with no order;
the goAPI reports (croco-dial's own, unpublished code) document none. Their rows are flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from extract.endpoint import ColType
from extract.errors import ParseError
from extract.registry import TABLE_SPECS, TABLES

LOCAL_TS = pa.timestamp("us")
UTC_TS = pa.timestamp("us", tz="UTC")

ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(), "int": pa.int64(), "float": pa.float64(), "seconds": pa.int64(),
    "pct": pa.float64(), "datetime": LOCAL_TS, "date": pa.date32(), "bool": pa.bool_(),
}

LINEAGE: tuple[pa.Field, ...] = (
    pa.field("_instance", pa.string()),
    pa.field("_endpoint", pa.string()),
    pa.field("_partition_date", pa.date32()),
    pa.field("_extracted_at", UTC_TS),
    pa.field("_source_row", pa.int64()),
)
LINEAGE_NAMES = tuple(f.name for f in LINEAGE)

UTC_SUFFIX = "_utc"
AMBIGUOUS_SUFFIX = "_ambiguous"

#: raw table → column whose leading digits are the epoch seconds of the row's event (Asterisk
#: uniqueid ``<epoch>.<sequence>``): resolves the repeated DST hour (see the module docstring).
#: Only goAPI inbound_cdr carries one; VICIdial's text reports print no uniqueid or epoch.
_EPOCH_RE = r"^\s*(?P<epoch>\d{9,11})(?:\.\d*)?\s*$"
_RESOLVE_WINDOW_US = 1800 * 1_000_000  # an epoch further than 30 min from both readings resolves nothing


@dataclass(frozen=True)
class Drift:
    """Schema drift of one response: fields the table does not declare (kept as strings) and
    known, non-optional fields the server did not send (NULL-filled)."""

    new_fields: tuple[str, ...] = ()
    missing_fields: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.new_fields or self.missing_fields)


def _schema_for(table_name: str) -> Mapping[str, ColType]:
    try:
        return TABLE_SPECS[table_name].columns
    except KeyError:
        raise ValueError(f"no schema for raw table {table_name!r}") from None


def typed_fields(table_name: str) -> list[pa.Field]:
    """Typed data fields of a raw table (``_utc`` companions included), no lineage."""
    out: list[pa.Field] = []
    for name, ctype in _schema_for(table_name).items():
        out.append(pa.field(name, ARROW_TYPES[ctype]))
        if ctype == "datetime":
            out.append(pa.field(name + UTC_SUFFIX, UTC_TS))
            out.append(pa.field(name + AMBIGUOUS_SUFFIX, pa.bool_()))
    return out


def typed_schema(table_name: str) -> pa.Schema:
    """Full typed schema of a raw table: data fields then lineage."""
    return pa.schema([*typed_fields(table_name), *LINEAGE])


def empty_table(table_name: str) -> pa.Table:
    """Zero-row table with the full typed schema + lineage (DuckDB views before any data)."""
    return typed_schema(table_name).empty_table()


def raw_schemas() -> dict[str, pa.Schema]:
    """Typed schema (lineage included) of every registry table: what the raw views are made of."""
    return {t: typed_schema(t) for t in TABLES}


# --------------------------------------------------------------------------- converters

_INT_RE = r"^[+-]?\d+$"
_FLOAT_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_SECONDS_RE = r"^(?P<neg>-?)(?:(?:(?P<h>\d+):)?(?P<m>\d+):)?(?P<s>\d+)$"
_PCT_RE = r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%?$"
_DATETIME_FMT = "%Y-%m-%d %H:%M:%S"
_DATETIME_RE = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$"
_DATE_FMT = "%Y-%m-%d"
_TRUE = ["true", "1", "y", "yes"]
_FALSE = ["false", "0", "n", "no"]

RULES: dict[str, str] = {
    "int": "integer (e.g. 42)",
    "float": "decimal number (e.g. 67.78)",
    "seconds": "duration HH:MM:SS, h:mm:ss, m:ss or whole seconds",
    "pct": "percentage (e.g. 16.7% or 16.7)",
    "datetime": "YYYY-MM-DD HH:MM:SS[.ffffff]",
    "date": "YYYY-MM-DD",
    "bool": "true/false, 1/0, Y/N",
}


def _null_tokens(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim; ``""`` / ``null`` → NULL."""
    trimmed = pc.utf8_trim_whitespace(arr)
    is_null = pc.or_(pc.equal(trimmed, ""), pc.equal(pc.utf8_lower(trimmed), "null"))
    return pc.if_else(is_null, pa.scalar(None, pa.string()), trimmed)


def _fail(table: str, field: str, ctype: str, src: pa.ChunkedArray, bad: pa.ChunkedArray) -> None:
    n_bad = pc.sum(bad.cast(pa.int64())).as_py() or 0
    if not n_bad:
        return
    example = pc.filter(src, bad)[0].as_py()
    raise ParseError(f"{table}.{field}: {n_bad} value(s) not a valid {ctype} "
                     f"[{RULES[ctype]}], e.g. {example!r}")


def _bad_mask(src: pa.ChunkedArray, ok: pa.ChunkedArray) -> pa.ChunkedArray:
    """Non-null input whose rule check failed (or gave null)."""
    return pc.and_(pc.is_valid(src), pc.invert(pc.fill_null(ok, False)))


def _to_seconds(v: pa.ChunkedArray, table: str, field: str) -> pa.ChunkedArray:
    parts = pc.extract_regex(v, _SECONDS_RE)
    _fail(table, field, "seconds", v, _bad_mask(v, pc.is_valid(parts)))

    def num(name: str) -> pa.ChunkedArray:
        p = pc.struct_field(parts, name)
        return pc.if_else(pc.equal(p, ""), "0", p).cast(pa.int64())

    h, m, s = num("h"), num("m"), num("s")
    has_m = pc.not_equal(pc.struct_field(parts, "m"), "")
    has_h = pc.not_equal(pc.struct_field(parts, "h"), "")
    out_of_range = pc.or_(pc.and_(has_m, pc.greater_equal(s, 60)),
                          pc.and_(has_h, pc.greater_equal(m, 60)))
    _fail(table, field, "seconds", v, pc.fill_null(out_of_range, False))
    total = pc.add(pc.add(pc.multiply(h, 3600), pc.multiply(m, 60)), s)
    neg = pc.equal(pc.struct_field(parts, "neg"), "-")
    return pc.if_else(neg, pc.negate(total), total)


def _same_day(v: pa.ChunkedArray, ts: pa.ChunkedArray) -> pa.ChunkedArray:
    """Parsed, and not silently normalised (Arrow's strptime turns 2025-02-30 into 03-02).
    Raises ArrowInvalid if a parsed value has no digits at the day position."""
    day = pc.if_else(pc.is_valid(ts), pc.utf8_slice_codeunits(v, 8, 10), "0").cast(pa.int64())
    return pc.and_(pc.is_valid(ts), pc.equal(pc.day(ts), day))


def _to_datetime(v: pa.ChunkedArray, table: str, field: str) -> pa.ChunkedArray:
    """``YYYY-MM-DD HH:MM:SS`` (``T`` accepted as separator), optional ``.ffffff`` fraction
    (DATETIME(6) columns, some exports) → naive microsecond timestamp."""
    ok = pc.match_substring_regex(v, _DATETIME_RE)
    _fail(table, field, "datetime", v, _bad_mask(v, ok))
    base = pc.utf8_replace_slice(pc.utf8_slice_codeunits(v, 0, 19), 10, 11, " ")
    ts = pc.strptime(base, format=_DATETIME_FMT, unit="us", error_is_null=True)
    _fail(table, field, "datetime", v, _bad_mask(v, _same_day(base, ts)))
    frac = pc.utf8_slice_codeunits(v, 20, 26)
    if pc.any(pc.not_equal(frac, "")).as_py():
        micros = pc.if_else(pc.equal(frac, ""), "0", pc.utf8_rpad(frac, 6, "0")).cast(pa.int64())
        ts = pc.add(ts, micros.cast(pa.duration("us")))
    return ts.cast(LOCAL_TS)


def _zero_date(v: pa.ChunkedArray) -> pa.ChunkedArray:
    """MySQL zero dates (``0000-00-00 00:00:00``: "never") → NULL."""
    zero = pc.starts_with(v, "0000-00-00")
    if not pc.any(zero).as_py():
        return v
    return pc.if_else(zero, pa.scalar(None, pa.string()), v)


def convert(arr: pa.ChunkedArray | pa.Array, ctype: ColType, table: str = "?", field: str = "?"
            ) -> pa.ChunkedArray:
    """One string column → its ColType (datetime: local naive TIMESTAMP)."""
    if not isinstance(arr, pa.ChunkedArray):
        arr = pa.chunked_array([arr])
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    if ctype == "str":
        empty = pc.equal(arr, "")
        if not pc.any(empty).as_py():
            return arr
        return pc.if_else(empty, pa.scalar(None, pa.string()), arr)
    v = _null_tokens(arr)
    if ctype == "int":
        try:
            return v.cast(pa.int64())
        except pa.ArrowInvalid as exc:
            _fail(table, field, ctype, v, _bad_mask(v, pc.match_substring_regex(v, _INT_RE)))
            raise ParseError(f"{table}.{field}: integer out of range: {exc}") from exc
    if ctype == "float":
        _fail(table, field, ctype, v, _bad_mask(v, pc.match_substring_regex(v, _FLOAT_RE)))
        return v.cast(pa.float64())
    if ctype == "seconds":
        if not pc.any(pc.match_substring(v, ":")).as_py():  # plain seconds: a cast will do
            try:
                return v.cast(pa.int64())
            except pa.ArrowInvalid:
                pass
        return _to_seconds(v, table, field)
    if ctype == "pct":
        num = pc.struct_field(pc.extract_regex(v, _PCT_RE), "num")
        _fail(table, field, ctype, v, _bad_mask(v, pc.is_valid(num)))
        return pc.divide(num.cast(pa.float64()), 100.0)
    if ctype == "datetime":
        v = _zero_date(v)
        # fast path: plain 19-character values parse directly; anything else is checked slowly
        ts = pc.strptime(v, format=_DATETIME_FMT, unit="us", error_is_null=True)
        try:
            ok = pc.and_(pc.equal(pc.utf8_length(v), 19), _same_day(v, ts))
        except pa.ArrowInvalid:
            ok = None
        if ok is not None and not pc.any(_bad_mask(v, ok)).as_py():
            return ts.cast(LOCAL_TS)
        return _to_datetime(v, table, field)
    if ctype == "date":
        v = _zero_date(v)
        ok = pc.match_substring_regex(v, r"^\d{4}-\d{2}-\d{2}$")
        ts = pc.strptime(pc.if_else(ok, v, pa.scalar(None, pa.string())), format=_DATE_FMT,
                         unit="s", error_is_null=True)
        _fail(table, field, ctype, v, _bad_mask(v, _same_day(v, ts)))
        return ts.cast(pa.date32())
    if ctype == "bool":
        low = pc.utf8_lower(v)
        is_true = pc.is_in(low, value_set=pa.array(_TRUE))
        is_false = pc.is_in(low, value_set=pa.array(_FALSE))
        _fail(table, field, ctype, v, _bad_mask(v, pc.or_(is_true, is_false)))
        return pc.if_else(pc.is_valid(v), is_true, pa.scalar(None, pa.bool_()))
    raise ValueError(f"unknown ColType {ctype!r}")


def epoch_seconds(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Leading epoch seconds of an Asterisk uniqueid (``1747108800.000123`` → 1747108800);
    NULL where the value is not of that form."""
    if not isinstance(col, pa.ChunkedArray):
        col = pa.chunked_array([col])
    if not pa.types.is_string(col.type):
        col = col.cast(pa.string())
    return pc.struct_field(pc.extract_regex(col, _EPOCH_RE), "epoch").cast(pa.int64())


def local_to_utc(ts: pa.ChunkedArray | pa.Array, tz: str) -> pa.ChunkedArray:
    """Local wall time (naive) in zone ``tz`` → UTC, with the module's DST rule (no epoch:
    ambiguous wall times take the first occurrence)."""
    return resolve_local(ts, tz)[0]


def resolve_local(ts: pa.ChunkedArray | pa.Array, tz: str, epoch: pa.ChunkedArray | pa.Array | None = None
                  ) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """Local wall time (naive) in zone ``tz`` → (UTC instant, ambiguous-and-unresolved flag).

    ``epoch`` (int64 seconds per row, NULL where unknown) picks the occurrence of a repeated
    wall time; see the module docstring for the rule."""
    if not isinstance(ts, pa.ChunkedArray):
        ts = pa.chunked_array([ts])
    ts = ts.cast(LOCAL_TS)
    try:
        early = pc.assume_timezone(ts, tz, ambiguous="earliest", nonexistent="earliest")
    except pa.ArrowInvalid as exc:
        raise ValueError(f"unknown time zone {tz!r}: {exc}") from exc
    late = pc.assume_timezone(ts, tz, ambiguous="earliest", nonexistent="latest")
    gap = pc.fill_null(pc.not_equal(early, late), False)
    second = pc.assume_timezone(ts, tz, ambiguous="latest", nonexistent="earliest").cast(UTC_TS)
    early = early.cast(UTC_TS)
    ambiguous = pc.fill_null(pc.not_equal(early, second), False)
    out = early
    if pc.any(gap).as_py():
        # ``early`` is the last instant before the gap: carry its offset over to the wall time.
        wall_before = pc.local_timestamp(early.cast(pa.timestamp("us", tz=tz)))
        out = pc.if_else(gap, pc.add(early, pc.subtract(ts, wall_before)), early)
    unresolved = ambiguous
    if epoch is not None and pc.any(ambiguous).as_py():
        if not isinstance(epoch, pa.ChunkedArray):
            epoch = pa.chunked_array([epoch])
        at = pc.multiply(epoch.cast(pa.int64()), 1_000_000)
        d_first = pc.abs(pc.subtract(early.cast(pa.int64()), at))
        d_second = pc.abs(pc.subtract(second.cast(pa.int64()), at))
        near = pc.less_equal(pc.min_element_wise(d_first, d_second), _RESOLVE_WINDOW_US)
        resolved = pc.fill_null(pc.and_(ambiguous, near), False)
        take_second = pc.fill_null(pc.and_(resolved, pc.less(d_second, d_first)), False)
        out = pc.if_else(take_second, second, out)
        unresolved = pc.and_(ambiguous, pc.invert(resolved))
    flag = pc.if_else(pc.is_valid(ts), unresolved, pa.scalar(None, pa.bool_()))
    return out, flag


def cast_table(table: pa.Table, table_name: str, tz: str) -> tuple[pa.Table, Drift]:
    """Type a parser's all-string table per the declared columns of ``table_name`` (see module docstring)."""
    schema = _schema_for(table_name)
    present = [n for n in table.column_names if n not in LINEAGE_NAMES]
    new = tuple(n for n in present if n not in schema)
    optional = TABLE_SPECS[table_name].optional
    missing = tuple(n for n in schema if n not in present and n not in optional)
    names: list[str] = []
    cols: list[pa.ChunkedArray] = []
    n = table.num_rows
    epoch_col = TABLE_SPECS[table_name].epoch
    epoch = epoch_seconds(table[epoch_col]) if epoch_col in present else None
    for name, ctype in schema.items():
        if name in present:
            col = convert(table[name], ctype, table_name, name)
        else:
            col = pa.chunked_array([pa.nulls(n, ARROW_TYPES[ctype])])
        names.append(name)
        cols.append(col)
        if ctype == "datetime":
            utc, flag = resolve_local(col, tz, epoch)
            names += [name + UTC_SUFFIX, name + AMBIGUOUS_SUFFIX]
            cols += [utc, flag]
    for name in new:
        col = table[name]
        names.append(name)
        cols.append(col if pa.types.is_string(col.type) else col.cast(pa.string()))
    for f in LINEAGE:
        if f.name in table.column_names:
            names.append(f.name)
            cols.append(table[f.name].cast(f.type))
    return pa.Table.from_arrays(cols, names=names), Drift(new, missing)


def add_lineage(table: pa.Table, instance: str, endpoint: str, partition_date: dt.date,
                extracted_at: dt.datetime) -> pa.Table:
    """Append ``_instance, _endpoint, _partition_date, _extracted_at`` and move ``_source_row``
    last (NULL if the table has none). ``extracted_at`` must be timezone-aware."""
    if extracted_at.tzinfo is None:
        raise ValueError("extracted_at must be timezone-aware (UTC)")
    n = table.num_rows
    base = table.drop_columns([c for c in LINEAGE_NAMES if c in table.column_names])
    source = (table["_source_row"].cast(pa.int64()) if "_source_row" in table.column_names
              else pa.chunked_array([pa.nulls(n, pa.int64())]))
    values: Sequence[pa.Array | pa.ChunkedArray] = (
        pa.repeat(pa.scalar(instance, pa.string()), n),
        pa.repeat(pa.scalar(endpoint, pa.string()), n),
        pa.repeat(pa.scalar(partition_date, pa.date32()), n),
        pa.repeat(pa.scalar(extracted_at.astimezone(dt.UTC), UTC_TS), n),
        source,
    )
    for f, col in zip(LINEAGE, values, strict=True):
        base = base.append_column(f, col)
    return base.replace_schema_metadata(table.schema.metadata)
