"""Run dbt against a warehouse file (used by the CLI; Dagster uses dagster-dbt)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from dbt_project import DBT_PROJECT_DIR

#: what a production build runs: every model, snapshot, seed and data test, not the unit tests
#: (they test the SQL, not the data: the test suite runs them, dbt advises leaving them out here)
PRODUCTION_BUILD = ("build", "--exclude-resource-type", "unit_test")
#: A build whose window spans more days than this builds the incremental models that many days at
#: a time first. A year of a 500-seat center (55M calls) in one query spilled 40 GB to disk and ran
#: past 10 minutes in int_calls alone (bench/year.py); a month fits in memory.
BATCH_DAYS = 31
INCREMENTAL = "config.materialized:incremental"
#: Data tests of a relation that holds no day and reads the whole history whatever the window (the
#: write-back view wb_lead_updates: every lead's last calls). A windowed build (the nightly run)
#: leaves them out, so its cost follows the restated days: from 14 to 90 days of a 500-seat center's
#: history they were most of its growth (bench/year.py --days 90). A build without a window, and the
#: last step of a batched one (`full_tests`), run them; the write-back run validates every row it sends
#: (field rules, duplicate row keys).
WHOLE_HISTORY = "tag:whole_history"
_ENV_LOCK = threading.RLock()
#: the dbt invocations of one build: (arguments, --vars)
Steps = list[tuple[list[str], dict | None]]


def batched(command: Sequence[str], dbt_vars: dict | None, span: tuple[date, date] | None,
            batch_days: int = BATCH_DAYS) -> Steps:
    """``command`` as one invocation, or, for a `build` whose window (``dbt_vars``' start/end
    dates, else ``span``: every day there is) is longer than ``batch_days``, in batches:

    1. the incremental models and what they read, over the first batch of days (`build_batch`
       makes a model that does not exist yet, or is fully refreshed, hold that batch only);
    2. the incremental models over each following batch but the last (incremental runs: each
       deletes and re-inserts its window, as a nightly run does);
    3. ``command`` itself over the last batch: every other model and every data test, once,
       over every row (`full_tests`: a windowed build tests only its window, macros/window.sql).

    The result equals one build over the window, since a full refresh and any sequence of
    windowed runs give the same tables (macros/window.sql); the reconciliation tests hold it."""
    vars_ = dict(dbt_vars or {})
    start = date.fromisoformat(vars_["start_date"]) if vars_.get("start_date") else (span[0] if span else None)
    end = date.fromisoformat(vars_["end_date"]) if vars_.get("end_date") else (span[1] if span else None)
    if not command or command[0] != "build" or start is None or end is None or (end - start).days < batch_days:
        return [(scoped(command, dbt_vars), dbt_vars)]
    bounds = []
    day = start
    while day <= end:
        bounds.append((day, min(day + timedelta(days=batch_days - 1), end)))
        day += timedelta(days=batch_days)

    def window(b: tuple[date, date], **extra: object) -> dict:
        return {**vars_, "start_date": b[0].isoformat(), "end_date": b[1].isoformat(), **extra}

    refresh = ["--full-refresh"] if "--full-refresh" in command else []
    steps: Steps = [(["build", "--select", f"+{INCREMENTAL}", "--exclude-resource-type", "test",
                      "--exclude-resource-type", "unit_test", *refresh], window(bounds[0], build_batch=True))]
    steps += [(["run", "--select", INCREMENTAL], window(b)) for b in bounds[1:-1]]
    steps.append(([c for c in command if c != "--full-refresh"], window(bounds[-1], full_tests=True)))
    return steps


def scoped(command: Sequence[str], dbt_vars: dict | None) -> list[str]:
    """``command``, leaving out the whole-history tests (`WHOLE_HISTORY`) when it is a windowed
    `build` or `test` that does not ask for every row (`full_tests`)."""
    vars_ = dbt_vars or {}
    windowed = bool(vars_.get("start_date") or vars_.get("end_date")) and not vars_.get("full_tests")
    if not command or command[0] not in ("build", "test") or not windowed:
        return list(command)
    return [*command, "--exclude", WHOLE_HISTORY]


#: The vars that change from one run to the next (the window and a batch's flags) reach dbt as
#: environment variables, read by macros/window.sql at execution only: any change of `--vars` makes
#: dbt parse the whole project again (5 s in-process, 13 s for a `dbt` process: every nightly run
#: and every batch of a backfill paid it), while an env var read only when `execute` is true leaves
#: the partial parse intact. `--vars` still wins (an analyst's `dbt build --vars ...`).
RUN_VARS = {name: f"DIALSYNC_DBT_{name.upper()}" for name in ("start_date", "end_date", "build_batch", "full_tests")}


def dbt_env(duckdb_path: Path, dbt_vars: dict | None = None) -> dict[str, str]:
    """The environment of a dbt invocation: the build file (naming it selects the prod target,
    profiles.yml; dev is the analyst's default) and the run vars ("" for unset)."""
    run = {env: _env_value((dbt_vars or {}).get(name)) for name, env in RUN_VARS.items()}
    return {"DIALSYNC_DUCKDB_PATH": str(Path(duckdb_path).absolute()), **run}


def _env_value(v: object) -> str:
    if v is None or v is False:
        return ""
    return "true" if v is True else str(v)


def vars_args(dbt_vars: dict | None) -> list[str]:
    """`--vars` for the vars that still go that way (none of `RUN_VARS`), or nothing."""
    rest = {k: v for k, v in (dbt_vars or {}).items() if k not in RUN_VARS}
    return ["--vars", json.dumps(rest)] if rest else []


@contextmanager
def environment(duckdb_path: Path, dbt_vars: dict | None = None) -> Iterator[None]:
    """`dbt_env` in os.environ for the block (dbt in this process, or a dbt process spawned in
    it), the previous values back after it; one block at a time per process."""
    env = dbt_env(duckdb_path, dbt_vars)
    with _ENV_LOCK:
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


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
    from dbt.cli.main import dbtRunner

    args = [*command, *dbt_flags(work_dir), *vars_args(vars_)]
    with environment(duckdb_path, vars_):
        res = dbtRunner().invoke(args)
    if not res.success:
        failed = []
        for r in getattr(res.result, "results", None) or []:
            if str(getattr(r, "status", "")).lower() in {"error", "fail", "runtime error"}:
                failed.append(f"{r.node.unique_id}: {r.message}")
        detail = "; ".join(failed[:10]) or (str(res.exception) if res.exception else "see dbt logs")
        raise RuntimeError(f"dbt {' '.join(command)} failed: {detail}")
