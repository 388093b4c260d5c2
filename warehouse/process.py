"""Who is writing: (host, pid, process start) of this process, and whether such a writer still lives.

A crash (kill -9, OOM, power loss) leaves `running` ledger rows and half-staged lake files
behind. They may be cleaned up only when their writer is provably gone; a pid alone is not
proof (pids are reused), so the kernel's start time of the process is compared as well.
Rows and files of another host are never judged: that host's next run cleans its own.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Writer:
    host: str
    pid: int
    start: str  # kernel start time of the process (clock ticks since boot), "" when unknown

    @property
    def tag(self) -> str:
        """File-name-safe identity: ``<pid>-<start>@<host>``."""
        return f"{self.pid}-{self.start or 0}@{self.host}"

    @classmethod
    def from_tag(cls, tag: str) -> Writer | None:
        try:
            ident, host = tag.split("@", 1)
            pid, start = ident.split("-", 1)
            return cls(host, int(pid), "" if start == "0" else start)
        except ValueError:
            return None


def _stat(pid: int) -> tuple[str, str]:
    """(state, start time) from /proc, ("", "") when unreadable."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return "", ""
    # fields 3 (state) and 22 (starttime); the command name (field 2) may hold spaces
    rest = stat[stat.rfind(b")") + 2:].split()
    return rest[0].decode(), rest[19].decode()


def _start_time(pid: int) -> str:
    return _stat(pid)[1]


@cache
def _host() -> str:
    return socket.gethostname().replace("@", "_").replace("/", "_")


def this_writer() -> Writer:
    pid = os.getpid()  # not cached: a forked child is another writer
    return Writer(_host(), pid, _start_time(pid))


def is_dead(w: Writer) -> bool:
    """True only when ``w`` ran on this host and that process no longer exists."""
    if w.host != _host():
        return False
    try:
        os.kill(w.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by someone else
    state, start = _stat(w.pid)
    return state in ("Z", "X") or (bool(w.start) and start not in ("", w.start))
