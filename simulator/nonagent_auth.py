"""Authentication, lockout and permissions of the text APIs (VICIdial and Dialer360, lmapi).

Real VICIdial checks, in order: credentials (with a failed-login counter that locks the
account for 15 minutes after 10 failures), the user group's allowed-function list
(`ERROR: auth USER DOES NOT HAVE PERMISSION ...`), then each function's own user-level and
flag requirement (a function-specific `USER DOES NOT HAVE PERMISSION TO ...` line). The
simulator does the same so a client learns never to retry an auth error.
"""

from __future__ import annotations

import re

from simulator.config import ApiUser, Realism
from simulator.context import SimContext
from simulator.nonagent_text import msg

_CLEAN_CRED = re.compile(r"[^-_0-9a-zA-Z]")


def clean_credential(value: str | None) -> str:
    """Real non_agent_api drops every character outside `[-_0-9a-zA-Z]` from user/pass."""
    return _CLEAN_CRED.sub("", value or "")


def limit(ctx: SimContext, name: str, default: int) -> int:
    """A result limit (`ctx.limits[name]`, e.g. rows/records/lead_search), lowerable for tests."""
    return int(ctx.limits.get(name, default))


def _lock_line(user: str) -> str:
    return msg("ERROR", "", "Too many login attempts, try again in 15 minutes", [user, "LOCK"], sep=": ", wrap=True)


def _bad_line(user: str, password: str) -> str:
    # The real server echoes the password back; whoever logs responses must redact it.
    return msg("ERROR", "", "Login incorrect, please try again", [user, password, "BAD"], sep=": ", wrap=True)


def authenticate(ctx: SimContext, user: str, password: str) -> tuple[ApiUser | None, str]:
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
