"""HTTP client for one dialer instance.

Why it looks like this:
- credentials go in the POST form body (never the URL, so proxies and access logs don't see them);
- one pooled `httpx.Client` per instance, bounded concurrency and a request-rate limit,
  because call-center dialers are production phone systems, not data APIs; the caller passes
  the throttle that shares them with its other clients and processes (default: this client's own);
- retries (tenacity: exponential backoff + jitter, honouring Retry-After) only for what
  another attempt can fix: transport errors, 5xx, 429, truncated/garbled bodies. Auth and
  permission errors are never retried: 10 bad logins lock the account;
- every error that leaves this module has had the password redacted, because VICIdial's
  login failure line echoes it back;
- an auth circuit breaker (`extract.breaker`) stops every request of the instance after the
  first login, lockout or permission error, before it reaches the network; the caller passes
  the store that persists it (extract knows nothing of files or settings);
- the httpx transport is injectable (`transport=httpx.MockTransport(...)`), so retries,
  redaction and the breaker are unit-tested without a server.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import httpx
from pydantic import SecretStr
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from extract.breaker import AuthBreaker, TripStore
from extract.errors import DialerError, PermissionDeniedError, TransientError, redact
from extract.platforms import AUTH_FIELDS

T = TypeVar("T")
Params = Mapping[str, str | Sequence[str]]



class ClientSettings(Protocol):
    """What the client reads of an instance's settings (`dialsync.settings.InstanceSettings`)."""

    @property
    def base_url(self) -> str: ...
    @property
    def timeout_s(self) -> float: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def max_concurrency(self) -> int: ...
    @property
    def requests_per_second(self) -> float: ...
    @property
    def responsetype(self) -> str: ...
    @property
    def surfaces(self) -> tuple[str, ...]: ...

    def path(self, surface: str, module: str | None = None) -> str: ...

    def credentials(self) -> tuple[str, SecretStr]: ...


class RateLimiter:
    """Token bucket shared by all threads using one client."""

    def __init__(self, per_second: float, burst: int | None = None) -> None:
        self.rate = per_second
        self.capacity = float(burst or max(1, int(per_second)))
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens, wait = take_token(self.tokens, now - self.updated, self.rate, self.capacity)
                self.updated = now
            if not wait:
                return
            time.sleep(wait)


def take_token(tokens: float, elapsed_s: float, rate: float, capacity: float) -> tuple[float, float]:
    """One token-bucket step: the bucket after refilling for ``elapsed_s`` and taking a token if
    there is one, and how long to wait (0: taken). Shared by this client's bucket and the data
    dir's (`warehouse.throttle_state`)."""
    tokens = min(capacity, tokens + max(0.0, elapsed_s) * rate)
    if tokens >= 1:
        return tokens - 1, 0.0
    return tokens, (1 - tokens) / rate


class Throttle(Protocol):
    """A dialer's request rate and connection slots; `warehouse.throttle_state.SharedThrottle`
    shares them across every process of a data dir."""

    def slot(self) -> contextlib.AbstractContextManager[object]: ...

    def acquire(self) -> None: ...


class LocalThrottle:
    """Limits of one client alone (tests, write-back, anything no other process shares with)."""

    def __init__(self, per_second: float, slots: int) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._rate = RateLimiter(per_second)

    def slot(self) -> threading.BoundedSemaphore:
        return self._slots

    def acquire(self) -> None:
        self._rate.acquire()


@dataclass(frozen=True)
class RawResponse:
    status_code: int
    content_type: str
    body: bytes | bytearray
    elapsed_s: float


