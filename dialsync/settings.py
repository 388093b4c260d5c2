"""One typed settings object: `dialsync.toml` + `DIALSYNC_*` env vars.

Secrets never live in the file or in this object's fields: an instance names the env vars
that hold its user and password, and they are read only when a client is built, as
`SecretStr`, so a repr, a log line or `config show` cannot print them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from extract.platforms import DEFAULT_PATHS, PLATFORM_SURFACES, Platform, Surface

if TYPE_CHECKING:
    from extract.registry import Endpoint

CONFIG_ENV = "DIALSYNC_CONFIG"
DEFAULT_CONFIG_FILE = "dialsync.toml"


class MissingSecretError(RuntimeError):
    """An env var named by the config for a credential is unset (its value is never shown)."""


StatusCategory = Literal["SALE", "CONTACT", "CALLBACK", "DNC", "NO_ANSWER", "BUSY", "MACHINE", "BAD_NUMBER",
                         "DROP", "SYSTEM"]


class StatusFlags(BaseModel):
    """How one dialer status counts in the marts, where the dbt seed `status_categories` does not say
    (or says it differently for this installation). No non_agent_api function lists statuses or
    their flags, so campaign statuses (e.g. APPSET with sale=Y) must be declared here. A flag left
    unset keeps the seed's value (false for a status the seed does not know)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, description="status name croco-dial reports print, e.g. 'Appointment Set'")
    category: StatusCategory | None = None
    human_answered: bool | None = None
    contact: bool | None = None
    sale: bool | None = None
    drop: bool | None = None


class InstanceSettings(BaseModel):
    """One dialer server. Names, not values, of the credential env vars."""

    model_config = ConfigDict(extra="forbid")

    platform: Platform
    base_url: str
    timezone: str = "America/New_York"
    user_env: str
    password_env: str
    apis: list[Surface] | None = Field(default=None, description="surfaces this server exposes")
    paths: dict[str, str] = Field(default_factory=dict, description="per-surface path overrides")
    responsetype: Literal["json", "xml"] = "json"
    # Bounds say what a production dialer can bear and what the code needs: 0 connections
    # hangs, 0 requests/s would mean "unlimited", 0 attempts never asks.
    timeout_s: float = Field(120.0, gt=0, le=3600)
    max_attempts: int = Field(6, ge=1, le=20)
    max_concurrency: int = Field(4, ge=1, le=64)
    requests_per_second: float = Field(20.0, gt=0, le=1000)
    #: days a multi-day CLI sync pulls at once (within the same rate limit and max_concurrency):
    #: one day's parsing overlaps another's waiting on the dialer; each holds its day in memory
    parallel_days: int = Field(2, ge=1, le=16)
    # 0 turns the "result at the server's limit is probably truncated" check off (benchmarks)
    result_limit: int = Field(100_000, ge=0, description=(
        "rows at which an answer is taken as truncated: VICIdial's documented 100000; croco-dial "
        "goReports truncation is undocumented and assumed at the same limit. An answer reaching it "
        "is split (phone batches halved; goReports re-asked per tenant[], then profile[], or user[]), "
        "never stored cut"))
    # lead_status_search answers at most this many leads (2000 in the docs); 0: no check
    lead_search_limit: int = Field(1000, ge=0)
    phone_batch_size: int = Field(200, ge=1, le=10_000)
    dids: list[str] = Field(default_factory=list, description="DIDs for did_log_export beyond those in inbound CDRs")
    list_ids: list[str] = Field(default_factory=list, description="lists for list_info beyond those seen in CDRs")
    statuses: dict[str, StatusFlags] = Field(default_factory=dict,
                                             description="status code -> flags, for every campaign of the instance")
    campaign_statuses: dict[str, dict[str, StatusFlags]] = Field(
        default_factory=dict, description="campaign id -> status code -> flags (wins over `statuses`)")
    extra_endpoints: list[str] = Field(default_factory=list, description=(
        "opt-in endpoints to sync too: fan-outs no mart of this platform reads (croco-dial: "
        "phone_number_log, did_log_export, lead_status_search; every platform: recording_lookup)"))
    start_date: date | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone must be an IANA zone name like 'America/New_York', got {v!r}") from exc
        return v

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {v!r}")
        return v.rstrip("/")

    @model_validator(mode="after")
    def _surfaces_exist(self) -> InstanceSettings:
        offered = PLATFORM_SURFACES[self.platform]
        for s in self.apis or ():
            if s not in offered and s not in self.paths:
                raise ValueError(f"apis: platform {self.platform} has no {s!r} surface (has {list(offered)})")
        return self

    @model_validator(mode="after")
    def _extra_endpoints_opt_in(self) -> InstanceSettings:
        from extract.registry import BY_NAME, ENDPOINTS

        optional = [e.name for e in ENDPOINTS if self.platform in e.opt_in]
        for name in self.extra_endpoints:
            ep = BY_NAME.get(name)
            if ep is None or self.platform not in ep.opt_in:
                raise ValueError(f"extra_endpoints: {name!r} is not an opt-in endpoint of platform {self.platform} "
                                 f"(opt-in there: {', '.join(optional) or 'none'})")
        return self

    def offers(self, ep: Endpoint) -> bool:
        """Whether this instance's platform and surfaces have ``ep`` at all."""
        return ep.supported_on(self.platform, self.surfaces)

    def runs(self, ep: Endpoint) -> bool:
        """Whether default runs (CLI sync without -e, Dagster jobs, status) sync ``ep`` here."""
        return ep.runs_on(self.platform, self.surfaces, self.extra_endpoints)

    @property
    def surfaces(self) -> tuple[str, ...]:
        return tuple(self.apis) if self.apis else PLATFORM_SURFACES[self.platform]

    def path(self, surface: str, module: str | None = None) -> str:
        tmpl = self.paths.get(surface) or DEFAULT_PATHS[self.platform].get(surface)
        if tmpl is None:
            raise ValueError(f"platform {self.platform} has no {surface} surface")
        return tmpl.format(module=module or "")

    def credentials(self) -> tuple[str, SecretStr]:
        """Read user and password from the environment now (never at import time)."""
        user = os.environ.get(self.user_env)
        password = os.environ.get(self.password_env)
        missing = [n for n, v in ((self.user_env, user), (self.password_env, password)) if not v]
        if missing:
            raise MissingSecretError(f"credential env var(s) not set: {', '.join(missing)}")
        return str(user), SecretStr(str(password))


