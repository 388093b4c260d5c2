"""The dbt project as Dagster assets (dagster-dbt), and the run that publishes the warehouse.

- The manifest is parsed when the code location loads, into a target dir under the data dir
  keyed by a hash of the project files, so a fresh clone, CI and an installed wheel (whose
  project dir may be read-only) all work, and an unchanged project is not re-parsed.
- Every dbt source `raw.<table>` maps to the raw asset of the endpoint that writes that
  table, so lineage runs from the dialer endpoint to the marts.
- The dbt step is the only writer of the DuckDB file: it builds in a private copy
  (`warehouse.catalog.building`) and renames it over the published file on success, so a BI
  tool holding the file open never blocks or breaks a run.
"""


import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Definitions
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from dbt_project import DBT_PROJECT_DIR
from dialsync import runner
from dialsync.settings import Settings
from extract.registry import TABLES
from extract.typing import raw_schemas
from orchestration.partitions import run_window
from orchestration.resources import WarehouseResource
from warehouse import catalog
from warehouse.dbt import PRODUCTION_BUILD, batched, dbt_env, environment, run_dbt, vars_args

_PROJECT_GLOBS = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml", "models/**/*",
                  "macros/**/*", "seeds/**/*", "snapshots/**/*", "tests/**/*", "analyses/**/*")


def dbt_executable() -> str:
    """The `dbt` next to this interpreter (PATH may not include the venv's bin)."""
    here = Path(sys.executable).parent / "dbt"
    return str(here) if here.exists() else (shutil.which("dbt") or "dbt")


def project_hash(project_dir: Path = DBT_PROJECT_DIR) -> str:
    h = hashlib.sha256()
    files = sorted({p for g in _PROJECT_GLOBS for p in project_dir.glob(g) if p.is_file()})
    for p in files:
        h.update(str(p.relative_to(project_dir)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def prepare_manifest(settings: Settings, project_dir: Path = DBT_PROJECT_DIR, root: Path | None = None) -> Path:
    """`dbt parse` into `<data_dir>/.dagster/dbt/<hash>/`; reused while the project is unchanged.

    It parses with the profile a build has (the build file of this data dir), so the first build
    starts from its partial parse (`seed_partial_parse`) instead of parsing the project again."""
    root = root or settings.data_dir / ".dagster" / "dbt"
    target = (root / project_hash(project_dir)).absolute()
    manifest = target / "manifest.json"
    if manifest.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **dbt_env(catalog.build_file(settings.duckdb_path)), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [dbt_executable(), "parse", "--quiet", "--project-dir", str(project_dir), "--profiles-dir",
           str(project_dir), "--target-path", str(target), "--log-path", str(target / "logs")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0 or not manifest.exists():
        raise RuntimeError(f"dbt parse failed ({proc.returncode}): {(proc.stdout + proc.stderr)[-4000:]}")
    return target


def seed_partial_parse(manifest_dir: Path, run_target: Path) -> None:
    """Start a run target that has no partial parse yet from the code location's `dbt parse`
    (a full parse is ~8 s of a first build: the demo's). dbt checks the file against the project,
    vars and profile itself, and parses everything again if any differ."""
    seed, dest = manifest_dir / "partial_parse.msgpack", run_target / "partial_parse.msgpack"
    if seed.exists() and not dest.exists():
        run_target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seed, dest)


class DialsyncTranslator(DagsterDbtTranslator):
    """raw.<table> → ["raw", <endpoint owning the table>]; groups by the project's layer folder."""

    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True,
                                                      enable_duplicate_source_asset_keys=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props.get("resource_type") == "source" and dbt_resource_props.get("source_name") == "raw":
            table = dbt_resource_props["name"]
            owner = TABLES.get(table)
            if owner is not None:
                return AssetKey(["raw", owner.name])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "source":
            return "raw"
        fqn = dbt_resource_props.get("fqn") or []
        if dbt_resource_props.get("resource_type") == "snapshot":
            return "snapshots"
        return fqn[1] if len(fqn) > 2 else "dbt"


def defs(settings: Settings, manifest_root: Path | None = None) -> Definitions:
    """The dbt slice: every model as an asset, and the `dbt` resource."""
    target = prepare_manifest(settings, root=manifest_root)
    project = DbtProject(project_dir=DBT_PROJECT_DIR, target_path=target, profiles_dir=DBT_PROJECT_DIR)

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=DialsyncTranslator(),
                name="dbt_warehouse")
    def dbt_warehouse(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        """Build the selected models in a private copy of the warehouse, then publish it atomically."""
        s = warehouse.settings
        start, end = run_window(context.run.tags, s)
        dbt_vars = {"start_date": start, "end_date": end}
        # a long window (a year's backfill) builds its incremental models a month at a time first
        *batches, (final, final_vars) = batched(PRODUCTION_BUILD, dbt_vars, warehouse.ledger.day_span())
        context.log.info(f"dbt build window: {dbt_vars}" + (f", in {len(batches) + 1} batches" if batches else ""))
        work = Path(project.target_path) / "run"  # one stable target dir (partial parsing)
        seed_partial_parse(Path(project.target_path), work / "dbt_target")
        with catalog.building(warehouse.published) as build:
            kinds = catalog.prepare(build, warehouse.lake, runner.ops_tables(s), raw_schemas())
            context.log.info(f"raw views refreshed in {build.name}: {sum(k == 'lake' for k in kinds.values())} "
                             f"with data, {sum(k == 'empty' for k in kinds.values())} empty")
            for args, vars_ in batches:  # in this process, as the CLI runs them: a dbt process per
                # batch paid ~5 s of start-up each; no events: the final build reports every model once
                context.log.info(f"dbt {' '.join(args)} for {vars_['start_date']} … {vars_['end_date']}")
                run_dbt(args, build, work, vars_)
            with environment(build, final_vars):  # the dbt process inherits it when it starts
                invocation = dbt.cli([*final, *vars_args(final_vars)], context=context, target_path=work / "dbt_target")
            yield from invocation.stream()
        context.log.info(f"published {warehouse.published}")

    dbt = DbtCliResource(project_dir=project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())
    return Definitions(assets=[dbt_warehouse], resources={"dbt": dbt})