class DialerClient:
    """Talks to one instance. Thread-safe; use as a context manager."""

    def __init__(
        self,
        name: str,
        settings: ClientSettings,
        *,
        user: str,
        password: SecretStr,
        backoff_max_s: float = 30.0,
        backoff_min_s: float = 0.2,
        transport: httpx.BaseTransport | None = None,
        breaker_store: TripStore | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        """``breaker_store`` persists the auth circuit (None: this client's lifetime only);
        ``throttle`` holds the rate and connection limits (None: this client's own);
        ``transport`` replaces the network (tests pass `httpx.MockTransport`)."""
        self.name = name
        self.settings = settings
        self._user = user
        self._password = password
        self.breaker = AuthBreaker(name, user=user, password=password.get_secret_value(),
                                   server=settings.base_url, store=breaker_store,
                                   scrub=lambda t: redact(t, [password.get_secret_value(), user]))
        self._http = httpx.Client(
            transport=transport,
            base_url=settings.base_url,
            timeout=httpx.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s)),
            limits=httpx.Limits(max_connections=settings.max_concurrency,
                                max_keepalive_connections=settings.max_concurrency),
            headers={"User-Agent": "dialsync"},
            verify=_tls_context(),
        )
        self._throttle = throttle or LocalThrottle(settings.requests_per_second, settings.max_concurrency)
        self._backoff = (backoff_min_s, backoff_max_s)
        self.requests_sent = 0

    @classmethod
    def from_settings(cls, name: str, settings: ClientSettings, *, transport: httpx.BaseTransport | None = None,
                      breaker_store: TripStore | None = None, throttle: Throttle | None = None,
                      **kw: float) -> DialerClient:
        user, password = settings.credentials()
        return cls(name, settings, user=user, password=password, transport=transport,
                   breaker_store=breaker_store, throttle=throttle, **kw)

    @property
    def circuit_open(self) -> bool:
        """True once a login, lockout or permission error stopped this instance's requests."""
        return self.breaker.is_open

    def __enter__(self) -> DialerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"DialerClient({self.name!r}, {self.settings.base_url!r})"

    # --- requests ------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        return redact(text, [self._password.get_secret_value()])

    def url_path(self, surface: str, module: str | None = None) -> str:
        if surface not in self.settings.surfaces:
            raise ValueError(f"instance {self.name} does not expose the {surface} surface")
        return self.settings.path(surface, module)

    def post(self, surface: str, params: Params, *, module: str | None = None,
             context: dict[str, str | None] | None = None, credentials: bool = True,
             server_error_is_permission: bool = False) -> RawResponse:
        """One POST, no retries. Transport failures become TransientError.

        Refused with `CircuitOpenError` (before and after waiting for a connection slot, so
        queued fan-out requests stop too) once the auth circuit is open. ``credentials=False``
        sends none (`function=version` needs none). ``server_error_is_permission``: see `call`.
        """
        ctx = context or {}
        self.breaker.check(**ctx)
        form: dict[str, str | list[str]] = {k: (list(v) if not isinstance(v, str) else v) for k, v in params.items()}
        if credentials:
            ufield, pfield = AUTH_FIELDS[surface]
            form[ufield] = self._user
            form[pfield] = self._password.get_secret_value()
        if surface == "goapi":
            form.setdefault("responsetype", self.settings.responsetype)
        else:
            form.setdefault("source", "dialsync")
        path = self.url_path(surface, module)
        with self._throttle.slot():
            self.breaker.check(**ctx)
            self._throttle.acquire()
            self.requests_sent += 1
            t0 = time.perf_counter()
            try:
                with self._http.stream("POST", path, data=form) as resp:
                    if resp.status_code == 500 and server_error_is_permission:
                        raise PermissionDeniedError(
                            "HTTP 500 from dialer where this function fails so for an API user without the "
                            "permission (e.g. restricted to some campaigns): not retried", **ctx)
                    if resp.status_code == 429 or resp.status_code >= 500:
                        retry_after = _retry_after(resp.headers.get("Retry-After"))
                        raise TransientError(f"HTTP {resp.status_code} from dialer", retry_after=retry_after, **ctx)
                    if resp.status_code >= 400:
                        raise DialerError(f"HTTP {resp.status_code} from dialer at {path}", **ctx)
                    body = _read_body(resp)
            except httpx.TimeoutException as exc:
                raise TransientError(f"timeout talking to dialer ({type(exc).__name__})", **ctx) from None
            except httpx.TransportError as exc:
                raise TransientError(f"transport error: {type(exc).__name__}: {self.redact(str(exc))}",
                                     **ctx) from None
            elapsed = time.perf_counter() - t0
        return RawResponse(resp.status_code, resp.headers.get("content-type", ""), body, elapsed)

    def call(
        self,
        surface: str,
        params: Params,
        parse: Callable[[RawResponse], T],
        *,
        module: str | None = None,
        endpoint: str | None = None,
        partition: str | None = None,
        retry: bool = True,
        credentials: bool = True,
        server_error_is_permission: bool = False,
    ) -> T:
        """POST and parse, retrying the pair when the failure is retryable.

        ``retry=False`` is for non-idempotent writes: the caller decides what a lost answer
        means (write-back checks the dialer before it sends again).
        ``server_error_is_permission=True`` declares that an HTTP 500 from this function means
        the API user may not run it (VICIdial's lead_status_search for a campaign-restricted
        user dies in SQL, which PHP 8 turns into a 500): a `PermissionDeniedError` that opens
        the auth circuit instead of a transient error retried `max_attempts` times. Endpoint
        declarations pass it; 502/503/504 stay transient either way.
        """
        ctx = {"instance": self.name, "endpoint": endpoint, "partition": partition}

        def attempt() -> T:
            guard = self.breaker.attempt(**ctx) if credentials else contextlib.nullcontext()
            with guard:
                try:
                    return parse(self.post(surface, params, module=module, context=ctx, credentials=credentials,
                                           server_error_is_permission=server_error_is_permission))
                except DialerError as exc:
                    exc.with_context(**ctx)
                    exc.message = self.redact(exc.message)
                    exc.args = (self.redact(str(exc)),)
                    raise

        if not retry:
            return attempt()
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda e: isinstance(e, DialerError) and e.retryable),
            reraise=True,
        )
        return retrying(attempt)

    def _wait(self, state: RetryCallState) -> float:
        base = wait_random_exponential(multiplier=self._backoff[0], max=self._backoff[1])(state)
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(max(base, float(retry_after)), max(self._backoff[1], float(retry_after)))
        return base


#: Bodies larger than this are spooled to a temp file while they arrive.
SPOOL_BYTES = 16 << 20


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying context (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), built once a
    process: loading the CA bundle took 40-60 ms, paid by every client (one per Dagster step)."""
    return httpx.create_ssl_context()


def _read_body(resp: httpx.Response) -> bytes | bytearray:
    """The whole body with a peak of ~1x its size.

    `Response.read()` keeps every chunk and then joins them: 2x the body at the end, 700 MB
    for a million-row CDR day. Chunks go to a spooled temp file instead and are read back
    into one buffer of the final size.
    """
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        for chunk in resp.iter_bytes(1 << 20):
            spool.write(chunk)
        size = spool.tell()
        if size <= SPOOL_BYTES:
            spool.seek(0)
            return spool.read()
        spool.seek(0)
        buf = bytearray(size)
        view = memoryview(buf)
        got = 0
        while got < size:
            n = spool.readinto(view[got:])
            if not n:
                break
            got += n
        return buf


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