class Settings(BaseSettings):
    """Everything dialsync needs to know; file < env < explicit arguments."""

    model_config = SettingsConfigDict(
        env_prefix="DIALSYNC_", env_nested_delimiter="__", extra="forbid", toml_file=None
    )

    data_dir: Path = Path("data")
    instances: dict[str, InstanceSettings] = Field(default_factory=dict)
    start_date: date = date(2025, 1, 1)
    restatement_days: int = Field(3, ge=0, le=60)
    intraday_refresh_minutes: int = Field(60, ge=5, le=1440)
    writeback_requests_per_second: float = Field(10.0, gt=0, le=1000)
    #: Share of an instance's lists (or leads) one write-back run may deactivate, reset or delete;
    #: over it the run refuses unless told (`--allow-destructive`). At least one change is allowed.
    writeback_max_destructive_share: float = Field(0.2, ge=0, le=1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_path()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    # --- derived locations -------------------------------------------------------------
    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def duckdb_path(self) -> Path:
        """The file BI tools open."""
        return self.data_dir / "dialsync.duckdb"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    def instance(self, name: str) -> InstanceSettings:
        try:
            return self.instances[name]
        except KeyError:
            raise KeyError(f"no instance {name!r} configured (have: {', '.join(self.instances) or 'none'})") from None

    def masked(self) -> dict:
        """A JSON-able view for `config show`: env var names shown, their secret values masked."""
        out = self.model_dump(mode="json")
        for name, inst in self.instances.items():
            shown = out["instances"][name]
            shown["user"] = "set" if os.environ.get(inst.user_env) else "NOT SET"
            shown["password"] = "********" if os.environ.get(inst.password_env) else "NOT SET"
        return out


_config_override: Path | None = None


def set_config_path(path: Path | None) -> None:
    """Used by the CLI's global `--config` option."""
    global _config_override
    _config_override = path


def _config_path() -> Path | None:
    if _config_override is not None:
        if not _config_override.exists():
            raise FileNotFoundError(f"config file not found: {_config_override}")
        return _config_override
    env = os.environ.get(CONFIG_ENV)
    if env:
        p = Path(env)
        if not p.exists():
            raise FileNotFoundError(f"{CONFIG_ENV} points to a missing file: {p}")
        return p
    p = Path(DEFAULT_CONFIG_FILE)
    return p if p.exists() else None


class ConfigError(ValueError):
    """Settings that break a rule; one line per problem, naming the field and the rule."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def _rule(err: Mapping[str, Any]) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind in _BOUNDS:
        symbol, key = _BOUNDS[kind]
        bound = ctx.get(key)
        return f"must be {symbol} {int(bound) if isinstance(bound, float) and bound.is_integer() else bound}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known setting"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind.startswith("date"):
        return "must be a date like 2025-01-31"
    msg = str(err.get("msg", "is invalid"))
    return msg.removeprefix("Value error, ")


#: pydantic error type -> (symbol, ctx key of the bound)
_BOUNDS = {"greater_than": (">", "gt"), "greater_than_equal": ("≥", "ge"), "less_than": ("<", "lt"),
           "less_than_equal": ("≤", "le")}


def format_validation_error(exc: ValidationError) -> list[str]:
    """`config error: instances.main.max_concurrency: must be ≥ 1 (got 0)` lines, no pydantic text."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if not str(p).startswith("function-"))
        value = err.get("input")
        # our own validators' messages already quote the value
        shown = isinstance(value, str | int | float | bool) and err["type"] not in ("missing", "value_error")
        got = f" (got {value!r})" if shown else ""
        out.append(f"config error: {loc or '(top level)'}: {_rule(err)}{got}")
    return out


def load_settings(**overrides: object) -> Settings:
    """The settings, or a `ConfigError` whose lines name each bad field and its rule."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"config error: {_config_path()}: not valid TOML ({exc})"]) from None
