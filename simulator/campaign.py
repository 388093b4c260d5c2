"""A fault campaign: sync days of every endpoint under injected faults, re-run what failed, and
compare the result with a clean run of the same simulator (seed, fixed clock) by content.

Not part of the simulator server: the harness that `bench/faults.py` runs in full and
`tests/test_faults.py` runs small, so both measure the same thing. It drives the real sync
path (`dialsync.service.sync.sync_range` over HTTP) with a fast-retrying client; which partitions are
left to re-run is read from the sync ledger, the one record of what completed.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dialsync.service.sync import PartitionSync, sync_range
from dialsync.settings import InstanceSettings, Settings
from extract.client import DialerClient
from extract.registry import ENDPOINTS, TABLES, Endpoint, ordered
from simulator.server import SimConfig, SimulatorServer
from warehouse.compare import Diff, compare_lakes
from warehouse.lake import Lake
from warehouse.ledger import SyncLedger

TZ = "America/New_York"
NOW = datetime(2025, 5, 8, 15, 30, tzinfo=ZoneInfo(TZ))
USER_ENV, PASS_ENV = "DIALSYNC_FAULTS_USER", "DIALSYNC_FAULTS_PASS"

#: every recoverable kind simulator/faults.py has, with its share of the fault rate. `auth` is
#: left out on purpose: a wrong-credential answer must stop the instance (circuit breaker),
#: not be retried into a locked account. `hang` and a 1 s Retry-After cost real seconds: capped.
MIX: tuple[tuple[str, float, str], ...] = (
    ("500", 1, ""), ("502", 1, ""), ("503", 1, ""), ("504", 1, ""), ("429", 1, ":retry_after=0"),
    ("reset", 1, ""), ("slow", 0.5, ":delay=0.05"), ("truncate", 1, ""), ("html", 1, ""),
    ("invalid_json", 1, ""), ("cut_line", 1.5, ""), ("cut_inline", 1.5, ""), ("empty", 1, ""),
)
TIMEOUT_S = 3.0
CAPPED = ("*:429@0.01#4:retry_after=1", f"*:hang@0.01#4:hang={TIMEOUT_S + 0.5}")


#: kinds whose body arrives with HTTP 200 and a consistent length but cut short: only the
#: parser can tell (see `cut_target`)
CUTS = frozenset({"invalid_json", "cut_line", "cut_inline", "empty"})


def fault_spec(rate: float, cut_target: str = "*") -> str:
    """Rules whose probabilities add up to about ``rate`` of requests faulted; body cuts go to
    ``cut_target`` only (``goapi``: JSON/XML; ``*``: every format, VICIdial text too)."""
    total = sum(w for _, w, _ in MIX)
    rules = list(CAPPED)
    remaining = 1.0
    for kind, w, opts in MIX:  # rules are tried in order: scale each to its share of what is left
        p = min(1.0, rate * w / total / remaining)
        if kind == "500":
            # an HTTP 500 from lead_status_search means "this API user may not" (never retried,
            # stops the instance): not a transient fault there, so it gets 500s nowhere else
            rules += [f"{e.action}:500@{p:.4f}" for e in ENDPOINTS if not e.server_error_is_permission]
        else:
            rules.append(f"{cut_target if kind in CUTS else '*'}:{kind}@{p:.4f}{opts}")
        remaining = max(1e-6, remaining * (1 - p))
    return ",".join(rules)


@dataclass
class CampaignResult:
    faults: Counter[str] = field(default_factory=Counter)
    runs: int = 0
    requests: int = 0
    unfinished: list[str] = field(default_factory=list)  # partitions still not loaded after max_runs
    diff: Diff = field(default_factory=Diff)
    seconds: float = 0.0

    @property
    def faults_injected(self) -> int:
        return sum(self.faults.values())


def _settings(data_dir: Path, sim: SimulatorServer, **client: float) -> Settings:
    dids = [str(d) for d in sim.ctx.world.dids.column("did_pattern").to_pylist()]
    lists = [str(x) for x in sim.ctx.world.lists.column("list_id").to_pylist()[:3]]
    common = {"base_url": sim.url, "timezone": TZ, "user_env": USER_ENV, "password_env": PASS_ENV,
              "requests_per_second": 1000.0, **client}
    return Settings(data_dir=data_dir, instances={
        "croco": InstanceSettings(platform="crocodial", **common),  # type: ignore[arg-type]
        "vici": InstanceSettings(platform="vicidial", dids=dids, list_ids=lists, **common),  # type: ignore[arg-type]
    })


def _plan(s: Settings, days: list[date]) -> dict[tuple[str, date], list[Endpoint]]:
    today = NOW.date()
    out: dict[tuple[str, date], list[Endpoint]] = {}
    for name, inst in s.instances.items():
        eps = [e for e in ENDPOINTS if e.supported_on(inst.platform, inst.surfaces)]
        for d in days:
            out[(name, d)] = ordered([e for e in eps if e.kind == "daily"])
        out[(name, today)] = ordered([e for e in eps if e.kind == "snapshot"])
    return out


def _run(s: Settings, todo: dict[tuple[str, date], list[Endpoint]]) -> dict[tuple[str, date], list[Endpoint]]:
    """One run over ``todo``; returns what the ledger does not show as loaded afterwards."""
    ledger = SyncLedger(s.state_dir / "sync_ledger.sqlite")
    lake = Lake(s.lake_dir)
    left: dict[tuple[str, date], list[Endpoint]] = {}
    for name in s.instances:
        inst = s.instance(name)
        client = DialerClient.from_settings(name, inst, backoff_min_s=0.01, backoff_max_s=0.05)
        ps = PartitionSync(name, inst, client, lake, ledger, now=lambda: NOW)
        try:
            for (inst_name, day), eps in sorted(todo.items(), key=lambda kv: kv[0][1]):
                if inst_name == name and eps:
                    sync_range(ps, eps, [day])
        finally:
            client.close()
    for (name, day), eps in todo.items():
        bad = [e for e in eps if (r := ledger.get(name, e.name, day.isoformat())) is None or r.status != "success"]
        if bad:
            left[(name, day)] = bad
    return left


def run_campaign(data_dir: Path, *, days: int = 3, agents: int = 8, calls_scale: float = 0.1, rate: float = 0.35,
                 seed: int = 7, max_runs: int = 12, max_attempts: int = 6, cut_target: str = "*",
                 log: Callable[[str], None] = lambda _m: None) -> CampaignResult:
    """Clean run, then the same syncs under faults until all loaded (at most ``max_runs``), then diff.

    ``max_attempts`` is the client's retry budget per request (the instance default, 6): a
    partition is all-or-nothing, so one request that fails every attempt fails its partition
    for that run (phone_number_log asks each batch twice: the numbers and their reverse)."""
    os.environ.setdefault(USER_ENV, "6666")
    os.environ.setdefault(PASS_ENV, "1234")
    res = CampaignResult()
    t0 = time.perf_counter()
    wanted = [NOW.date() - timedelta(days=i) for i in range(days, 0, -1)]
    cfg = SimConfig(seed=seed, agents=agents, timezone=TZ, now=NOW, calls_scale=calls_scale, log_requests=False)
    with SimulatorServer(cfg) as sim:
        client = {"max_attempts": max_attempts, "timeout_s": TIMEOUT_S, "phone_batch_size": 50}
        clean = _settings(data_dir / "clean", sim, **client)
        left = _run(clean, _plan(clean, wanted))
        if left:
            led = SyncLedger(clean.state_dir / "sync_ledger.sqlite")
            why = [f"{n} {d} {e.name}: {getattr(led.get(n, e.name, d.isoformat()), 'error', 'not tried')}"
                   for (n, d), eps in sorted(left.items()) for e in eps]
            raise RuntimeError(f"the clean run did not load everything: {why[:10]}")
        log(f"clean run: {len(wanted)} day(s), {len(clean.instances)} instance(s) loaded")
        faulty = _settings(data_dir / "faulty", sim, **client)
        sim.ctx.faults.set_spec(fault_spec(rate, cut_target))
        todo = _plan(faulty, wanted)
        while todo and res.runs < max_runs:
            res.runs += 1
            todo = _run(faulty, todo)
            fired = sum(r.fired for r in sim.ctx.faults.rules)
            log(f"run {res.runs}: {fired} faults so far, {sum(len(v) for v in todo.values())} partition(s) left")
        for r in sim.ctx.faults.rules:
            res.faults[r.kind] += r.fired
        res.requests = sum(r.seen for r in sim.ctx.faults.rules[:1])  # the first rule sees every request
        sim.ctx.faults.set_spec("")
    res.unfinished = [f"{n} {d} {e.name}" for (n, d), eps in sorted(todo.items()) for e in eps]
    res.diff = compare_lakes(Lake(clean.lake_dir), Lake(faulty.lake_dir), sorted(TABLES), list(clean.instances))
    res.seconds = time.perf_counter() - t0
    return res
