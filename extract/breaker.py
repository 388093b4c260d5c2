"""Auth circuit breaker: the first login, lockout or permission error stops every request.

Why: VICIdial counts failed logins per request, whatever the function, and locks the
account at 10 for 15 minutes (then even the right password is refused). A sync that moves
on to the next day, endpoint, fan-out key or Dagster step after an auth error locks it. So:

- a trip is remembered per instance together with a fingerprint of the credentials, in a
  `TripStore` the caller passes in (`warehouse.auth_state.AuthStateStore` keeps it under the
  data dir's state folder, so it spans CLI runs, Dagster steps and runs, and write-back). It
  clears by itself when the credentials change (the fingerprint no longer matches) or by
  `dialsync auth reset`; never by time, since a wrong password stays wrong;
- until a client has seen its credentials accepted once, only one authenticated request is
  in flight: other threads of the client wait, other processes wait on the store's probe
  lock. Concurrent fan-out requests or parallel Dagster steps cannot each spend a login;
- the fingerprint is a slow salted hash (PBKDF2-HMAC-SHA256 of user, password and server),
  so a state file holds nothing a password can be read back from.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Protocol

from extract.errors import (
    ApiError,
    AuthError,
    CircuitOpenError,
    DialerError,
    LimitReachedError,
    PermissionDeniedError,
)

log = logging.getLogger(__name__)

#: PBKDF2 rounds: slow enough to make guessing a password from a state file costly, fast
#: enough (~tens of ms, once per process and credentials) not to matter per client.
ITERATIONS = 60_000


@dataclass(frozen=True)
class Trip:
    """Why and when an instance's auth circuit opened (never holds a credential)."""

    instance: str
    fingerprint: str
    kind: str  # login | locked | permission
    reason: str
    tripped_at: str  # ISO 8601, UTC
    endpoint: str = ""

    def message(self) -> str:
        return (f"auth circuit open for instance {self.instance} since {self.tripped_at}: {self.reason}; "
                f"fix the credentials or run `dialsync auth reset -i {self.instance}`")


class TripStore(Protocol):
    """Where trips live. Records are plain string mappings so a store needs no dialer types."""

    def salt(self) -> bytes: ...

    def load(self, instance: str) -> Mapping[str, str] | None: ...

    def save(self, instance: str, record: Mapping[str, str]) -> None: ...

    def clear(self, instance: str) -> bool: ...

    def probe_lock(self, instance: str) -> contextlib.AbstractContextManager[None]: ...


