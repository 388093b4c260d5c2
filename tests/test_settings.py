"""Settings: file < env precedence, validation messages, secrets never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialsync import settings as sm
from dialsync.cli import app

SECRET = "S3cr3t-Pa55-zq81"

TOML = """
data_dir = "{data}"
restatement_days = 5
[instances.main]
platform = "crocodial"
base_url = "https://acme.croco-dial.net/"
timezone = "America/Chicago"
user_env = "ACME_DIALER_USER"
password_env = "ACME_DIALER_PASS"
"""


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    p = tmp_path / "dialsync.toml"
    p.write_text(TOML.format(data=tmp_path / "d"))
    monkeypatch.setenv(sm.CONFIG_ENV, str(p))
    monkeypatch.setenv("ACME_DIALER_USER", "apiuser")
    monkeypatch.setenv("ACME_DIALER_PASS", SECRET)
    yield p
    sm.set_config_path(None)


def test_file_values_and_defaults(cfg: Path) -> None:
    s = sm.load_settings()
    inst = s.instance("main")
    assert s.restatement_days == 5
    assert inst.base_url == "https://acme.croco-dial.net"
    assert inst.surfaces == ("goapi", "lmapi", "non_agent_api")
    assert inst.path("goapi", "goReports") == "/goAPIv2/goReports/goAPI.php"
    assert s.duckdb_path == Path(cfg.parent / "d" / "dialsync.duckdb")


def test_env_overrides_file(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALSYNC_RESTATEMENT_DAYS", "7")
    monkeypatch.setenv("DIALSYNC_INSTANCES__MAIN__TIMEZONE", "Europe/Madrid")
    s = sm.load_settings()
    assert s.restatement_days == 7
    # a nested env var replaces the nested object wholesale only where given
    assert s.instance("main").timezone in {"Europe/Madrid", "America/Chicago"}


def test_explicit_argument_beats_env(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALSYNC_RESTATEMENT_DAYS", "7")
    assert sm.load_settings(restatement_days=1).restatement_days == 1


def test_secret_is_secret(cfg: Path) -> None:
    s = sm.load_settings()
    user, password = s.instance("main").credentials()
    assert user == "apiuser"
    assert password.get_secret_value() == SECRET
    assert SECRET not in repr(password) and SECRET not in str(password)
    assert SECRET not in repr(s) and SECRET not in json.dumps(s.masked())


def test_missing_secret_names_var_not_value(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACME_DIALER_PASS")
    with pytest.raises(sm.MissingSecretError, match="ACME_DIALER_PASS"):
        sm.load_settings().instance("main").credentials()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("timezone", "Mars/Olympus", "IANA zone"), ("base_url", "acme.net", "http://"),
     ("platform", "asterisk", "platform")],
)
def test_bad_values_name_field_and_rule(tmp_path: Path, field: str, value: str, message: str) -> None:
    kw = {"platform": "vicidial", "base_url": "http://x", "user_env": "U", "password_env": "P", field: value}
    with pytest.raises(ValueError, match=message):
        sm.InstanceSettings(**kw)


def test_config_show_masks_secrets(cfg: Path) -> None:
    res = CliRunner().invoke(app, ["config", "show"])
    assert res.exit_code == 0, res.output
    assert SECRET not in res.output
    assert "ACME_DIALER_PASS" in res.output and "********" in res.output


def test_config_flag_and_missing_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["--config", str(tmp_path / "nope.toml"), "config", "show"])
    assert res.exit_code == 2
    assert "config file not found" in res.output
    sm.set_config_path(None)


def test_cli_help_lists_commands() -> None:
    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0
    for cmd in ("demo", "simulator", "sync", "status", "transform", "writeback", "config", "leads"):
        assert cmd in res.output


# --- bounds: one line naming the field and the rule, no pydantic text --------------------------
BAD = """
data_dir = "{data}"
[instances.main]
platform = "vicidial"
base_url = "http://dialer.test"
user_env = "ACME_DIALER_USER"
password_env = "ACME_DIALER_PASS"
{line}
"""


@pytest.mark.parametrize(("line", "expected"), [
    ("max_concurrency = 0", "config error: instances.main.max_concurrency: must be ≥ 1 (got 0)"),
    ("requests_per_second = 0", "config error: instances.main.requests_per_second: must be > 0 (got 0)"),
    ("timeout_s = -5", "config error: instances.main.timeout_s: must be > 0 (got -5)"),
    ("max_attempts = 0", "config error: instances.main.max_attempts: must be ≥ 1 (got 0)"),
    ("phone_batch_size = 0", "config error: instances.main.phone_batch_size: must be ≥ 1 (got 0)"),
    ("result_limit = -1", "config error: instances.main.result_limit: must be ≥ 0 (got -1)"),
    ("lead_search_limit = -1", "config error: instances.main.lead_search_limit: must be ≥ 0 (got -1)"),
    ("max_concurrency = \"four\"", "config error: instances.main.max_concurrency: must be a whole number "
                                   "(got 'four')"),
    ("colour = 1", "config error: instances.main.colour: is not a known setting (got 1)"),
])
def test_bad_numeric_settings_give_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str,
                                                  expected: str) -> None:
    p = tmp_path / "dialsync.toml"
    p.write_text(BAD.format(data=tmp_path / "d", line=line))
    monkeypatch.setenv(sm.CONFIG_ENV, str(p))
    with pytest.raises(sm.ConfigError) as info:
        sm.load_settings()
    assert info.value.lines == [expected]
    res = CliRunner().invoke(app, ["config", "show"])
    assert res.exit_code == 2
    assert res.output.strip() == expected
    assert "pydantic" not in res.output and "Traceback" not in res.output


@pytest.mark.parametrize(("env", "value", "expected"), [
    ("DIALSYNC_RESTATEMENT_DAYS", "99", "config error: restatement_days: must be ≤ 60 (got '99')"),
    ("DIALSYNC_INTRADAY_REFRESH_MINUTES", "1", "config error: intraday_refresh_minutes: must be ≥ 5 (got '1')"),
    ("DIALSYNC_WRITEBACK_REQUESTS_PER_SECOND", "0",
     "config error: writeback_requests_per_second: must be > 0 (got '0')"),
])
def test_global_bounds(cfg: Path, monkeypatch: pytest.MonkeyPatch, env: str, value: str, expected: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(sm.ConfigError) as info:
        sm.load_settings()
    assert info.value.lines == [expected]


def test_every_problem_is_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "dialsync.toml"
    p.write_text(BAD.format(data=tmp_path / "d", line="max_concurrency = 0\ntimezone = \"Mars/Olympus\""))
    monkeypatch.setenv(sm.CONFIG_ENV, str(p))
    with pytest.raises(sm.ConfigError) as info:
        sm.load_settings()
    assert len(info.value.lines) == 2
    assert any(x.startswith("config error: instances.main.timezone: timezone must be an IANA zone name")
               for x in info.value.lines)


def test_toml_syntax_error_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "dialsync.toml"
    p.write_text("[instances.main\nplatform = 1\n")
    monkeypatch.setenv(sm.CONFIG_ENV, str(p))
    res = CliRunner().invoke(app, ["config", "show"])
    assert res.exit_code == 2
    assert res.output.startswith("config error: ") and "not valid TOML" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_config_show_has_the_auth_circuit(cfg: Path) -> None:
    res = CliRunner().invoke(app, ["config", "show"])
    assert res.exit_code == 0 and '"auth_circuit": "closed"' in res.output
