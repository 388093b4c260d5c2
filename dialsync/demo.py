"""`dialsync demo`: the whole pipeline against the built-in simulator, on loopback.

It uses exactly the code paths a production run uses (HTTP client, parsers, lake, DuckDB
publish, dbt, Dagster when available); only the dialer is simulated.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dialsync.settings import InstanceSettings, Settings, StatusFlags

DEMO_USER_ENV = "DIALSYNC_DEMO_USER"
DEMO_PASS_ENV = "DIALSYNC_DEMO_PASS"
DEMO_TZ = "America/New_York"
#: The simulated call center's campaign status (no API lists statuses): classified as an operator
#: would in dialsync.toml, `[instances.demo.campaign_statuses.10000005.APPSET]`, so nothing is unclassified.
DEMO_CAMPAIGN_STATUSES = {"10000005": {"APPSET": StatusFlags(name="Appointment Set", category="SALE",
                                                             human_answered=True, contact=True, sale=True)}}
#: dbt reads it (var wb_examples): the shipped example seeds, which name instance `demo`, apply
#: only here, never to a real configuration.
WB_EXAMPLES_ENV = "DIALSYNC_WB_EXAMPLES"


def demo_settings(data_dir: Path, base_url: str, days: int, today: date) -> Settings:
    inst = InstanceSettings(platform="crocodial", base_url=base_url, timezone=DEMO_TZ,
                            user_env=DEMO_USER_ENV, password_env=DEMO_PASS_ENV,
                            campaign_statuses=DEMO_CAMPAIGN_STATUSES, requests_per_second=200, max_concurrency=4)
    return Settings(data_dir=data_dir, instances={"demo": inst}, start_date=today - timedelta(days=days))


def run_demo(*, days: int, data_dir: Path, agents: int = 60, seed: int = 42, console: Console | None = None,
             api_user: str = "6666", api_pass: str = "1234") -> Path:
    """Serve the simulator, sync ``days`` full days + today's snapshots, build dbt, publish."""
    from simulator.server import SimConfig, SimulatorServer

    console = console or Console()
    os.environ[DEMO_USER_ENV] = api_user
    os.environ[DEMO_PASS_ENV] = api_pass
    os.environ[WB_EXAMPLES_ENV] = "1"
    t0 = time.perf_counter()
    cfg = SimConfig(seed=seed, agents=agents, timezone=DEMO_TZ, api_user=api_user, api_pass=api_pass)
    with SimulatorServer(cfg) as sim:
        console.print(f"simulator: {sim.url} (seed {seed}, {agents} agents)")
        from dialsync.service.sync import local_today

        settings = demo_settings(data_dir, sim.url, days, date.today())
        today = local_today(settings.instance("demo"))
        settings = demo_settings(data_dir, sim.url, days, today)
        path = _materialize(settings, days, today, console)
        config = _leave_config(settings, seed=seed, agents=agents)
    console.print(f"\n[bold]DuckDB file:[/bold] {path}")
    console.print(_summary(path))
    _report(path, Path(settings.data_dir) / "report.html", days, console)
    console.print(f"[bold]Dagster UI on this data:[/bold] dialsync --config {config} ui")
    console.print(f"done in {time.perf_counter() - t0:.1f} s")
    return path


def _leave_config(settings: Settings, *, seed: int, agents: int) -> Path:
    """The demo's dialsync.toml beside its data, so `dialsync ui` opens this data and these runs."""
    from dialsync.onboarding import demo_config_text

    path = (Path(settings.data_dir) / "dialsync.toml").absolute()
    path.write_text(demo_config_text(settings, seed=seed, agents=agents))
    return path


def _report(db: Path, out: Path, days: int, console: Console) -> None:
    """The HTML report; a bi column it cannot find is a warning here, not a failed demo."""
    from dialsync.report import write_report

    report = write_report(db, out, days=days + 1)
    for problem in report.problems:
        console.print(f"[yellow]report:[/yellow] {escape(problem)}")
    console.print(f"[bold]Report:[/bold] {out.absolute()}")


