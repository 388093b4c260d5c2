"""The Parquet lake: one directory per (platform, table, instance, day), replaced whole.

A partition is written to a hidden temp file in its own directory, fsynced, then renamed
over `part-0.parquet`, so a reader (or a crash) sees the old copy or the new one, never a
half-written file. An endpoint that yields several tables (CDR rows + summary rows) stages
all of them before renaming any, so a failure while writing leaves every table intact.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PART = "part-0.parquet"


@dataclass(frozen=True)
class WrittenPartition:
    table: str
    path: Path
    rows: int
    bytes: int
    checksum: str  # sha256 of the file


class Lake:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def partition_dir(self, platform: str, table: str, instance: str, day: date | str) -> Path:
        return self.root / platform / table / f"instance={instance}" / f"date={day}"

    def glob(self, table: str) -> str:
        """Glob over every platform and instance, for DuckDB views."""
        return str(self.root / "*" / table / "instance=*" / "date=*" / PART)

    def has_files(self, table: str) -> bool:
        return any(self.root.glob(f"*/{table}/instance=*/date=*/{PART}"))

    def write(self, platform: str, instance: str, day: date | str,
              tables: dict[str, pa.Table]) -> list[WrittenPartition]:
        """Atomically replace the partition of every table in ``tables``."""
        staged: list[tuple[Path, Path, str, int]] = []
        try:
            for name, table in tables.items():
                target_dir = self.partition_dir(platform, name, instance, day)
                target_dir.mkdir(parents=True, exist_ok=True)
                tmp = target_dir / f".{PART}.{uuid.uuid4().hex}.tmp"
                pq.write_table(table, tmp, compression="zstd", row_group_size=256_000)
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                staged.append((tmp, target_dir / PART, name, table.num_rows))
        except BaseException:
            for tmp, *_ in staged:
                tmp.unlink(missing_ok=True)
            raise
        written = []
        for tmp, final, name, rows in staged:
            checksum = _sha256(tmp)
            size = tmp.stat().st_size
            os.replace(tmp, final)
            written.append(WrittenPartition(name, final, rows, size, checksum))
        if staged:
            _fsync_dir(staged[0][1].parent)
        return written

    def paths(self, table: str, instance: str, day: date | str | None = None) -> list[Path]:
        day_part = f"date={day}" if day is not None else "date=*"
        return sorted(self.root.glob(f"*/{table}/instance={instance}/{day_part}/{PART}"))

    def read(self, table: str, instance: str, day: date | str, columns: list[str] | None = None) -> pa.Table | None:
        files = self.paths(table, instance, day)
        if not files:
            return None
        return pa.concat_tables([pq.read_table(f, columns=columns) for f in files], promote_options="default")

    def days(self, table: str, instance: str) -> list[date]:
        out = {date.fromisoformat(p.parent.name.removeprefix("date=")) for p in self.paths(table, instance)}
        return sorted(out)

    def latest(self, table: str, instance: str, columns: list[str] | None = None) -> pa.Table | None:
        days = self.days(table, instance)
        return self.read(table, instance, days[-1], columns) if days else None

    def cleanup_temp(self) -> int:
        """Remove temp files left by an interrupted run (they were never visible as data)."""
        n = 0
        for tmp in self.root.glob(f"*/*/instance=*/date=*/.{PART}.*.tmp"):
            tmp.unlink(missing_ok=True)
            n += 1
        return n


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
