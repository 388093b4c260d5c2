"""Authentication, lockout and permissions of the text APIs, plus the SimContext adapter.

Real VICIdial checks, in order: credentials (with a failed-login counter that locks the
account for 15 minutes after 10 failures), the user group's allowed-function list
(`ERROR: auth USER DOES NOT HAVE PERMISSION ...`), then each function's own user-level and
flag requirement (a function-specific `USER DOES NOT HAVE PERMISSION TO ...` line). The
simulator does the same so a client learns never to retry an auth error.

The context adapter functions (`realism`, `now`, `limit`, `flag`, `users`) read the server's
SimContext defensively, so these modules only depend on the attribute names in one place.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from simulator.nonagent_text import Realism, msg

LOCK_AFTER = 10
LOCK_MINUTES = 15

_CLEAN_CRED = re.compile(r"[^-_0-9a-zA-Z]")


def clean_credential(value: str | None) -> str:
    """Real non_agent_api drops every character outside `[-_0-9a-zA-Z]` from user/pass."""
    return _CLEAN_CRED.sub("", value or "")


# --------------------------------------------------------------------------- context adapter


def _cfg(ctx: Any) -> Any:
    return getattr(ctx, "config", None)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def realism(ctx: Any) -> Realism:
    """`real` (the production server's forms, default) or `docs` (the document's forms)."""
    value = _get(_cfg(ctx), "realism", "real")
    return "docs" if value == "docs" else "real"


def tz(ctx: Any) -> ZoneInfo:
    world = getattr(ctx, "world", None)
    return ZoneInfo(getattr(world, "timezone", None) or "America/New_York")


def now(ctx: Any) -> datetime:
    """The simulator's clock as a naive local wall time of the dialer's time zone."""
    clock = getattr(ctx, "clock", None)
    if clock is not None and hasattr(clock, "now_local"):
        return clock.now_local()
    value = _get(_cfg(ctx), "now", None)
    if value is None:
        value = datetime.now(tz(ctx))
    if value.tzinfo is not None:
        value = value.astimezone(tz(ctx)).replace(tzinfo=None)
    return value.replace(microsecond=0)


def limit(ctx: Any, name: str, default: int) -> int:
    """A result limit (`ctx.limits[name]`, e.g. rows/records/lead_search), lowerable for tests."""
    limits = getattr(ctx, "limits", None) or _get(_cfg(ctx), "limits", None) or {}
    value = _get(limits, name, None)
    return int(value) if value is not None else default


def flag(ctx: Any, name: str, default: bool = False) -> bool:
    """A behaviour switch from the config (top level or under `flags`)."""
    cfg = _cfg(ctx)
    value = _get(cfg, name, None)
    if value is None:
        value = _get(_get(cfg, "flags", None), name, None)
    return default if value is None else bool(value)


# --------------------------------------------------------------------------- users


@dataclass(frozen=True)
class ApiUser:
    """An API account: level, the permission flags the functions check, allowed functions."""

    user: str
    password: str
    user_level: int = 9
    active: bool = True
    view_reports: bool = True
    modify_leads: bool = True
    modify_lists: bool = True
    delete_lists: bool = True
    delete_leads: bool = True
    allowed_functions: frozenset[str] | None = None  # None: ALL_FUNCTIONS
    allowed_lists: frozenset[str] | None = None  # None: every list

    def may_call(self, function: str) -> bool:
        return self.allowed_functions is None or function in self.allowed_functions


DEFAULT_USERS = {"6666": ApiUser("6666", "1234")}

_BOOL_FIELDS = ("active", "view_reports", "modify_leads", "modify_lists", "delete_lists", "delete_leads")


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().upper() in {"1", "Y", "YES", "TRUE"}
    return bool(v)


def _to_user(name: str, spec: Any) -> ApiUser:
    """Map the server's account objects (or dicts) to the flags the text functions check.

    Accounts without list flags get `modify_lists`/`delete_*` from `modify_leads`; an
    account with `api_allowed=False` may call no function (group allowed-functions list empty).
    """
    if isinstance(spec, ApiUser):
        return spec
    if isinstance(spec, str):
        return ApiUser(name, spec)
    get = (lambda k, d=None: spec.get(k, d)) if isinstance(spec, Mapping) else (lambda k, d=None: getattr(spec, k, d))
    kwargs: dict[str, Any] = {}
    for k in _BOOL_FIELDS:
        v = get(k)
        if v is not None:
            kwargs[k] = _truthy(v)
    for k in ("modify_lists", "delete_lists", "delete_leads"):
        if k not in kwargs and "modify_leads" in kwargs:
            kwargs[k] = kwargs["modify_leads"]
    perms = get("permissions") or get("functions") or get("allowed_functions")
    if perms is not None and not (isinstance(perms, str) and perms.strip() in {"", "ALL_FUNCTIONS", "ALL"}):
        items = perms.split() if isinstance(perms, str) else list(perms)
        if "ALL_FUNCTIONS" not in items and "*" not in items:
            kwargs["allowed_functions"] = frozenset(items)
    if get("api_allowed") is not None and not _truthy(get("api_allowed")):
        kwargs["allowed_functions"] = frozenset()
    lists = get("allowed_lists")
    if lists is not None:
        kwargs["allowed_lists"] = frozenset(str(x) for x in lists)
    level = get("user_level", get("level"))
    return ApiUser(
        user=str(get("user", name) or name),
        password=str(get("password", get("pass", "1234"))),
        user_level=int(level) if level is not None else 9,
        **kwargs,
    )


def users(ctx: Any) -> dict[str, ApiUser]:
    """Accounts of the simulator (`ctx.users`, else `config.users`); default 6666/1234."""
    raw = getattr(ctx, "users", None) or _get(_cfg(ctx), "users", None)
    if not raw:
        return dict(DEFAULT_USERS)
    out: dict[str, ApiUser] = {}
    items = raw.items() if isinstance(raw, Mapping) else ((_get(s, "user", ""), s) for s in raw)
    for name, spec in items:
        u = _to_user(str(name), spec)
        out[u.user] = u
    return out


# --------------------------------------------------------------------------- lockout


@dataclass
class _Failures:
    count: int = 0
    last: datetime | None = None


@dataclass
class AuthState:
    """Failed-login counters per account (kept across requests for one simulator)."""

    failures: dict[str, _Failures] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_STATES: weakref.WeakKeyDictionary[Any, AuthState] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def auth_state(ctx: Any) -> AuthState:
    """One AuthState per simulator, keyed on its long-lived LeadStore (or the context itself)."""
    key = getattr(ctx, "store", None) or ctx
    with _STATES_LOCK:
        st = _STATES.get(key)
        if st is None:
            st = AuthState()
            _STATES[key] = st
        return st


def _lock_line(user: str) -> str:
    return msg("ERROR", "", "Too many login attempts, try again in 15 minutes", [user, "LOCK"], sep=": ", wrap=True)


def _bad_line(user: str, password: str) -> str:
    # The real server echoes the password back; whoever logs responses must redact it.
    return msg("ERROR", "", "Login incorrect, please try again", [user, password, "BAD"], sep=": ", wrap=True)


def authenticate(ctx: Any, user: str, password: str) -> tuple[ApiUser | None, str]:
    """Check credentials with the real lockout; returns (user, "") or (None, error line).

    The failure counter is the server's (`ctx.authenticate`/`ctx.is_locked`) when it has one,
    so goAPI and the text APIs share it like they share vicidial_users on a real dialer.
    """
    accounts = users(ctx)
    if hasattr(ctx, "authenticate") and hasattr(ctx, "is_locked"):
        if ctx.is_locked(user):
            return None, _lock_line(user)
        if len(user) < 2 or ctx.authenticate(user, password) is None:
            return None, _bad_line(user, password)
        account = accounts.get(user)
        return (account, "") if account is not None else (None, _bad_line(user, password))
    st = auth_state(ctx)
    t = now(ctx)
    account = accounts.get(user)
    with st.lock:
        fails = st.failures.setdefault(user, _Failures())
        if fails.count >= LOCK_AFTER and fails.last is not None and t - fails.last < timedelta(minutes=LOCK_MINUTES):
            return None, _lock_line(user)
        if account is None or not account.active or account.password != password or len(user) < 2:
            if fails.count >= LOCK_AFTER:  # lock window over: start a new count
                fails.count = 0
            fails.count += 1
            fails.last = t
            return None, _bad_line(user, password)
        fails.count = 0
        fails.last = None
    return account, ""


def function_denied(realism_: Realism, user: str, function: str) -> str:
    """The group-level allowed-functions refusal (real form wraps the data in pipes)."""
    if realism_ == "real":
        return msg("ERROR", "auth", "USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION", [user, function],
                   sep=": ", wrap=True)
    return msg("ERROR", "auth", "USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION", [user, function])