def _materialize(settings: Settings, days: int, today: date, console: Console) -> Path:
    """Materialize the graph the schedules run (raw daily assets, today's snapshots, dbt)."""
    import warnings

    from dagster import BetaWarning, DagsterInstance, PreviewWarning

    from dialsync.onboarding import DAGSTER_HOME_DIR, prepare_dagster_home
    from orchestration.demo import materialize_demo

    warnings.filterwarnings("ignore", category=BetaWarning)
    warnings.filterwarnings("ignore", category=PreviewWarning)
    logging.getLogger("dagster").setLevel(logging.WARNING)
    log_path = Path(settings.data_dir).absolute() / "demo-dagster.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    console.print("materializing the Dagster asset graph (raw endpoints → dbt → bi) ...")
    console.print(f"  Dagster and dbt output: {log_path}")
    # dagster-dbt streams dbt's log lines to stdout; keep the terminal for the summary
    # a kept Dagster home beside the data (not the throw-away one): `dialsync ui` shows these runs
    home = prepare_dagster_home(Path(settings.data_dir) / DAGSTER_HOME_DIR)
    with (open(log_path, "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log),
          unsynced_sqlite_under(home), DagsterInstance.from_config(str(home)) as instance):
        result = materialize_demo(settings, days=days, today=today, instance=instance)
    for run in result.runs:
        mark = "[green]ok[/green]" if run.success else "[red]FAILED[/red]"
        console.print(f"  {run.job:<10} {run.instance or '':<6} {mark} {run.seconds:5.1f} s "
                      f"{', '.join(run.failed_steps)}")
    if not result.success:
        raise RuntimeError("some Dagster runs failed (see above)")
    return result.published


@contextlib.contextmanager
def unsynced_sqlite_under(home: Path) -> Iterator[None]:
    """SQLite files under ``home`` (the demo's Dagster run history) opened with synchronous=OFF.

    Dagster's SQLite storage opens, commits and closes a connection per event, and closing the
    last connection of a WAL file checkpoints it: fsyncs on every event, ~2,500 events in a demo
    (planned, check, output, materialization events of ~350 assets and checks), at 2-50 ms an
    event here depending on the disk's other users. Without fsync a crash of the program loses nothing
    (the OS has the pages); only a power loss during the demo could lose or corrupt its run
    history, which is a demo's to lose. The warehouse (DuckDB, Parquet) and the sync ledger
    (SQLite through sqlite3, outside this home) keep their own durability. Process-wide while
    the block runs (SQLAlchemy's connect event on every Engine), so files elsewhere keep their
    settings.
    """
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    root = str(home.absolute())

    def on_connect(dbapi_connection: object, _record: object) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        files = [row[2] for row in dbapi_connection.execute("PRAGMA database_list").fetchall()]
        if any(f and Path(f).is_relative_to(root) for f in files):
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    event.listen(Engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(Engine, "connect", on_connect)


SUMMARY_SQL = """
select coalesce(c.campaign_name, f.campaign) as campaign, f.activity_date as day,
       f.dials + f.inbound_calls as calls, f.sales
from bi.campaign_daily f
left join bi.campaigns c using (campaign_key)
order by 2, 1
"""


def _summary(path: Path) -> Table:
    """Calls (outbound dials + inbound) per campaign per day, from the BI schema analysts use."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(SUMMARY_SQL).fetchall()
    finally:
        con.close()
    days = sorted({r[1] for r in rows})
    span = f"{days[0]:%Y-%m-%d} … {days[-1]:%Y-%m-%d}" if days else "no days"
    t = Table(title=f"calls per campaign per day, {span} (bi.campaign_daily)", box=box.SIMPLE_HEAD,
              pad_edge=False, collapse_padding=True)
    camps = sorted({r[0] for r in rows})
    t.add_column("campaign", no_wrap=True)
    for d in days:
        t.add_column(d.strftime("%d"), justify="right", no_wrap=True)
    t.add_column("sales", justify="right", no_wrap=True)
    grid = {(r[0], r[1]): r[2] for r in rows}
    sales: dict[str, int] = {}
    for r in rows:
        sales[r[0]] = sales.get(r[0], 0) + (r[3] or 0)
    for c in camps:
        if any(grid.get((c, d)) for d in days):
            t.add_row(c, *(str(grid.get((c, d), 0)) for d in days), str(sales[c]))
    return t
