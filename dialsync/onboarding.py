"""First steps: `dialsync init`, `dialsync ui`, and what to say when there is no configuration.

Kept out of cli.py so the command bodies stay one call each, and so the demo can leave the
same config file and Dagster home that `dialsync ui` opens.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dialsync import settings as settings_mod

#: Where `./dev demo` leaves its config (the demo's default --data-dir); `dialsync ui` falls back to it.
DEMO_CONFIG = Path("data/demo") / settings_mod.DEFAULT_CONFIG_FILE
DAGSTER_HOME_DIR = "dagster_home"
DATA_DIR_ENV = "DIALSYNC_DATA_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DAGSTER_YAML = PROJECT_ROOT / "orchestration" / "dagster.yaml"

CONFIG_TEMPLATE = """\
# dialsync configuration. Every setting can also come from the environment with the
# DIALSYNC_ prefix and __ for nesting (DIALSYNC_RESTATEMENT_DAYS=5); env beats this file.
# Check it with `dialsync config show` (secrets masked).

data_dir = "data"                 # lake under data/lake, warehouse file data/dialsync.duckdb
start_date = {start}           # first day Dagster offers for backfills
restatement_days = 3              # nightly re-pull of days whose CDRs still change
# intraday_refresh_minutes = 60   # how often today's partial partition is refreshed

# One table per dialer server. Edit base_url and timezone, then export the two env vars
# it names (never put the user or password in this file):
#   export MAIN_DIALER_USER=... MAIN_DIALER_PASS=...
[instances.main]
platform = "crocodial"            # crocodial | vicidial | dialer360
base_url = "https://dialer.example.invalid"   # your dialer's URL
timezone = "America/New_York"     # the dialer's own zone: a partition is one local day
user_env = "MAIN_DIALER_USER"     # names of env vars, never the secrets themselves
password_env = "MAIN_DIALER_PASS"
# apis = ["goapi", "lmapi", "non_agent_api"]   # surfaces this server exposes
# paths = {{ non_agent_api = "/vicidial/non_agent_api.php" }}
# requests_per_second = 20        # the client's own limit; dialers are production phone systems
# max_concurrency = 4
# dids = ["8005551212"]           # DIDs for did_log_export (platforms without inbound CDRs)
# list_ids = ["1101"]             # lists for list_info beyond those seen in the CDRs
# statuses = {{ APPSET = {{ sale = true, contact = true }} }}   # campaign statuses the seed does not know
"""


def config_text(today: date | None = None) -> str:
    """The commented starter config; start_date 30 days back so a first backfill stays small."""
    return CONFIG_TEMPLATE.format(start=((today or date.today()) - timedelta(days=30)).isoformat())


def write_config(path: Path, *, force: bool = False) -> Path:
    """Write the starter config; refuses to replace an existing file unless `force`.

    A directory (existing, or a path without a suffix) gets `dialsync.toml` inside it."""
    if path.is_dir() or not path.suffix:
        path = path / settings_mod.DEFAULT_CONFIG_FILE
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; use --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text())
    return path


def no_instances_message(config_path: Path | None) -> str:
    """What to do when nothing is configured, naming where dialsync looked."""
    where = (f"{config_path} configures no [instances.*]" if config_path is not None else
             f"no config file found (--config, ${settings_mod.CONFIG_ENV}, ./{settings_mod.DEFAULT_CONFIG_FILE})")
    return (f"{where}. Create one with `dialsync init` and edit [instances.main], "
            f"or try everything against the simulator with `./dev demo`.")


def prepare_dagster_home(path: Path) -> Path:
    """A Dagster home that exists and carries dialsync's run limits (orchestration/dagster.yaml)."""
    path = path.absolute()
    path.mkdir(parents=True, exist_ok=True)
    yaml = path / "dagster.yaml"
    if not yaml.exists() and DAGSTER_YAML.exists():
        shutil.copyfile(DAGSTER_YAML, yaml)
    return path


