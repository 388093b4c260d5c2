"""Persisted auth-circuit trips under the data dir's state folder (`state/auth/`).

One small JSON file per instance, written atomically (temp file, fsync, rename) so a reader
in another process sees either no trip or a whole one; a file's existence is all a request
has to check, which keeps the per-request cost at one `stat`. A random salt (not a secret:
it only makes fingerprints useless outside this data dir) sits next to them, and a lock file
per instance serialises the first authenticated request of concurrent processes.
Records are the breaker's plain string mappings: this module knows files, not dialers.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote, unquote


class AuthStateStore:
    """Implements `extract.breaker.TripStore` with files."""

    def __init__(self, directory: Path | str) -> None:
        self.dir = Path(directory)

    def _file(self, instance: str, suffix: str) -> Path:
        return self.dir / f"{quote(instance, safe='')}{suffix}"

    def salt(self) -> bytes:
        """Created once, atomically with its content (a hard link publishes a complete file), so
        concurrent first users agree on it: a reader never sees an empty salt."""
        path = self.dir / "salt"
        if not path.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = self.dir / f".salt.{os.getpid()}.{secrets.token_hex(4)}"
            tmp.write_text(secrets.token_hex(16))
            try:
                os.link(tmp, path)
            except FileExistsError:  # another process published first: use theirs
                pass
            finally:
                tmp.unlink()
        value = bytes.fromhex(path.read_text().strip())
        if len(value) != 16:
            raise ValueError(f"{path} is not a 16-byte hex salt; delete it to start again")
        return value

    def load(self, instance: str) -> Mapping[str, str] | None:
        try:
            data = json.loads(self._file(instance, ".json").read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # hand-edited into nonsense: treated as no trip
            return None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None

    def save(self, instance: str, record: Mapping[str, str]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        final = self._file(instance, ".json")
        tmp = final.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "w") as fh:
            json.dump(dict(record), fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        with contextlib.suppress(OSError):
            dfd = os.open(self.dir, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def clear(self, instance: str) -> bool:
        try:
            self._file(instance, ".json").unlink()
        except FileNotFoundError:
            return False
        return True

    def records(self) -> dict[str, Mapping[str, str]]:
        """Every recorded trip, by instance (for `status` and `config show`)."""
        if not self.dir.exists():
            return {}
        out: dict[str, Mapping[str, str]] = {}
        for p in sorted(self.dir.glob("*.json")):
            name = unquote(p.stem)
            rec = self.load(name)
            if rec is not None:
                out[name] = rec
        return out

    @contextlib.contextmanager
    def probe_lock(self, instance: str) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._file(instance, ".lock"), os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock
