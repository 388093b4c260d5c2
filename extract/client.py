"""HTTP client for one dialer instance.

Why it looks like this:
- credentials go in the POST form body (never the URL, so proxies and access logs don't see them);
- one pooled `httpx.Client` per instance, bounded concurrency and a request-rate limit,
  because call-center dialers are production phone systems, not data APIs;
- retries (tenacity: exponential backoff + jitter, honouring Retry-After) only for what
  another attempt can fix: transport errors, 5xx, 429, truncated/garbled bodies. Auth and
  permission errors are never retried: 10 bad logins lock the account;
- every error that leaves this module has had the password redacted, because VICIdial's
  login failure line echoes it back.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import httpx
from pydantic import SecretStr
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from dialsync.settings import InstanceSettings
from extract.errors import DialerError, TransientError, redact

T = TypeVar("T")
Params = Mapping[str, str | Sequence[str]]

#: Form field names of the credentials per surface.
AUTH_FIELDS: dict[str, tuple[str, str]] = {
    "goapi": ("goUser", "goPass"),
    "lmapi": ("user", "pass"),
    "non_agent_api": ("user", "pass"),
}


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
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            time.sleep(wait)


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
        settings: InstanceSettings,
        *,
        user: str,
        password: SecretStr,
        backoff_max_s: float = 30.0,
        backoff_min_s: float = 0.2,
    ) -> None:
        self.name = name
        self.settings = settings
        self._user = user
        self._password = password
        self._http = httpx.Client(
            base_url=settings.base_url,
            timeout=httpx.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s)),
            limits=httpx.Limits(max_connections=settings.max_concurrency,
                                max_keepalive_connections=settings.max_concurrency),
            headers={"User-Agent": "dialsync"},
        )
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)
        self._limiter = RateLimiter(settings.requests_per_second)
        self._backoff = (backoff_min_s, backoff_max_s)
        self.requests_sent = 0

    @classmethod
    def from_settings(cls, name: str, settings: InstanceSettings, **kw: float) -> DialerClient:
        user, password = settings.credentials()
        return cls(name, settings, user=user, password=password, **kw)

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
             context: dict[str, str | None] | None = None) -> RawResponse:
        """One POST, no retries. Transport failures become TransientError."""
        ufield, pfield = AUTH_FIELDS[surface]
        form: dict[str, str | list[str]] = {k: (list(v) if not isinstance(v, str) else v) for k, v in params.items()}
        form[ufield] = self._user
        form[pfield] = self._password.get_secret_value()
        if surface == "goapi":
            form.setdefault("responsetype", self.settings.responsetype)
        else:
            form.setdefault("source", "dialsync")
        ctx = context or {}
        path = self.url_path(surface, module)
        with self._slots:
            self._limiter.acquire()
            self.requests_sent += 1
            t0 = time.perf_counter()
            try:
                with self._http.stream("POST", path, data=form) as resp:
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
    ) -> T:
        """POST and parse, retrying the pair when the failure is retryable.

        ``retry=False`` is for non-idempotent writes: the caller decides what a lost answer
        means (write-back checks the dialer before it sends again).
        """
        ctx = {"instance": self.name, "endpoint": endpoint, "partition": partition}

        def attempt() -> T:
            try:
                return parse(self.post(surface, params, module=module, context=ctx))
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
