"""Where write-back rows come from: the dbt `wb_*` models and the lead-file inbox.

Contract of a `wb_*` model (any schema of the published DuckDB, dbt builds them in
`writeback`): one row per change with
- `instance`  — the configured dialer instance to send it to,
- `operation` — `add_lead` | `update_lead` | `add_list` | `update_list`,
- `row_key`   — a stable identity of the change (the ledger diffs on it),
- every other column named exactly like the API parameter it fills (NULL = not sent);
  columns starting with `_` are explanation for analysts and are never sent;
  `_before_<param>` (and `_after_<x>` for a value that is not a parameter) let the dry run show a
  change as `param: before → after`.

A lead file (CSV or Parquet) becomes add_lead rows through a `LeadMapping` (a
`mapping.toml` next to the file or in the inbox, or CLI flags): file column → add_lead
field, file column → custom field, constants for every row, the target list.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from extract.writeback.fields import ADD_LEAD_LMAPI, OPERATIONS, ROW_NUMBER, normalize_table

META_COLUMNS = ("instance", "operation", "row_key")
LEAD_FILE_SUFFIXES = (".csv", ".parquet", ".pq")


@dataclass
class Batch:
    """Rows of one source for one instance and operation, with `_row_key` (and field columns)."""

    source: str
    instance: str
    operation: str
    table: pa.Table
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None  # inbox file, moved to processed/ once every row is settled
    unmapped: list[str] = field(default_factory=list)  # lead-file columns not sent (reported, never silent)


# --- dbt models --------------------------------------------------------------------------
def list_models(db_path: Path) -> list[tuple[str, str]]:
    """(schema, name) of every `wb_*` table or view in the published DuckDB."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_name LIKE 'wb\\_%' ESCAPE '\\' ORDER BY table_name").fetchall()
    return [(s, n) for s, n in rows]


def model_batches(db_path: Path, *, only: Iterable[str] | None = None,
                  instance: str | None = None) -> tuple[list[Batch], list[str]]:
    """Read each `wb_*` model (read-only) and split it by instance and operation."""
    wanted = set(only) if only else None
    batches: list[Batch] = []
    errors: list[str] = []
    if not Path(db_path).exists():
        return batches, [f"no published DuckDB at {db_path}: run the pipeline first"]
    models = [(s, n) for s, n in list_models(db_path) if wanted is None or n in wanted]
    with duckdb.connect(str(db_path), read_only=True) as con:
        for schema, name in models:
            table = con.sql(f'SELECT * FROM "{schema}"."{name}"').to_arrow_table()
            missing = [c for c in META_COLUMNS if c not in table.column_names]
            if missing:
                errors.append(f"model {name}: missing column(s) {missing} (see dialsync/service/writeback_sources.py)")
                continue
            batches.extend(split_batch(f"model:{name}", table, instance=instance, errors=errors))
    return batches, errors


def split_batch(source: str, table: pa.Table, *, instance: str | None = None,
                errors: list[str] | None = None) -> list[Batch]:
    """A table with `instance`/`operation`/`row_key` columns → one Batch per (instance, operation)."""
    errors = errors if errors is not None else []
    table = table.rename_columns([f"_{c}" if c in META_COLUMNS else c for c in table.column_names])
    table = normalize_table(table.set_column(table.column_names.index("_row_key"), "_row_key",
                                             pc.cast(table.column("_row_key"), pa.string())))
    out: list[Batch] = []
    pairs = table.select(["_instance", "_operation"]).group_by(["_instance", "_operation"]).aggregate([])
    for inst, op in zip(pairs.column("_instance").to_pylist(), pairs.column("_operation").to_pylist(),
                        strict=True):
        if instance is not None and inst != instance:
            continue
        if inst is None or op not in OPERATIONS:
            errors.append(f"{source}: rows with instance={inst!r} operation={op!r} skipped "
                          f"(operation must be one of {', '.join(OPERATIONS)})")
            continue
        mask = pc.and_(pc.equal(table.column("_instance"), inst), pc.equal(table.column("_operation"), op))
        sub = table.filter(mask)
        # drop columns entirely NULL for this operation (a model may serve several operations)
        keep = [c for c in sub.column_names if c.startswith("_") or sub.column(c).null_count < sub.num_rows]
        out.append(Batch(source, inst, op, sub.select(keep)))
    return out


# --- lead files --------------------------------------------------------------------------
@dataclass
class LeadMapping:
    """How a lead file's columns become add_lead parameters."""

    columns: dict[str, str] = field(default_factory=dict)  # file column -> add_lead field
    custom: dict[str, str] = field(default_factory=dict)  # file column -> custom field label
    constants: dict[str, str] = field(default_factory=dict)  # field -> value for every row
    list_id: str | None = None
    instance: str | None = None
    key: tuple[str, ...] = ("list_id", "phone_number")

    @classmethod
    def load(cls, path: Path) -> LeadMapping:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LeadMapping:
        unknown = set(data) - {"columns", "custom", "constants", "list_id", "instance", "key"}
        if unknown:
            raise ValueError(f"mapping: unknown key(s) {sorted(unknown)}")
        key = data.get("key") or ("list_id", "phone_number")
        return cls(
            columns={str(k): str(v) for k, v in dict(data.get("columns") or {}).items()},  # type: ignore[call-overload]
            custom={str(k): str(v) for k, v in dict(data.get("custom") or {}).items()},  # type: ignore[call-overload]
            constants={str(k): str(v) for k, v in dict(data.get("constants") or {}).items()},  # type: ignore[call-overload]
            list_id=str(data["list_id"]) if data.get("list_id") is not None else None,
            instance=str(data["instance"]) if data.get("instance") else None,
            key=tuple(key) if not isinstance(key, str) else (key,),  # type: ignore[arg-type]
        )

    @classmethod
    def from_pairs(cls, pairs: Iterable[str], *, custom: Iterable[str] = (),
                   constants: Iterable[str] = ()) -> LeadMapping:
        """CLI flags: `--map "Phone=phone_number" --custom "Color=favorite_color" --set add_to_hopper=Y`."""
        def split(items: Iterable[str]) -> dict[str, str]:
            out = {}
            for item in items:
                if "=" not in item:
                    raise ValueError(f"mapping {item!r}: expected SOURCE=TARGET")
                k, v = item.split("=", 1)
                out[k.strip()] = v.strip()
            return out
        return cls(columns=split(pairs), custom=split(custom), constants=split(constants))


