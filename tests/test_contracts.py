"""Contract test: every piece of every endpoint exists, and a failure names the file to edit.

An endpoint is declared once, with its raw tables and their columns, in the module of its API
surface (extract/endpoints/goapi.py or non_agent_api.py); around it live the pieces that cannot
be derived from the declaration: its parser (extract/parsers/), the simulator's answer, the dbt
source, one staging model per raw table with its docs, and the raw-table row in docs/contracts.md.
This test walks the registry and tells a newcomer what they forgot, and where (docs/contracts.md,
"How to add an endpoint").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from extract.endpoint import Endpoint, Table
from extract.registry import ENDPOINTS, TABLES

ROOT = Path(__file__).resolve().parents[1]
STAGING = ROOT / "dbt_project" / "models" / "staging"
SOURCES = STAGING / "_raw__sources.yml"
CONTRACTS = ROOT / "docs" / "contracts.md"


def staging_folder(ep: Endpoint) -> str:
    """Staging models are grouped by the API surface that serves them (goAPI is croco-dial's)."""
    return "crocodial" if ep.surface == "goapi" else "vicidial"


def _source_tables() -> set[str]:
    doc = yaml.safe_load(SOURCES.read_text())
    raw = next(s for s in doc["sources"] if s["name"] == "raw")
    return {t["name"] for t in raw["tables"]}


def _documented_models(folder: str) -> set[str]:
    out: set[str] = set()
    for f in (STAGING / folder).glob("_*.yml"):
        out |= {m["name"] for m in (yaml.safe_load(f.read_text()) or {}).get("models", [])}
    return out


def _simulator_serves(ep: Endpoint) -> str | None:
    """None when the simulator answers `ep` on each platform it is declared for, else what to edit."""
    if ep.surface == "goapi":
        from simulator.goapi import ACTIONS

        if ep.action not in ACTIONS.get(ep.module or "", {}):
            return (f"simulator: add {ep.module} action {ep.action!r} to ACTIONS in simulator/goapi.py "
                    f"(its answer in the simulator/goapi_*.py module of that concern)")
        return None
    from simulator.nonagent import SURFACE_FUNCTIONS

    surfaces = {"dialer360": "dialer360"}
    for platform in sorted(ep.platforms):
        served = SURFACE_FUNCTIONS[surfaces.get(platform, "vicidial")]
        if ep.action not in served:
            return (f"simulator: add function {ep.action!r} to FUNCTIONS in simulator/nonagent.py "
                    f"(served on {platform}; its answer in simulator/nonagent_reports.py)")
    return None


def missing_pieces(ep: Endpoint) -> list[str]:
    """What `ep` lacks outside the registry, each with the file to edit."""
    out: list[str] = []
    parsers = "extract/parsers/goapi.py" if ep.surface == "goapi" else "extract/parsers/vicidial.py"
    if not callable(ep.parse) or getattr(ep.parse, "__module__", "") != parsers[:-3].replace("/", "."):
        out.append(f"parser: write the parser of {ep.name!r} in {parsers} and name it in the declaration")
    if not ep.raw:
        out.append(f"tables: declare the raw tables of {ep.name!r} (extract/endpoints/{ep.surface}.py)")
    if (gap := _simulator_serves(ep)) is not None:
        out.append(gap)
    sources = _source_tables()
    folder = staging_folder(ep)
    documented = _documented_models(folder)
    contracts = CONTRACTS.read_text()
    for table in ep.tables:
        if table not in sources:
            out.append(f"dbt source: add table {table!r} to {SOURCES.relative_to(ROOT)}")
        model = f"stg_{folder}__{table}"
        sql = STAGING / folder / f"{model}.sql"
        if not sql.exists():
            out.append(f"staging model: create {sql.relative_to(ROOT)} (select from source('raw', '{table}'))")
        elif f"source('raw', '{table}')" not in sql.read_text().replace('"', "'"):
            out.append(f"staging model: {sql.relative_to(ROOT)} must read source('raw', '{table}')")
        if model not in documented:
            out.append(f"staging docs: describe {model} in "
                       f"dbt_project/models/staging/{folder}/_stg_{folder}__models.yml")
        if f"| `{table}` |" not in contracts:
            out.append(f"docs: add a row for raw table `{table}` to docs/contracts.md (Raw tables)")
    return out


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.name)
def test_endpoint_is_complete_everywhere(ep: Endpoint) -> None:
    gaps = missing_pieces(ep)
    assert not gaps, f"endpoint {ep.name!r} is incomplete:\n  " + "\n  ".join(gaps)


def test_no_orphan_source_or_staging_model() -> None:
    """A dbt source or staging model for a raw table the registry no longer declares is dead code."""
    orphans = [f"dbt source {t!r} in {SOURCES.relative_to(ROOT)}" for t in sorted(_source_tables() - set(TABLES))]
    for folder in ("crocodial", "vicidial"):
        for sql in sorted((STAGING / folder).glob("stg_*.sql")):
            table = sql.stem.split("__", 1)[1]
            ep = TABLES.get(table)
            if ep is None or staging_folder(ep) != folder:
                orphans.append(f"staging model {sql.relative_to(ROOT)} (no registry table {table!r} on {folder})")
    assert not orphans, "remove, or declare in extract/endpoints/:\n  " + "\n  ".join(orphans)


def test_missing_pieces_names_the_file_to_edit() -> None:
    """The checker itself: an endpoint with nothing around it is told every file it needs."""
    ghost = Endpoint(name="ghost", surface="goapi", module="goReports", action="ghostReport",
                     parse=lambda body, fmt: {}, raw=(Table("ghost_rows", {"id": "int"}, ("id",)),),
                     platforms=frozenset({"crocodial"}))
    gaps = "\n".join(missing_pieces(ghost))
    for where in ("extract/parsers/goapi.py", "simulator/goapi.py", "_raw__sources.yml",
                  "staging/crocodial/stg_crocodial__ghost_rows.sql", "_stg_crocodial__models.yml",
                  "docs/contracts.md"):
        assert where in gaps, (where, gaps)
