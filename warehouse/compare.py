"""Compare two lakes by content: the rows each partition holds, not the bytes of its files.

Why content: a re-pulled partition is a new file (other `_extracted_at`, other compression
blocks) holding the same rows. Two lakes agree when every (table, instance, day) holds the
same multiset of rows once lineage/time columns are dropped. Rows are matched by a hash of
the whole row (DuckDB `hash` of the row struct), counted per side: a row the clean lake has
more often is *lost*, one the other has more often is *duplicated*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from warehouse.lake import Lake

#: differ between two pulls of the same data: when it was pulled, its position in the body
IGNORED = ("_extracted_at", "_source_row")


@dataclass
class Diff:
    rows_clean: int = 0
    rows_lost: int = 0
    rows_duplicated: int = 0
    partitions: int = 0
    differing: list[str] = field(default_factory=list)  # "table instance day: -lost +dup"

    @property
    def partitions_differing(self) -> int:
        return len(self.differing)


def _content(t: pa.Table | None) -> pa.Table | None:
    return None if t is None else t.drop_columns([c for c in IGNORED if c in t.column_names])


def _counts(con: duckdb.DuckDBPyConnection, t: pa.Table) -> pa.Table:
    con.register("_side", t)
    try:
        return con.sql("SELECT hash(s) AS h, count(*) AS n FROM _side s GROUP BY 1").to_arrow_table()
    finally:
        con.unregister("_side")


def diff_partition(con: duckdb.DuckDBPyConnection, clean: pa.Table | None, other: pa.Table | None
                   ) -> tuple[int, int, int]:
    """(rows in clean, rows lost, rows duplicated) of one partition."""
    empty = pa.table({"h": pa.array([], pa.uint64()), "n": pa.array([], pa.int64())})
    a = _counts(con, clean) if clean is not None and clean.num_rows else empty
    b = _counts(con, other) if other is not None and other.num_rows else empty
    if clean is not None and other is not None and clean.num_rows and other.num_rows:
        b_cols = set(other.column_names)
        if set(clean.column_names) != b_cols:  # same rows cannot hash alike: every row differs
            return clean.num_rows, clean.num_rows, other.num_rows
    con.register("_a", a)
    con.register("_b", b)
    try:
        (lost, dup), = con.execute(
            "SELECT coalesce(sum(greatest(coalesce(_a.n, 0) - coalesce(_b.n, 0), 0)), 0), "
            "coalesce(sum(greatest(coalesce(_b.n, 0) - coalesce(_a.n, 0), 0)), 0) "
            "FROM _a FULL OUTER JOIN _b USING (h)").fetchall()
    finally:
        con.unregister("_a")
        con.unregister("_b")
    return (clean.num_rows if clean is not None else 0), int(lost), int(dup)


def compare_lakes(clean: Lake, other: Lake, tables: list[str], instances: list[str]) -> Diff:
    """Content diff of every partition either lake holds for ``tables`` × ``instances``."""
    out = Diff()
    con = duckdb.connect()
    try:
        for table in tables:
            for inst in instances:
                for day in sorted(set(clean.days(table, inst)) | set(other.days(table, inst))):
                    a = _content(clean.read(table, inst, day))
                    b = _content(other.read(table, inst, day))
                    n, lost, dup = diff_partition(con, a, b)
                    out.partitions += 1
                    out.rows_clean += n
                    out.rows_lost += lost
                    out.rows_duplicated += dup
                    if lost or dup or (a is None) != (b is None):
                        out.differing.append(f"{table} {inst} {day}: -{lost} +{dup}"
                                             + (" (partition missing)" if b is None else "")
                                             + (" (partition extra)" if a is None else ""))
    finally:
        con.close()
    return out