def find_mapping(path: Path) -> LeadMapping | None:
    """`<file>.mapping.toml`, else `mapping.toml` in the file's folder."""
    for cand in (path.with_name(path.name + ".mapping.toml"), path.with_suffix(".mapping.toml"),
                 path.parent / "mapping.toml"):
        if cand.exists():
            return LeadMapping.load(cand)
    return None


def read_lead_file(path: Path) -> pa.Table:
    """CSV (every column as text, empty cells as '') or Parquet (cast to text)."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        return normalize_table(pq.read_table(path))
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        return pa.table({})
    if len(set(header)) != len(header):
        raise ValueError(f"{path.name}: duplicate column names in header")
    size = path.stat().st_size
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1,
                                       block_size=max(1 << 20, min(size + 1, 1 << 28))),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def apply_mapping(table: pa.Table, mapping: LeadMapping, *, list_id: str | None,
                  first_row: int = 1) -> tuple[pa.Table, list[str]]:
    """File columns → add_lead fields + custom fields + `_row_key` + `_row_number` (``first_row`` is
    the number of the first data row: 2 for a CSV with its header, as a spreadsheet shows it).
    Returns (table, unmapped file columns)."""
    known = set(ADD_LEAD_LMAPI)
    cols: dict[str, pa.ChunkedArray] = {}
    unmapped: list[str] = []
    n = table.num_rows
    for src in table.column_names:
        if src in mapping.columns:
            target = mapping.columns[src]
        elif src in mapping.custom:
            target = mapping.custom[src]
        elif src in known:
            target = src
        elif _norm(src) in known:
            target = _norm(src)
        else:
            unmapped.append(src)
            continue
        if target in cols:
            raise ValueError(f"mapping: two columns map to {target!r}")
        cols[target] = table.column(src)
    missing = [c for c in (*mapping.columns, *mapping.custom) if c not in table.column_names]
    if missing:
        raise ValueError(f"mapping names column(s) not in the file: {missing}")
    for k, v in mapping.constants.items():
        cols[k] = pa.chunked_array([pa.array([v] * n, pa.string())])
    lid = list_id or mapping.list_id
    if lid is not None:
        cols["list_id"] = pa.chunked_array([pa.array([str(lid)] * n, pa.string())])
    out = pa.table(cols) if cols else pa.table({"_": pa.nulls(n)}).drop(["_"])
    missing_key = [k for k in mapping.key if k not in out.column_names and k not in table.column_names]
    if missing_key:
        raise ValueError(f"mapping key column(s) {missing_key} are neither fields nor file columns")
    key_parts = [pc.fill_null(out.column(k) if k in out.column_names else table.column(k), "")
                 for k in mapping.key]
    row_key = pc.binary_join_element_wise(*key_parts, ":") if key_parts else pa.array([str(i) for i in range(n)])
    out = out.append_column("_row_key", row_key)
    return out.append_column(ROW_NUMBER, pa.array(range(first_row, first_row + n), pa.int64())), unmapped


def file_batch(path: Path, *, instance: str, list_id: str | None, mapping: LeadMapping | None) -> Batch:
    """A lead file as add_lead rows. Columns no mapping names are reported (warnings and
    ``unmapped``), never dropped silently: a misspelt header would otherwise lose a field on every lead."""
    mapping = mapping or find_mapping(path) or LeadMapping()
    path = Path(path)
    first_row = 1 if path.suffix.lower() in (".parquet", ".pq") else 2
    table, unmapped = apply_mapping(read_lead_file(path), mapping, list_id=list_id, first_row=first_row)
    warnings = [f"column {c!r} is not mapped to an add_lead field or custom field: not loaded "
                "(map it with --map/--custom or mapping.toml, or remove it)" for c in unmapped]
    return Batch(f"file:{path.name}", instance, "add_lead", table, warnings, path=path, unmapped=unmapped)


def inventory(db_path: Path) -> dict[str, dict[str, int]]:
    """Lists and leads per instance in the latest list_info snapshot of the published DuckDB:
    what the destructive-change cap is a share of. Empty when there is no snapshot."""
    if not Path(db_path).exists():
        return {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        found = con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = 'raw' AND table_name = 'list_info'").fetchone()
        if not found or not found[0]:
            return {}
        rows = con.execute(
            "SELECT _instance, count(*), sum(leads) FROM ("
            " SELECT _instance, list_id, max(TRY_CAST(all_leads_count AS BIGINT)) AS leads FROM ("
            "  SELECT * FROM raw.list_info"
            "  QUALIFY _partition_date = max(_partition_date) OVER (PARTITION BY _instance)) GROUP BY ALL"
            ") GROUP BY ALL").fetchall()
    return {str(i): {"lists": int(n or 0), "leads": int(m or 0)} for i, n, m in rows}


def inbox_files(inbox: Path) -> list[Path]:
    folder = Path(inbox) / "leads"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in LEAD_FILE_SUFFIXES)
