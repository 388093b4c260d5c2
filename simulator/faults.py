"""Seeded, reproducible fault injection.

Why a spec string: tests, the CLI (`--faults`) and the runtime route `POST /_sim/faults`
all configure faults the same way, and a given spec + seed + request order always produces
the same faults, so a retry test can assert "503, 503, then success" deterministically.

Grammar (whitespace ignored)::

    spec    := rule ("," rule)*
    rule    := target ":" kind ["@" prob] ["#" count] (":" option)*
    target  := "*" | an endpoint name (goAction or function, e.g. outbound_cdr, agent_stats_export)
               | a goAPI module (goReports) | a surface (goapi, lmapi, vicidial, dialer360)
    kind    := 500 | 502 | 503 | 504 | 429 | reset | slow | hang | truncate | html
               | invalid_json | cut_line | cut_inline | empty | auth
    prob    := probability per matching request, 0..1 (default 1)
    count   := fault only the first N matching requests, then let them through
    option  := retry_after=S (429, default 1) | delay=S (slow, default 2)
               | hang=S (hang, default 30) | after=N (let the first N matching requests through)
               | at=F (cut_line/cut_inline: where to cut, 0..1 of the body; default seeded random)

Examples: ``outbound_cdr:503#2`` (two 503s, then success), ``*:429@0.1:retry_after=1``,
``agent_cdr:truncate@1.0``, ``goReports:slow:delay=0.5``, ``*:auth#3``.

Rules are tried in order; the first that fires decides. Kinds:
5xx/429 → that status (429 with Retry-After); reset → TCP RST before any byte; slow → answer
after `delay`; hang → sleep `hang` seconds (past a client timeout) then answer; truncate →
announce the full Content-Length, send half, drop the connection; html → an HTML error page
with HTTP 200; invalid_json → HTTP 200, body cut in half (consistent length); cut_line → HTTP 200,
consistent length, body ends right after a line terminator (the last lines are missing: the hard
case for line formats); cut_inline → HTTP 200, consistent length, body ends inside a line;
empty → HTTP 200, 0 bytes; auth → the surface's wrong-credential answer (a "storm" with @1.0).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KINDS = frozenset({"500", "502", "503", "504", "429", "reset", "slow", "hang", "truncate", "html",
                   "invalid_json", "cut_line", "cut_inline", "empty", "auth"})
#: kinds that answer HTTP 200 with a body cut short but a consistent Content-Length
CUT_KINDS = frozenset({"invalid_json", "cut_line", "cut_inline"})


class FaultSpecError(ValueError):
    """The spec string does not follow the grammar."""


@dataclass
class FaultRule:
    target: str
    kind: str
    prob: float = 1.0
    count: int | None = None
    options: dict[str, float] = field(default_factory=dict)
    seen: int = 0
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, keys: tuple[str, ...]) -> bool:
        return self.target == "*" or self.target in keys


@dataclass(frozen=True)
class Fault:
    """A decided fault for one request."""

    kind: str
    rule: str
    options: dict[str, float]

    @property
    def status(self) -> int | None:
        return int(self.kind) if self.kind.isdigit() else None


def parse_spec(spec: str | None, seed: int = 0) -> list[FaultRule]:
    """Parse a spec string into rules with their own seeded RNG each."""
    rules: list[FaultRule] = []
    if not spec or not spec.strip():
        return rules
    for i, raw in enumerate(p.strip() for p in spec.split(",")):
        if not raw:
            continue
        parts = [p.strip() for p in raw.split(":")]
        if len(parts) < 2 or not parts[0]:
            raise FaultSpecError(f"fault rule {raw!r}: expected target:kind")
        target, head, opts = parts[0], parts[1], parts[2:]
        count: int | None = None
        prob = 1.0
        if "#" in head:
            head, c = head.split("#", 1)
            count = int(c)
        if "@" in head:
            head, p = head.split("@", 1)
            prob = float(p)
        if head not in KINDS:
            raise FaultSpecError(f"fault rule {raw!r}: unknown kind {head!r} (known: {', '.join(sorted(KINDS))})")
        if not 0.0 <= prob <= 1.0:
            raise FaultSpecError(f"fault rule {raw!r}: probability must be within 0..1")
        options: dict[str, float] = {}
        for o in opts:
            if "=" not in o:
                raise FaultSpecError(f"fault rule {raw!r}: option {o!r} is not key=value")
            k, v = o.split("=", 1)
            if k not in ("retry_after", "delay", "hang", "after", "at"):
                raise FaultSpecError(f"fault rule {raw!r}: unknown option {k!r}")
            options[k] = float(v)
        rules.append(FaultRule(target, head, prob, count, options,
                               rng=random.Random(f"{seed}:{i}:{target}:{head}")))
    return rules


class FaultInjector:
    """Holds the active rules; `decide` is called once per API request (thread-safe)."""

    def __init__(self, spec: str | None = None, seed: int = 0) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self.spec = spec or ""
        self.rules = parse_spec(self.spec, seed)

    def set_spec(self, spec: str | None) -> None:
        """Replace the rules (counters and RNGs restart, so the new spec is reproducible)."""
        rules = parse_spec(spec, self.seed)
        with self._lock:
            self.spec = spec or ""
            self.rules = rules

    def decide(self, *keys: str) -> Fault | None:
        """The fault for a request identified by `keys` (action, module, surface), or None."""
        with self._lock:
            for r in self.rules:
                if not r.matches(tuple(k for k in keys if k)):
                    continue
                r.seen += 1
                if r.seen <= int(r.options.get("after", 0)):
                    continue
                if r.count is not None and r.fired >= r.count:
                    continue
                if r.prob < 1.0 and r.rng.random() >= r.prob:
                    continue
                r.fired += 1
                options = dict(r.options)
                if r.kind in ("cut_line", "cut_inline") and "at" not in options:
                    options["at"] = r.rng.random()
                return Fault(r.kind, f"{r.target}:{r.kind}", options)
        return None


def cut_body(fault: Fault, body: bytes) -> bytes:
    """The body a cut fault sends instead of ``body`` (always strictly shorter when it can be).

    invalid_json: the first half; cut_line: up to and including the last line terminator
    before ``at`` (so every line sent is whole); cut_inline: ends inside a line, never right
    after a terminator.
    """
    if fault.kind == "invalid_json" or len(body) < 2:
        return body[: max(1, len(body) // 2)]
    pos = min(len(body) - 1, max(1, int(len(body) * fault.options.get("at", 0.5))))
    if fault.kind == "cut_line":
        nl = body.rfind(b"\n", 0, pos)
        if nl == -1:
            nl = body.find(b"\n")
        if 0 <= nl < len(body.rstrip(b"\r\n")):
            return body[: nl + 1]
        # a single line: the best a line cut can do is drop the whole answer's tail
    while pos > 1 and body[pos - 1:pos] in (b"\n", b"\r"):
        pos -= 1
    return body[:pos]
