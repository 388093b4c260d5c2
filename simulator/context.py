"""What every handler is handed: the shared SimContext (world, lead store, clock, faults,
accounts, limits) and the request parameters (`Params`).

Its own module, apart from the HTTP server, so the surfaces (goapi*, nonagent*, lmapi) depend
on it and the server depends on them: no import cycle.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from simulator.config import ApiUser, Realism, SimConfig, default_users
from simulator.events import day_log
from simulator.events_log import DayLog
from simulator.faults import FaultInjector
from simulator.state import LeadStore
from simulator.world import World, build_world


class Clock:
    """The simulator's notion of now: fixed (tests, `--now`) or the real clock; settable at runtime."""

    def __init__(self, tz: ZoneInfo, fixed: datetime | None = None) -> None:
        self.tz = tz
        self._fixed = None if fixed is None else (fixed if fixed.tzinfo else fixed.replace(tzinfo=tz))

    def now(self) -> datetime:
        """Aware now in the installation's zone."""
        return self._fixed.astimezone(self.tz) if self._fixed is not None else datetime.now(self.tz)

    def now_local(self) -> datetime:
        """Naive local wall time (what the dialer prints)."""
        return self.now().replace(tzinfo=None, microsecond=0)

    def today(self) -> date:
        return self.now().date()

    def set(self, when: datetime | None) -> None:
        self._fixed = None if when is None else (when if when.tzinfo else when.replace(tzinfo=self.tz))

    @property
    def fixed(self) -> bool:
        return self._fixed is not None


class Params:
    """PHP `$_REQUEST`-like view of GET + POST form (GET wins), with `name[]` arrays."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._pairs = list(pairs)
        self._first: dict[str, str] = {}
        for k, v in self._pairs:
            self._first.setdefault(k, v)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name, default)

    def __getitem__(self, name: str) -> str:
        return self._first[name]

    def __contains__(self, name: object) -> bool:
        return name in self._first

    def getlist(self, name: str) -> list[str]:
        """Values of `name[]` (or repeated / single `name`), empty strings dropped."""
        vals = [v for k, v in self._pairs if k in (f"{name}[]", name) or k.startswith(f"{name}[")]
        return [v for v in vals if v != ""]

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def keys(self) -> list[str]:
        return list(self._first)

    def to_dict(self) -> dict[str, Any]:
        """Scalars as str, repeated/array params as lists."""
        out: dict[str, Any] = {}
        for k, v in self._pairs:
            if k.endswith("[]") or k in out:
                key = k[:-2] if k.endswith("[]") else k
                prev = out.get(key)
                out[key] = ([*prev, v] if isinstance(prev, list) else ([prev, v] if prev is not None else [v]))
            else:
                out[k] = v
        return out


#: VICIdial: "Too many login attempts, try again in 15 minutes".
LOCKOUT = timedelta(minutes=15)


class SimContext:
    """Shared state handed to every handler: world, lead store, clock, faults, users, limits."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self.world: World = build_world(config.seed, config.agents, config.timezone)
        self.clock = Clock(self.tz, config.now)
        self.store = LeadStore(self.world, config.state_path, clock=self.clock.now_local)
        self.faults = FaultInjector(config.faults, config.seed)
        users = config.extra_users if config.extra_users is not None else default_users()[1:]
        self.users: dict[str, ApiUser] = {u.user: u for u in (default_users(config.api_user, config.api_pass)[0],
                                                               *users)}
        self.limits = dict(config.limits)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._last_failure: dict[str, datetime] = {}

    @property
    def realism(self) -> Realism:
        return self.config.realism

    def day_log(self, day: date) -> DayLog:
        """The event log of `day` under the simulator clock (partial today, empty future)."""
        return day_log(self.world, day, self.store, self.clock.now(), calls_scale=self.config.calls_scale,
                       outbound_calls_per_day=self.config.outbound_calls_per_day,
                       quirks=self.config.call_center_quirks)

    def day_logs(self, start: date, end: date) -> list[DayLog]:
        days = []
        d = start
        while d <= end and len(days) < 366:
            days.append(self.day_log(d))
            d += timedelta(days=1)
        return days

    # --- authentication --------------------------------------------------------------
    def authenticate(self, user: str | None, password: str | None) -> ApiUser | None:
        """The account when user/password match and it is not locked; counts failures."""
        u = self.users.get(user or "")
        with self._lock:
            if u is not None and self._locked(u.user):
                return None
            if u is None or not u.active or u.password != (password or ""):
                if user:
                    self._failures[user] = self._failures.get(user, 0) + 1
                    self._last_failure[user] = self.clock.now()
                return None
            self._failures.pop(u.user, None)
            return u

    def _locked(self, user: str) -> bool:
        """Locked while `lockout_after` failures are younger than LOCKOUT (simulator clock)."""
        if self._failures.get(user, 0) < self.config.lockout_after:
            return False
        if self.clock.now() - self._last_failure.get(user, self.clock.now()) >= LOCKOUT:
            self._failures.pop(user, None)
            return False
        return True

    def is_locked(self, user: str | None) -> bool:
        """True after `lockout_after` consecutive failures (VICIdial: 10, for 15 minutes)."""
        with self._lock:
            return self._locked(user or "")

    def failed_logins(self, user: str) -> int:
        """Failed logins of `user` since its last success (VICIdial's failed_login_count)."""
        with self._lock:
            return self._failures.get(user, 0)

    def unlock_all(self) -> None:
        with self._lock:
            self._failures.clear()

    # --- request log ------------------------------------------------------------------
    def log_request(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            entry["seq"] = len(self.requests) + 1
            self.requests.append(entry)
            return entry
