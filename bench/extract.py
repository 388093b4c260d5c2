"""Benchmark: `dialsync sync` of a 1,000,000-row outbound_cdr day vs the download+parse floor.

    .venv/bin/python bench/extract.py [--rows 1000000]

The simulator runs in this process; the floor and the sync each run in a fresh child
process so their peak RSS is their own. Figures printed:
- floor: download the same response + parse into an untyped Arrow table, nothing written
  (the faster of orjson → pyarrow and pyarrow.json over NDJSON);
- sync: the real path (HTTP → parser → typing + lineage → Parquet partition → ledger).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import _path  # noqa: F401  (keeps bench/ from shadowing the packages)

from simulator.server import SimConfig, SimulatorServer

TZ = "America/New_York"

FLOOR = textwrap.dedent("""
    import io, json, resource, sys, time
    import httpx, orjson, pyarrow as pa, pyarrow.json as pj
    url, day = sys.argv[1], sys.argv[2]
    form = {"goAction": "outbound_cdr", "goUser": "6666", "goPass": "1234", "responsetype": "json",
            "fromDate": day, "toDate": day}
    def download():
        with httpx.Client(timeout=600) as c:
            return c.post(url + "/goAPIv2/goReports/goAPI.php", data=form).content
    best = {}
    t = time.perf_counter(); body = download()
    rows = orjson.loads(body)["data"]["rows"]
    names = list(rows[0]) if rows else []
    tbl = pa.table({k: pa.array([r.get(k) for r in rows], pa.string()) for k in names})
    best["orjson"] = time.perf_counter() - t
    n = tbl.num_rows; del rows, tbl, body
    t = time.perf_counter(); body = download()
    start = body.index(b'"rows":[') + 8
    end = body.index(b'],"headers"', start) if b'],"headers"' in body else body.rindex(b']')
    nd = body[start:end].replace(b'},{', b'}\\n{')
    tbl = pj.read_json(io.BytesIO(nd))
    best["pyarrow.json"] = time.perf_counter() - t
    print(json.dumps({"rows": n, "orjson_s": best["orjson"], "pyarrow_json_s": best["pyarrow.json"],
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")

SYNC = textwrap.dedent("""
    import json, os, resource, sys, time
    from datetime import date, datetime
    from pathlib import Path
    from dialsync.settings import InstanceSettings
    from extract.client import DialerClient
    from extract.registry import endpoint
    from dialsync.service.sync import PartitionSync
    from warehouse.lake import Lake
    from warehouse.ledger import SyncLedger
    url, day, data, now = sys.argv[1], date.fromisoformat(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    os.environ["BENCH_U"], os.environ["BENCH_P"] = "6666", "1234"
    inst = InstanceSettings(platform="crocodial", base_url=url, timezone="America/New_York",
                            user_env="BENCH_U", password_env="BENCH_P", timeout_s=600, result_limit=0)
    client = DialerClient.from_settings("bench", inst)
    ps = PartitionSync("bench", inst, client, Lake(data / "lake"), SyncLedger(data / "ledger.sqlite"),
                       now=lambda: datetime.fromisoformat(now))
    t = time.perf_counter()
    r = ps.sync(endpoint("outbound_cdr"), day)
    dt = time.perf_counter() - t
    print(json.dumps({"rows": r.rows, "seconds": dt, "bytes": r.bytes,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    now = datetime(2025, 5, 8, 12, 0, tzinfo=ZoneInfo(TZ))
    day = (now.date() - timedelta(days=1)).isoformat()
    cfg = SimConfig(seed=1, agents=200, timezone=TZ, now=now, outbound_calls_per_day=a.rows,
                    limits={"rows": 10**9, "records": 10**9, "lead_search": 1000}, log_requests=False)
    with SimulatorServer(cfg) as sim:
        t = time.perf_counter()
        sim.ctx.day_log(date.fromisoformat(day))
        print(f"simulator: generated the day in {time.perf_counter() - t:.2f} s")
        floors, syncs = [], []
        for _ in range(a.repeat):
            floors.append(child(FLOOR, sim.url, day))
            with tempfile.TemporaryDirectory() as d:
                syncs.append(child(SYNC, sim.url, day, d, now.isoformat()))
    floor = min(min(f["orjson_s"], f["pyarrow_json_s"]) for f in floors)
    best = min(syncs, key=lambda s: s["seconds"])
    rows = floors[0]["rows"]
    print(f"rows in the day:            {rows:,}")
    print(f"floor (download+parse):     {floor:.2f} s  = {rows / floor:,.0f} rows/s "
          f"(orjson {min(f['orjson_s'] for f in floors):.2f} s, pyarrow.json "
          f"{min(f['pyarrow_json_s'] for f in floors):.2f} s)")
    print(f"dialsync sync (typed, lineage, parquet, ledger): {best['seconds']:.2f} s = "
          f"{rows / best['seconds']:,.0f} rows/s, peak RSS {best['rss_mb']:.0f} MB, "
          f"{best['bytes'] / 1e6:.1f} MB parquet")
    print(f"ratio sync/floor throughput: {floor / best['seconds']:.2f} (goal >= 0.67), "
          f"peak RSS goal <= 1024 MB")


if __name__ == "__main__":
    main()
