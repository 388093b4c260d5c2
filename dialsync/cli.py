"""The `dialsync` command line (Typer + Rich)."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dialsync import settings as settings_mod

app = typer.Typer(help="Dialer reports → Parquet lake → DuckDB → dbt, and leads back into the dialer.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
sim_app = typer.Typer(help="The built-in dialer simulator.", no_args_is_help=True)
writeback_app = typer.Typer(help="Write leads and lists back into the dialer.", no_args_is_help=True)
leads_app = typer.Typer(help="Load lead files into the dialer.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(sim_app, name="simulator")
app.add_typer(writeback_app, name="writeback")
app.add_typer(leads_app, name="leads")

DAY = "%Y-%m-%d"
console = Console()
err = Console(stderr=True)


@app.callback()
def main(
    config: Annotated[Path | None, typer.Option("--config", help="dialsync.toml path (or DIALSYNC_CONFIG).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    settings_mod.set_config_path(config)
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(message)s")
    for handler in logging.root.handlers:  # libraries that set their own logger levels still obey it
        handler.setLevel(level)


def _settings(data_dir: Path | None = None) -> settings_mod.Settings:
    try:
        return settings_mod.load_settings(**({"data_dir": data_dir} if data_dir else {}))
    except Exception as exc:
        err.print(f"[red]configuration error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(str(exc))}")
    return typer.Exit(1)


# --- config ------------------------------------------------------------------------------
@config_app.command("show")
def config_show() -> None:
    """Print the effective settings (secrets masked)."""
    console.print_json(json.dumps(_settings().masked()))


# --- simulator ---------------------------------------------------------------------------
@sim_app.command("serve")
def simulator_serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    seed: int = 42,
    agents: int = 60,
    faults: Annotated[str | None, typer.Option(help="fault spec, see simulator/faults.py")] = None,
    realism: Annotated[str, typer.Option(help="real | docs")] = "real",
    now: Annotated[str | None, typer.Option(help="fix the simulator clock (ISO datetime)")] = None,
    state: Annotated[Path | None, typer.Option(help="persist write-back state in this SQLite file")] = None,
    api_user: str = "6666",
    api_pass: Annotated[str, typer.Option(envvar="DIALSYNC_SIM_API_PASS")] = "1234",
    timezone: str = "America/New_York",
) -> None:
    """Serve a deterministic VICIdial-family call center over HTTP until Ctrl-C."""
    from simulator.serve import serve

    serve(host=host, port=port, seed=seed, agents=agents, faults=faults, realism=realism, now=now,
          state_path=str(state) if state else None, api_user=api_user, api_pass=api_pass, timezone=timezone)


# --- sync / status -----------------------------------------------------------------------
@app.command()
def sync(
    from_: Annotated[datetime | None, typer.Option("--from", formats=[DAY], help="first day")] = None,
    to: Annotated[datetime | None, typer.Option("--to", formats=[DAY], help="last day (default: --from)")] = None,
    endpoint: Annotated[list[str] | None, typer.Option("--endpoint", "-e", help="endpoint name (repeatable)")] = None,
    instance: Annotated[list[str] | None, typer.Option("--instance", "-i")] = None,
    publish: Annotated[bool, typer.Option(help="refresh the DuckDB file afterwards (no dbt)")] = True,
) -> None:
    """Pull endpoints day by day into the lake (each partition replaced atomically)."""
    from dialsync import runner

    s = _settings()
    if not s.instances:
        raise _fail(ValueError("no [instances.*] configured; see README 'Pointing it at a real dialer'"))
    start = from_.date() if from_ else date.today() - timedelta(days=1)
    end = to.date() if to else start
    try:
        n_days = len(runner.days_between(start, end))
        total = n_days * len(runner.select_endpoints(endpoint)) * len(instance or s.instances)
    except (KeyError, ValueError) as exc:
        raise _fail(exc) from None
    failures: list[str] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task("syncing", total=total)

        def on_result(r: object, ep: object, day: date) -> None:
            progress.update(task, advance=1, description=f"{getattr(ep, 'name', ep)} {day}")
            if isinstance(r, Exception):
                failures.append(str(r))

        try:
            results = runner.sync(s, start, end, endpoints=endpoint, instances=instance, on_result=on_result)
        except Exception as exc:
            raise _fail(exc) from None
    _print_results(results)
    if publish:
        res = runner.publish(s, dbt_command=None)
        console.print(f"DuckDB: {res.path}")
    if failures:
        for f in failures:
            err.print(f"[red]failed:[/red] {escape(f)}")
        raise typer.Exit(1)


def _print_results(results: list) -> None:
    t = Table(title="sync summary")
    for c in ("instance", "endpoint", "ok", "skipped", "failed", "rows", "requests"):
        t.add_column(c, justify="right" if c in {"ok", "skipped", "failed", "rows", "requests"} else "left")
    agg: dict[tuple[str, str], list[int]] = {}
    for r in results:
        a = agg.setdefault((r.instance, r.endpoint), [0, 0, 0, 0, 0])
        a[{"success": 0, "skipped": 1, "failed": 2}[r.status]] += 1
        a[3] += r.total_rows
        a[4] += r.requests
    for (inst, ep), a in agg.items():
        t.add_row(inst, ep, *map(str, a))
    console.print(t)


@app.command()
def status(
    from_: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    to: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    instance: Annotated[list[str] | None, typer.Option("--instance", "-i")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="list every partition, not only problems")] = False,
) -> None:
    """What is loaded, stale, failed or missing, per endpoint and day."""
    from dialsync import runner

    s = _settings()
    end = to.date() if to else date.today()
    start = from_.date() if from_ else end - timedelta(days=6)
    tbl = runner.status_table(s, start, end, instance)
    rows = tbl.to_pylist()
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        c = counts.setdefault((r["instance"], r["endpoint"]), {})
        c[r["state"]] = c.get(r["state"], 0) + 1
    t = Table(title=f"status {start} … {end}")
    states = ("loaded", "stale", "failed", "missing", "running")
    for c in ("instance", "endpoint", *states):
        t.add_column(c)
    for (inst, ep), c in counts.items():
        t.add_row(inst, ep, *(str(c.get(x, 0)) for x in states))
    console.print(t)
    for r in rows:
        if show_all or r["state"] in {"failed"}:
            console.print(escape(f"{r['instance']} {r['endpoint']} {r['date']}: {r['state']} {r['error'] or ''}"))


@app.command()
def transform(full_refresh: Annotated[bool, typer.Option("--full-refresh")] = False) -> None:
    """Run `dbt build` on the warehouse and publish it atomically."""
    from dialsync import runner

    s = _settings()
    cmd = ["build", *(["--full-refresh"] if full_refresh else [])]
    try:
        res = runner.publish(s, dbt_command=cmd)
    except Exception as exc:
        raise _fail(exc) from None
    console.print(f"DuckDB: {res.path}")


@app.command()
def demo(
    days: Annotated[int, typer.Option(min=1, max=400)] = 7,
    data_dir: Annotated[Path, typer.Option(help="where the lake and DuckDB file go")] = Path("data/demo"),
    agents: int = 60,
    seed: int = 42,
    sim_password: Annotated[str, typer.Option(envvar="DIALSYNC_SIM_API_PASS", hidden=True,
                                              help="API password the simulator accepts")] = "1234",
) -> None:
    """Run the whole pipeline against the built-in simulator and print a summary."""
    from dialsync.demo import run_demo

    try:
        run_demo(days=days, data_dir=data_dir, agents=agents, seed=seed, console=console, api_pass=sim_password)
    except Exception as exc:
        raise _fail(exc) from None


# --- write-back --------------------------------------------------------------------------
@writeback_app.command("run")
def writeback_run(
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="wb_* model name (repeatable)")] = None,
    instance: Annotated[str | None, typer.Option("--instance", "-i")] = None,
) -> None:
    """Apply the rows of the wb_* dbt models to the dialer, exactly once."""
    from extract.writeback.engine import run_writeback

    s = _settings()
    try:
        report = run_writeback(s, dry_run=dry_run, only=only, instance=instance, console=console)
    except Exception as exc:
        raise _fail(exc) from None
    _print_report(report)


@writeback_app.command("log")
def writeback_log(limit: int = 50, csv: Annotated[bool, typer.Option("--csv", help="every column, as CSV")] = False
                  ) -> None:
    """Recent write-back ledger rows."""
    import sys

    import pyarrow.csv as pacsv

    from extract.writeback.engine import recent_log

    tbl = recent_log(_settings(), limit=limit)
    if csv:
        sys.stdout.flush()
        pacsv.write_csv(tbl, sys.stdout.buffer)
        return
    cols = [c for c in ("created_at", "instance", "source", "operation", "row_key", "status", "lead_id",
                        "list_id", "message") if c in tbl.column_names]
    t = Table(title="write-back ledger (newest first; full rows in ops.writeback_ledger)")
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in tbl.select(cols).to_pylist():
        t.add_row(*(escape("" if v is None else str(v)) for v in r.values()))
    console.print(t)


@leads_app.command("load")
def leads_load(
    file: Path,
    list_id: Annotated[str, typer.Option("--list")] = ...,  # type: ignore[assignment]
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    instance: Annotated[str | None, typer.Option("--instance", "-i")] = None,
    mapping: Annotated[Path | None, typer.Option(help="TOML column mapping file")] = None,
) -> None:
    """Load a CSV or Parquet file of leads into a list (validated; exactly once)."""
    from extract.writeback.engine import load_leads

    s = _settings()
    try:
        report = load_leads(s, file, list_id=list_id, dry_run=dry_run, mapping=mapping, instance=instance,
                            console=console)
    except Exception as exc:
        raise _fail(exc) from None
    _print_report(report)


def _print_report(report: object) -> None:
    """Counts, then each rejection with its field and rule; exit 1 when rows are left failed."""
    console.print(escape(report.summary()))  # type: ignore[attr-defined]
    for r in getattr(report, "rejections", [])[:50]:
        console.print(escape(f"  rejected: {r}"))
    for e in getattr(report, "errors", []):
        err.print(f"[red]error:[/red] {escape(str(e))}")
    if getattr(report, "failed", 0) or getattr(report, "errors", None):
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
