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
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from simulator.nonagent_text import Realism, msg
from simulator.server import ApiUser

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


def users(ctx: Any) -> dict[str, ApiUser]:
    """Accounts of the simulator (shared with the goAPI, like vicidial_users on a real dialer)."""
    return ctx.users


def _lock_line(user: str) -> str:
    return msg("ERROR", "", "Too many login attempts, try again in 15 minutes", [user, "LOCK"], sep=": ", wrap=True)


def _bad_line(user: str, password: str) -> str:
    # The real server echoes the password back; whoever logs responses must redact it.
    return msg("ERROR", "", "Login incorrect, please try again", [user, password, "BAD"], sep=": ", wrap=True)


def authenticate(ctx: Any, user: str, password: str) -> tuple[ApiUser | None, str]:
    """Check credentials with the real lockout; returns (user, "") or (None, error line).

    The failure counter is the server's (`ctx.authenticate`/`ctx.is_locked`), so goAPI and
    the text APIs share it like they share vicidial_users on a real dialer.
    """
    if ctx.is_locked(user):
        return None, _lock_line(user)
    if len(user) < 2 or ctx.authenticate(user, password) is None:
        return None, _bad_line(user, password)
    return ctx.users[user], ""


def function_denied(realism_: Realism, user: str, function: str) -> str:
    """The group-level allowed-functions refusal (real form wraps the data in pipes)."""
    if realism_ == "real":
        return msg("ERROR", "auth", "USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION", [user, function],
                   sep=": ", wrap=True)
    return msg("ERROR", "auth", "USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION", [user, function])
