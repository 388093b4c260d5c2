"""Run dbt against a warehouse file (used by the CLI; Dagster uses dagster-dbt)."""

from __future__ import annotations

import os
from pathlib import Path

from dbt_project import DBT_PROJECT_DIR

#: what a production build runs: every model, snapshot, seed and data test, not the unit tests
#: (they test the SQL, not the data: the test suite runs them, dbt advises leaving them out here)
PRODUCTION_BUILD = ("build", "--exclude-resource-type", "unit_test")


def dbt_env(duckdb_path: Path) -> dict[str, str]:
    """The build file for dbt; naming it selects the prod target (profiles.yml; dev is the analyst's default)."""
    return {"DIALSYNC_DUCKDB_PATH": str(Path(duckdb_path).absolute())}


def dbt_flags(work_dir: Path) -> list[str]:
    """Keep dbt's target/ and logs/ out of the (possibly read-only) installed project."""
    return [
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(Path(work_dir).absolute() / "dbt_target"),
        "--log-path", str(Path(work_dir).absolute() / "dbt_logs"),
    ]


def run_dbt(command: list[str], duckdb_path: Path, work_dir: Path, vars_: dict | None = None) -> None:
    """Run a dbt command in-process; raise with dbt's own message on failure."""
    import json

    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_env(duckdb_path))
    args = [*command, *dbt_flags(work_dir)]
    if vars_:
        args += ["--vars", json.dumps(vars_)]
    res = dbtRunner().invoke(args)
    if not res.success:
        failed = []
        for r in getattr(res.result, "results", None) or []:
            if str(getattr(r, "status", "")).lower() in {"error", "fail", "runtime error"}:
                failed.append(f"{r.node.unique_id}: {r.message}")
        detail = "; ".join(failed[:10]) or (str(res.exception) if res.exception else "see dbt logs")
        raise RuntimeError(f"dbt {' '.join(command)} failed: {detail}")