class MemoryTripStore:
    """A process-local store: the breaker still stops one client's requests, nothing persists."""

    def __init__(self) -> None:
        self._salt = secrets.token_bytes(16)
        self._records: dict[str, dict[str, str]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def salt(self) -> bytes:
        return self._salt

    def load(self, instance: str) -> Mapping[str, str] | None:
        return self._records.get(instance)

    def save(self, instance: str, record: Mapping[str, str]) -> None:
        self._records[instance] = dict(record)

    def clear(self, instance: str) -> bool:
        return self._records.pop(instance, None) is not None

    @contextlib.contextmanager
    def probe_lock(self, instance: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(instance, threading.Lock())
        with lock:
            yield


_FINGERPRINTS: dict[str, str] = {}
_FP_LOCK = threading.Lock()


def credential_fingerprint(user: str, password: str, server: str, salt: bytes) -> str:
    """Salted, slow, one-way: equal for equal credentials on one data dir, useless elsewhere."""
    material = "\0".join((user, password, server)).encode()
    memo = hashlib.sha256(salt + material).hexdigest()  # process memory only: skips re-deriving
    with _FP_LOCK:
        fp = _FINGERPRINTS.get(memo)
    if fp is None:
        fp = hashlib.pbkdf2_hmac("sha256", material, salt, ITERATIONS).hex()[:32]
        with _FP_LOCK:
            _FINGERPRINTS[memo] = fp
    return fp


def trip_kind(exc: DialerError) -> str:
    if isinstance(exc, PermissionDeniedError):
        return "permission"
    return "locked" if "lock" in exc.message.lower() else "login"


class AuthBreaker:
    """One instance's circuit for one set of credentials; shared by every thread of a client."""

    def __init__(self, instance: str, *, user: str, password: str, server: str,
                 store: TripStore | None = None, scrub: Callable[[str], str] | None = None) -> None:
        self.instance = instance
        self.store: TripStore = store if store is not None else MemoryTripStore()
        self._credentials: tuple[str, str, str] | None = (user, password, server)
        self._fingerprint: str | None = None
        self._scrub = scrub or (lambda s: s)
        self._trip: Trip | None = None
        self._verified = False
        self._probing = False
        self._cond = threading.Condition()

    @property
    def fingerprint(self) -> str:
        """Derived on first use (the store's salt may need creating); the credentials are then dropped."""
        if self._fingerprint is None:
            assert self._credentials is not None
            self._fingerprint = credential_fingerprint(*self._credentials, self.store.salt())
            self._credentials = None
        return self._fingerprint

    # --- state ---------------------------------------------------------------------------
    def current(self) -> Trip | None:
        """The open trip of these credentials; a trip recorded for other credentials is removed."""
        if self._trip is not None:
            return self._trip
        record = self.store.load(self.instance)
        if record is None:
            return None
        if record.get("fingerprint") != self.fingerprint:
            log.info("auth circuit of instance %s closed: the credentials changed since it opened", self.instance)
            self.store.clear(self.instance)
            return None
        fields = {k: str(record.get(k, "")) for k in Trip.__dataclass_fields__}
        self._trip = Trip(**fields)
        return self._trip

    @property
    def is_open(self) -> bool:
        return self.current() is not None

    def check(self, **context: str | None) -> None:
        """Raise `CircuitOpenError` when open; never touches the network."""
        trip = self.current()
        if trip is not None:
            ctx = {k: v for k, v in context.items() if k != "instance"}
            raise CircuitOpenError(trip.message(), tripped_at=trip.tripped_at, reason=trip.reason,
                                   instance=self.instance, **ctx)

    def trip(self, exc: DialerError) -> Trip:
        """Open the circuit because of ``exc`` (the first trip wins; its reason is kept)."""
        existing = self.current()
        if existing is not None:
            return existing
        trip = Trip(instance=self.instance, fingerprint=self.fingerprint, kind=trip_kind(exc),
                    reason=self._scrub(exc.message), tripped_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    endpoint=exc.endpoint or "")
        self.store.save(self.instance, asdict(trip))
        with self._cond:
            self._trip = trip
            self._cond.notify_all()
        log.info("%s", trip.message())  # the caller reports it; logged for runs without a terminal
        return trip

    # --- guarding requests ---------------------------------------------------------------
    @contextlib.contextmanager
    def attempt(self, **context: str | None) -> Iterator[None]:
        """Around one authenticated request + parse: refuse when open, let only one request
        probe unproven credentials, trip on an auth or permission error."""
        self.check(**context)
        probe = self._enter_probe()
        try:
            # the probe lock is held until the outcome is recorded: a process waiting on it
            # must find the trip, not a free path to spend another login
            with self.store.probe_lock(self.instance) if probe else contextlib.nullcontext():
                self.check(**context)  # another thread or process may have tripped while we waited
                try:
                    yield
                except CircuitOpenError:
                    raise
                except (AuthError, PermissionDeniedError) as exc:
                    self.trip(exc)
                    raise
                except (ApiError, LimitReachedError):
                    self._accepted()  # the server answered past its login check
                    raise
                self._accepted()
        finally:
            if probe:
                with self._cond:
                    self._probing = False
                    self._cond.notify_all()

    def _enter_probe(self) -> bool:
        with self._cond:
            while self._probing and not self._verified and self._trip is None:
                self._cond.wait()
            if self._verified or self._trip is not None:
                return False
            self._probing = True
            return True

    def _accepted(self) -> None:
        with self._cond:
            self._verified = True
            self._cond.notify_all()
