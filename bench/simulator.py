"""Simulator benchmark: day generation at 200 / 2,000 agents, outbound_cdr serve throughput,
and the time to serve a ~1M-row outbound_cdr day over HTTP.

    .venv/bin/python bench/simulator.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import _path  # noqa: F401  (keeps bench/ from shadowing the packages)
import httpx
import pyarrow.compute as pc

from simulator.events import clear_cache, day_log
from simulator.server import SimConfig, SimulatorServer
from simulator.world import build_world

TZ = ZoneInfo("America/New_York")
NOW = datetime(2025, 5, 14, 15, 0, tzinfo=TZ)
DAY = date(2025, 5, 13)


def gen(agents: int) -> None:
    t = time.perf_counter()
    w = build_world(42, agents)
    tw = time.perf_counter() - t
    clear_cache()
    t = time.perf_counter()
    log = day_log(w, DAY, now=NOW)
    tg = time.perf_counter() - t
    print(f"{agents:>5} agents: world {tw:.2f}s ({w.leads.num_rows:,} leads), day {tg:.2f}s "
          f"({log.calls.num_rows:,} calls, {log.agent_states.num_rows:,} agent states)")


def pull(client: httpx.Client, url: str, rtype: str = "json") -> tuple[float, int]:
    data = {"goAction": "outbound_cdr", "goUser": "6666", "goPass": "1234", "responsetype": rtype,
            "fromDate": DAY.isoformat(), "toDate": DAY.isoformat()}
    t = time.perf_counter()
    n = 0
    with client.stream("POST", f"{url}/goAPIv2/goReports/goAPI.php", data=data) as r:
        r.raise_for_status()
        for chunk in r.iter_raw():
            n += len(chunk)
    return time.perf_counter() - t, n


def serve(rows: int | None, agents: int, label: str) -> None:
    cfg = SimConfig(seed=42, agents=agents, now=NOW, outbound_calls_per_day=rows,
                    limits={"rows": 10_000_000, "records": 10_000_000, "lead_search": 1000}, log_requests=False)
    with SimulatorServer(cfg) as sim, httpx.Client(timeout=300) as client:
        t = time.perf_counter()
        log = sim.ctx.day_log(DAY)
        n_out = log.calls.filter(pc.equal(log.calls["direction"], "OUT")).num_rows
        tg = time.perf_counter() - t
        first, size = pull(client, sim.url)
        best = min(pull(client, sim.url)[0] for _ in range(2))
        tx, sx = pull(client, sim.url, "xml")
        print(f"{label}: {n_out:,} outbound rows generated in {tg:.2f}s; JSON {size / 1e6:.0f} MB "
              f"first pull {first:.2f}s, warm {best:.2f}s = {n_out / best:,.0f} rows/s, {size / 1e6 / best:.0f} MB/s; "
              f"XML {sx / 1e6:.0f} MB in {tx:.2f}s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    gen(200)
    gen(2000)
    serve(None, 60, "60 agents, natural day")
    serve(args.rows, 200, f"~{args.rows:,}-row outbound day")


if __name__ == "__main__":
    main()