def demo_config_text(settings: settings_mod.Settings, *, seed: int, agents: int) -> str:
    """The demo's dialsync.toml: what `dialsync ui` loads to show the demo's data and runs.

    The simulator it names is stopped when the demo ends and the credential env vars are
    unset, so the schedules load stopped; the comment says how to bring the dialer back."""
    inst = settings.instance("demo")
    port = inst.base_url.rsplit(":", 1)[-1]
    return (
        "# Left by `dialsync demo`: `dialsync ui` opens the Dagster UI on this data and its runs.\n"
        "# The simulator below stopped with the demo; to launch runs from the UI, serve it again:\n"
        f"#   dialsync simulator serve --port {port} --seed {seed} --agents {agents} &\n"
        f"#   export {inst.user_env}=6666 {inst.password_env}=<the simulator's API password>\n"
        f'data_dir = "{Path(settings.data_dir).absolute().as_posix()}"\n'
        f"start_date = {settings.start_date.isoformat()}\n\n"
        "[instances.demo]\n"
        f'platform = "{inst.platform}"\n'
        f'base_url = "{inst.base_url}"\n'
        f'timezone = "{inst.timezone}"\n'
        f'user_env = "{inst.user_env}"\n'
        f'password_env = "{inst.password_env}"\n'
        f"requests_per_second = {inst.requests_per_second:g}\n"
        f"max_concurrency = {inst.max_concurrency}\n"
        + _status_blocks(inst)
    )


def _toml_value(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else '"' + str(v).replace('"', '\\"') + '"'


def _status_blocks(inst: settings_mod.InstanceSettings) -> str:
    """The instance's status classifications as TOML, so the config left behind counts what the demo counted."""
    out = []
    tables = [(f'[instances.demo.statuses."{code}"]', flags) for code, flags in inst.statuses.items()]
    tables += [(f'[instances.demo.campaign_statuses."{camp}"."{code}"]', flags)
               for camp, by_code in inst.campaign_statuses.items() for code, flags in by_code.items()]
    for header, flags in tables:
        body = "".join(f"{k} = {_toml_value(v)}\n" for k, v in flags.model_dump(exclude_none=True).items())
        out.append(f"\n{header}\n{body}")
    return "".join(out)


@dataclass
class UiLaunch:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    config: Path | None
    dagster_home: Path


def ui_launch(*, host: str, port: int) -> UiLaunch:
    """How to start the Dagster UI on the configured (else the demo's) data with a kept Dagster home.

    `dg dev` when this is a checkout with `[tool.dg]` in pyproject.toml, else `dagster dev -m`.
    DAGSTER_HOME from the environment wins; otherwise `<data_dir>/dagster_home`, where the demo
    records its runs."""
    config = settings_mod._config_path()
    if config is None and DEMO_CONFIG.exists():
        config = DEMO_CONFIG
        settings_mod.set_config_path(config)
    settings = settings_mod.load_settings()
    env = dict(os.environ)
    if config is not None:
        env[settings_mod.CONFIG_ENV] = str(config.absolute())
    # the UI runs from the project root: a relative data_dir must keep meaning what it means here
    env[DATA_DIR_ENV] = str(Path(settings.data_dir).absolute())
    home = prepare_dagster_home(Path(env.get("DAGSTER_HOME") or Path(settings.data_dir) / DAGSTER_HOME_DIR))
    env["DAGSTER_HOME"] = str(home)
    bin_dir = Path(sys.executable).parent
    pyproject = PROJECT_ROOT / "pyproject.toml"
    dg = bin_dir / "dg"
    if dg.exists() and pyproject.exists() and "[tool.dg]" in pyproject.read_text():
        argv = [str(dg), "dev", "--host", host, "--port", str(port)]
    else:
        argv = [str(bin_dir / "dagster"), "dev", "-m", "orchestration.definitions", "-h", host, "-p", str(port)]
    return UiLaunch(argv, env, PROJECT_ROOT, config, home)
