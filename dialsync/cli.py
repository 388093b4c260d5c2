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
from rich.table import Table

from dialsync import settings as settings_mod

app = typer.Typer(help="Dialer reports → Parquet lake → DuckDB → dbt, and leads back into the dialer.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
sim_app = typer.Typer(help="The built-in dialer simulator.", no_args_is_help=True)
writeback_app = typer.Typer(help="Write leads and lists back into the dialer.", no_args_is_help=True)
leads_app = typer.Typer(help="Load lead files into the dialer.", no_args_is_help=True)
auth_app = typer.Typer(help="The auth circuit breaker (stops an instance after a login error).",
                       no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(auth_app, name="auth")
app.add_typer(sim_app, name="simulator")
app.add_typer(writeback_app, name="writeback")
app.add_typer(leads_app, name="leads")

DAY = "%Y-%m-%d"
console = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from dialsync import __version__

        console.print(f"dialsync {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    config: Annotated[Path | None, typer.Option("--config", help="dialsync.toml path (or DIALSYNC_CONFIG).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    settings_mod.set_config_path(config)
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(message)s")
    for handler in logging.root.handlers:  # libraries that set their own logger levels still obey it
        handler.setLevel(level)


def _settings(data_dir: Path | None = None) -> settings_mod.Settings:
    """The settings, or exit 2 with one `config error: <field>: <rule>` line per problem."""
    try:
        return settings_mod.load_settings(**({"data_dir": data_dir} if data_dir else {}))
    except settings_mod.ConfigError as exc:
        for line in exc.lines:
            err.print(escape(line), highlight=False, soft_wrap=True)
    except Exception as exc:
        err.print(escape(f"config error: {exc}"), highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _usage(message: str) -> typer.Exit:
    """A bad argument: one line, exit 2, before any request."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _key_message(exc: KeyError) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
    return typer.Exit(1)


# --- config ------------------------------------------------------------------------------
@config_app.command("show")
def config_show() -> None:
    """Print the effective settings (secrets masked) and each instance's auth circuit."""
    from dialsync import runner

    s = _settings()
    shown = s.masked()
    for name, state in runner.circuit_states(s).items():
        shown["instances"][name]["auth_circuit"] = state
    console.print_json(json.dumps(shown))


# --- auth --------------------------------------------------------------------------------
@auth_app.command("reset")
def auth_reset(instance: Annotated[str | None, typer.Option("--instance", "-i")] = None) -> None:
    """Close the auth circuit (after fixing the credentials or unlocking the account)."""
    from dialsync import runner

    s = _settings()
    try:
        cleared = runner.reset_circuit(s, instance)
    except KeyError as exc:
        raise _usage(_key_message(exc)) from None
    for name, was_open in cleared.items():
        console.print(escape(f"{name}: auth circuit {'reset (was open)' if was_open else 'was not open'}"))


@auth_app.command("status")
def auth_status() -> None:
    """Each instance's auth circuit: closed, or open since when and why."""
    from dialsync import runner

    for name, state in runner.circuit_states(_settings()).items():
        console.print(escape(f"{name}: auth circuit {state}"), highlight=False)


# --- simulator ---------------------------------------------------------------------------
@sim_app.command("serve")
def simulator_serve(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8080,
    seed: int = 42,
    agents: Annotated[int, typer.Option(min=1, max=5000)] = 60,
    faults: Annotated[str | None, typer.Option(help="fault spec, see simulator/faults.py")] = None,
    realism: Annotated[str, typer.Option(help="real | docs")] = "real",
    now: Annotated[str | None, typer.Option(help="fix the simulator clock (ISO datetime)")] = None,
    state: Annotated[Path | None, typer.Option(help="persist write-back state in this SQLite file")] = None,
    api_user: str = "6666",
    api_pass: Annotated[str, typer.Option(envvar="DIALSYNC_SIM_API_PASS")] = "1234",
    timezone: str = "America/New_York",
) -> None:
    """Serve a deterministic VICIdial-family call center over HTTP until Ctrl-C."""
    from zoneinfo import ZoneInfo

    from simulator.faults import FaultSpecError, parse_spec
    from simulator.serve import serve

    try:
        parse_spec(faults)
    except (FaultSpecError, ValueError) as exc:
        raise _usage(f"--faults: {exc}") from None
    if realism not in ("real", "docs"):
        raise _usage(f"--realism must be real or docs (got {realism!r})")
    try:
        ZoneInfo(timezone)
        if now:
            datetime.fromisoformat(now)
    except ValueError as exc:
        raise _usage(f"--timezone/--now: {exc}") from None
    except Exception:
        raise _usage(f"--timezone must be an IANA zone name like America/New_York (got {timezone!r})") from None

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
    before_start: Annotated[bool, typer.Option("--before-start",
                                               help="allow --from before the configured start_date")] = False,
) -> None:
    """Pull endpoints day by day into the lake (each partition replaced atomically).

    Refused before any request: --from after --to, a range over 3660 days, --to past tomorrow
    or --from in the future in an instance's zone, --from before start_date (without
    --before-start). An instance whose auth circuit is open, or whose server reports another
    time zone, is stopped with one message; the exit code is then 1."""
    from dialsync import runner

    s = _settings()
    if not s.instances:
        raise _fail(ValueError("no [instances.*] configured; see README 'Pointing it at a real dialer'"))
    start = from_.date() if from_ else date.today() - timedelta(days=1)
    end = to.date() if to else start
    try:
        eps = runner.select_endpoints(endpoint)
    except KeyError as exc:
        raise _fail(ValueError(_key_message(exc))) from None
    except ValueError as exc:
        raise _fail(exc) from None
    try:
        runner.check_sync_range(s, start, end, instance, before_start=before_start)
    except KeyError as exc:
        raise _usage(_key_message(exc)) from None
    except ValueError as exc:
        raise _usage(str(exc)) from None
    from dialsync.progress import planned_partitions, sync_progress

    plan = planned_partitions(s, start, end, eps, list(instance or s.instances), named=bool(endpoint))
    with sync_progress(err, plan) as tracker:
        try:
            results = runner.sync(s, start, end, endpoints=endpoint, instances=instance, on_result=tracker.on_result)
        except Exception as exc:
            raise _fail(exc) from None
    failures = tracker.failures
    _print_results(results)
    for (inst, note), names in _notes(results).items():  # e.g. dimension snapshots a backfill took
        console.print(escape(f"{inst}: {note}: {', '.join(names)}"), highlight=False, soft_wrap=True)
    if publish:
        res = runner.publish(s, dbt_command=None)
        console.print(f"DuckDB: {res.path}")
    if failures:
        for f in failures:
            err.print(f"[red]failed:[/red] {escape(f)}", soft_wrap=True)
        raise typer.Exit(1)


def _notes(results: list) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for r in results:
        if r.status == "success" and r.message:
            out.setdefault((r.instance, r.message), []).append(r.endpoint)
    return out


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
    from dialsync.onboarding import no_instances_message

    s = _settings()
    if not s.instances:
        err.print(f"[red]error:[/red] {escape(no_instances_message(settings_mod._config_path()))}", soft_wrap=True)
        raise typer.Exit(2)
    end = to.date() if to else date.today()
    start = from_.date() if from_ else end - timedelta(days=6)
    try:
        tbl = runner.status_table(s, start, end, instance)
    except KeyError as exc:
        raise _usage(_key_message(exc)) from None
    except ValueError as exc:
        raise _usage(str(exc)) from None
    rows = tbl.to_pylist()
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        c = counts.setdefault((r["instance"], r["endpoint"]), {})
        c[r["state"]] = c.get(r["state"], 0) + 1
    t = Table(title=f"status {start} … {end}")
    every = ("loaded", "stale", "failed", "blocked", "interrupted", "missing", "running")
    # only the states that occur (and loaded): the table must fit an 80-column terminal
    states = tuple(x for x in every if x == "loaded" or any(c.get(x) for c in counts.values()))
    t.add_column("instance", no_wrap=True)
    t.add_column("endpoint", no_wrap=True)
    for c in states:
        t.add_column(c, justify="right")
    for (inst, ep), c in counts.items():
        t.add_row(inst, ep, *(str(c.get(x, 0)) for x in states))
    console.print(t)
    for r in rows:
        if show_all or r["state"] in {"failed", "blocked", "interrupted"}:
            console.print(escape(f"{r['instance']} {r['endpoint']} {r['date']}: {r['state']} {r['error'] or ''}"))
    for u in runner.unclassified_statuses(s, instance):  # counted as neither sale nor non-sale until classified
        console.print(escape(f"unclassified status {u['instance']} {u['status_code']}: {u['calls']} calls "
                             f"({u['first_seen_date']} … {u['last_seen_date']}; {u['campaigns'] or '-'}): "
                             f"classify it in dialsync.toml [instances.{u['instance']}.statuses.{u['status_code']}]"))
    for name, state in runner.circuit_states(s).items():
        if instance and name not in instance:
            continue
        line = f"{name}: auth circuit {state}"
        console.print(f"[red]{escape(line)}[/red]" if state.startswith("open") else escape(line), highlight=False)
        if off := runner.opt_in_off(s.instance(name)):  # fan-outs no mart of the platform reads
            console.print(escape(f"{name}: opt-in, not synced: {', '.join(off)} "
                                 f"(enable with [instances.{name}] extra_endpoints)"), highlight=False)


@app.command()
def transform(full_refresh: Annotated[bool, typer.Option("--full-refresh")] = False) -> None:
    """Run `dbt build` on the warehouse and publish it atomically."""
    from dialsync import runner
    from warehouse.dbt import PRODUCTION_BUILD

    s = _settings()
    cmd = [*PRODUCTION_BUILD, *(["--full-refresh"] if full_refresh else [])]
    try:
        res = runner.publish(s, dbt_command=cmd)
    except Exception as exc:
        raise _fail(exc) from None
    console.print(f"DuckDB: {res.path}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def dbt(ctx: typer.Context) -> None:
    """Run any dbt command (`dialsync dbt run -s fct_calls+`) the production way: in a private copy
    of the warehouse, published atomically on success. (`cd dbt_project && dbt …` builds a dev file.)"""
    from dialsync import runner

    if not ctx.args:
        raise typer.BadParameter("give a dbt command, e.g. `dialsync dbt build` or `dialsync dbt run -s fct_calls+`")
    try:
        res = runner.publish(_settings(), dbt_command=list(ctx.args))
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


# --- onboarding and pictures ------------------------------------------------------------
@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="file or directory")] = Path(settings_mod.DEFAULT_CONFIG_FILE),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write a commented dialsync.toml to edit (never with credentials: it names env vars)."""
    from dialsync.onboarding import write_config

    try:
        written = write_config(path, force=force)
    except FileExistsError as exc:
        raise _fail(exc) from None
    console.print(escape(f"wrote {written}: edit [instances.main], export the env vars it names, "
                         "then `dialsync config show`"), highlight=False, soft_wrap=True)


@app.command()
def ui(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 3000,
) -> None:
    """Open the Dagster UI on the configured data (else the demo's), with its runs and schedules."""
    import os

    from dialsync.onboarding import ui_launch

    try:
        launch = ui_launch(host=host, port=port)
    except settings_mod.ConfigError as exc:
        for line in exc.lines:
            err.print(escape(line), highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except Exception as exc:
        raise _fail(exc) from None
    err.print(escape(f"config: {launch.config or 'none (environment only)'}; DAGSTER_HOME: {launch.dagster_home}; "
                     f"http://{host}:{port}"), highlight=False, soft_wrap=True)
    os.chdir(launch.cwd)
    os.execve(launch.argv[0], launch.argv, launch.env)


@app.command()
def report(
    out: Annotated[Path | None, typer.Option("--out", help="HTML file (default <data_dir>/report.html)")] = None,
    days: Annotated[int, typer.Option(min=1, max=3660, help="days back from the latest loaded day")] = 30,
) -> None:
    """Write one self-contained HTML report (charts, scorecard, funnel, abandonment, checks)."""
    from dialsync.report import write_report

    s = _settings()
    target = out or Path(s.data_dir) / "report.html"
    try:
        rep = write_report(s.duckdb_path, target, days=days)
    except Exception as exc:
        raise _fail(exc) from None
    for problem in rep.problems:
        err.print(f"[yellow]warning:[/yellow] {escape(problem)}", soft_wrap=True)
    console.print(escape(f"report: {target.absolute()} ({rep.start} … {rep.end})"), highlight=False, soft_wrap=True)
    if rep.problems:
        raise typer.Exit(1)


# --- write-back --------------------------------------------------------------------------
@writeback_app.command("run")
def writeback_run(
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="wb_* model name (repeatable)")] = None,
    instance: Annotated[str | None, typer.Option("--instance", "-i")] = None,
    allow_destructive: Annotated[bool, typer.Option(
        "--allow-destructive", help="send deactivations/resets/deletes over the per-run cap "
        "(writeback_max_destructive_share) or reversing a change of the last 24 h")] = False,
) -> None:
    """Apply the rows of the wb_* dbt models to the dialer, exactly once."""
    from dialsync.service.writeback import run_writeback
    from dialsync.service.writeback_console import console_hooks

    s = _settings()
    try:
        report = run_writeback(s, dry_run=dry_run, only=only, instance=instance, hooks=console_hooks(console),
                               allow_destructive=allow_destructive)
    except Exception as exc:
        raise _fail(exc) from None
    _print_report(report)


@writeback_app.command("log")
def writeback_log(
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
    csv: Annotated[bool, typer.Option("--csv", help="every column, as CSV")] = False,
) -> None:
    """Recent write-back ledger rows."""
    import sys

    from dialsync.service.writeback import ledger_csv, recent_log

    tbl = recent_log(_settings(), limit=limit)
    if csv:  # spreadsheet-safe: formula-like cells defused (OWASP CSV injection)
        sys.stdout.flush()
        sys.stdout.buffer.write(ledger_csv(tbl))
        sys.stdout.buffer.flush()
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
    from dialsync.service.writeback import load_leads
    from dialsync.service.writeback_console import console_hooks

    s = _settings()
    try:
        report = load_leads(s, file, list_id=list_id, dry_run=dry_run, mapping=mapping, instance=instance,
                            hooks=console_hooks(console))
    except Exception as exc:
        raise _fail(exc) from None
    _print_report(report)


def _print_report(report: object) -> None:
    """Counts, then each rejection (row, row_key, field, rule) and warning (unmapped columns);
    exit 1 when the plan could not apply, rows failed, or every row was invalid (report.ok)."""
    console.print(escape(report.summary()))  # type: ignore[attr-defined]
    rejections = getattr(report, "rejections", [])
    for r in rejections[:50]:
        console.print(escape(f"  rejected: {r}"))
    if len(rejections) > 50:
        console.print(f"  … and {len(rejections) - 50} more (dialsync writeback log)")
    for w in getattr(report, "warnings", []):
        err.print(f"[yellow]warning:[/yellow] {escape(str(w))}")
    for e in getattr(report, "errors", []):
        err.print(f"[red]error:[/red] {escape(str(e))}")
    if not getattr(report, "ok", True):
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
