"""Error hierarchy for talking to a dialer.

Messages name instance, endpoint and partition so an operator knows what failed, and they
are built only from redacted text: a server that echoes the password (VICIdial's login
failure line does) must never put it into an exception, a log or the ledger.
"""

from __future__ import annotations


class DialerError(Exception):
    """Base class. ``retryable`` tells the client whether another attempt can help."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        instance: str | None = None,
        endpoint: str | None = None,
        partition: str | None = None,
    ) -> None:
        self.message = message
        self.instance = instance
        self.endpoint = endpoint
        self.partition = partition
        super().__init__(self._render())

    def _render(self) -> str:
        where = [
            f"{k}={v}"
            for k, v in (("instance", self.instance), ("endpoint", self.endpoint), ("partition", self.partition))
            if v
        ]
        return f"{self.message} [{' '.join(where)}]" if where else self.message

    def with_context(self, *, instance: str | None = None, endpoint: str | None = None,
                     partition: str | None = None) -> DialerError:
        """Fill in missing context (parsers raise without it; the sync layer knows it)."""
        self.instance = self.instance or instance
        self.endpoint = self.endpoint or endpoint
        self.partition = self.partition or partition
        self.args = (self._render(),)
        return self

    def __str__(self) -> str:
        return self._render()


class AuthError(DialerError):
    """Bad credentials or a locked account. Never retried: 10 bad logins lock the account."""


class PermissionDeniedError(DialerError):
    """The API user lacks the user level or permission for this function. Never retried."""


class CircuitOpenError(AuthError):
    """An earlier login, lockout or permission error of these credentials opened the instance's
    auth circuit: the request was refused before it reached the network (see `extract.breaker`)."""

    def __init__(self, message: str, *, tripped_at: str = "", reason: str = "", **kw: str | None) -> None:
        self.tripped_at = tripped_at
        self.reason = reason
        super().__init__(message, **kw)


class TimezoneMismatchError(DialerError):
    """The server's UTC offset (`function=version` TZNOW) is not the configured zone's: every
    timestamp would be shifted silently, so the instance is not synced."""


class ApiError(DialerError):
    """The server answered with an error message of its own (e.g. ``ERROR: ... INVALID ...``)."""

    def __init__(self, message: str, *, server_message: str | None = None, **kw: str | None) -> None:
        self.server_message = server_message
        super().__init__(message, **kw)


class UnsupportedError(DialerError):
    """The platform or configured API surfaces do not offer this endpoint or function."""


class TransientError(DialerError):
    """Transport failure, 5xx, 429, timeout: another attempt may succeed."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: str | None) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ParseError(DialerError):
    """The body is not what the format promises (truncated JSON, HTML error page, bad XML).

    Retryable: a truncated or garbled body from a flaky proxy is usually fine the next time.
    """

    retryable = True


class LimitReachedError(DialerError):
    """A result has exactly the server's row limit and cannot be split further: refuse to
    store a silently truncated partition."""


def redact(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """Replace every non-empty secret in ``text`` with ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
