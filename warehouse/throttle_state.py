"""One dialer's request rate and connection slots, shared by every process of a data dir.

A dialer allows `requests_per_second` and `max_concurrency` in all: a CLI sync beside a Dagster
run, or two Dagster steps at once, share them instead of each taking them whole. (Before, each
Dagster step took half of each so that the two steps the `dialer` pool lets run could not exceed
them: a lone step, the usual case, ran at half the rate and half the connections, and a CLI sync
beside a run was not counted at all.)

State lives in `state/throttle/<instance>/`: the token bucket in one small file, read and
rewritten under an exclusive flock for each request, and one lock file per connection slot,
flocked while a request is in flight. The kernel drops a dead process's locks, so a crash never
leaks a slot; a bucket file cut by a crash reads as full (at most one burst). Implements
`extract.client.Throttle`; this module knows files, not dialers.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from extract.client import take_token

#: Bytes of the bucket record ("<tokens> <unix time>", space-padded: rewritten in place).
_RECORD = 64


class SharedThrottle:
    """Token bucket (burst = one second's requests, as `extract.client.RateLimiter`) and slots."""

    def __init__(self, directory: Path | str, per_second: float, slots: int, *, poll_s: float = 0.01) -> None:
        self.dir = Path(directory)
        self.rate = per_second
        self.capacity = float(max(1, int(per_second)))
        self.slots = max(1, slots)
        self.poll_s = poll_s
        # this process's threads never poll for more slots than there are
        self._local = threading.BoundedSemaphore(self.slots)
        self.dir.mkdir(parents=True, exist_ok=True)

    @classmethod
    def for_instance(cls, state_dir: Path, instance: str, per_second: float, slots: int) -> SharedThrottle:
        return cls(Path(state_dir) / "throttle" / quote(instance, safe=""), per_second, slots)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the dialer's connection slots while the block runs."""
        with self._local:
            fd = self._take_slot()
            try:
                yield
            finally:
                os.close(fd)  # releases the flock

    def _take_slot(self) -> int:
        while True:
            for k in range(self.slots):
                fd = os.open(self.dir / f"slot-{k}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except BlockingIOError:
                    os.close(fd)
            time.sleep(self.poll_s)

    def acquire(self) -> None:
        """Take one request's token from the shared bucket, waiting until there is one."""
        if self.rate <= 0:
            return
        while True:
            fd = os.open(self.dir / "bucket", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                now = time.time()  # wall clock: the one every process shares
                try:
                    tokens, updated = (float(x) for x in os.pread(fd, _RECORD, 0).split()[:2])
                except ValueError:  # new, or cut by a crash
                    tokens, updated = self.capacity, now
                tokens, wait = take_token(tokens, now - updated, self.rate, self.capacity)
                os.pwrite(fd, f"{tokens!r} {now!r}".encode().ljust(_RECORD), 0)
            finally:
                os.close(fd)
            if not wait:
                return
            time.sleep(wait)
