"""Micro-benchmark: parsing a large outbound_cdr JSON body (default 1,000,000 rows, ~350 MB).

Generates the body in-process (PHP json_encode style: compact, ``\\/`` escapes), then times:

* ``orjson → pa.Table.from_pylist``: the naive baseline (one dict per row);
* ``pyarrow.json`` alone on the pre-made NDJSON (the floor: no envelope, no slicing);
* ``goapi.outbound_cdr`` (the fast path: slice + chunked ``},{`` → newline + Arrow NDJSON);
* ``goapi.outbound_cdr`` forced exact (per-chunk orjson), and on a memory-mapped temp file;
* ``cast_table`` (typing incl. ``_utc`` columns).

Run: ``.venv/bin/python bench/parse.py [rows]``. Peak RSS (VmHWM) is printed per step, each
step in a fresh subprocess so the steps do not inflate each other; wall and CPU seconds are
both printed because a shared machine makes wall time noisy.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIELDS = ("call_date", "src", "dst", "agent", "campaign", "call_type", "disposition",
          "carrier_disposition", "term_reason", "queue_time", "portfolio", "vendor_lead_code",
          "lead_id", "list_id", "entry_date")


def make_body(n: int, seed: int = 7) -> bytes:
    """A realistic compact outbound_cdr body with ``n`` rows (string values, PHP escapes)."""
    rnd = random.Random(seed)
    agents = [f"Agent.{i:03d}" for i in range(150)]
    dispos = ["Voicemail", "No Answer", "Busy", "Sale", "Callback", "VM \\/ NML", "Denied"]
    parts = []
    for i in range(n):
        s = 21600 + i * 50400 // max(n, 1)
        ts = f"2025-05-02 {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
        parts.append(
            f'{{"call_date":"{ts}","src":"{rnd.randrange(10**9, 10**10)}",'
            f'"dst":"{rnd.randrange(10**9, 10**10)}","agent":"{agents[i % 150]}",'
            f'"campaign":"CAMPAIGN-{i % 12}","call_type":"Dialer","disposition":"{dispos[i % 7]}",'
            f'"carrier_disposition":"Answer","term_reason":"AGENT",'
            f'"queue_time":"{rnd.randrange(0, 90)}","portfolio":"P{i % 30:02d}",'
            f'"vendor_lead_code":"{i:08d}-{i * 7:08d}","lead_id":"{10_000_000 + i}",'
            f'"list_id":"{1000 + i % 40}","entry_date":"2025-05-01 09:00:00"}}')
    summary = json.dumps([{"campaign_name": f"CAMPAIGN-{c}", "total_calls": n // 12}
                          for c in range(12)], separators=(",", ":"))
    return (b'{"result":"success","data":{"rows":[' + ",".join(parts).encode()
            + b'],"headers":[{"title":"CALL DATE","field":"call_date"}],"summary_headers":[],'
            + b'"summary_rows":' + summary.encode() + b"}}")


def _rss_mb() -> float:
    """Peak RSS of this process (VmHWM: unlike ru_maxrss it is not inherited over exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _step(name: str, path: str) -> None:
    """Run one step in this (fresh) process; print seconds and peak RSS."""
    import orjson
    import pyarrow as pa
    import pyarrow.json as pajson

    from extract.parsers import goapi, jsonrows
    from extract.typing import cast_table

    body = Path(path).read_bytes()
    base = _rss_mb()
    t0 = time.perf_counter()
    c0 = time.process_time()
    if name == "orjson+from_pylist":
        rows = orjson.loads(body)["data"]["rows"]
        table = pa.Table.from_pylist(rows)
    elif name == "pyarrow.json ndjson only":
        open_, close = jsonrows.find_array(body)
        nd = body[open_ + 1:close].replace(b"},{", b"}\n{")
        t0, c0 = time.perf_counter(), time.process_time()
        table = pajson.read_json(pa.BufferReader(nd))
    elif name == "goapi.outbound_cdr (fast)":
        table = goapi.outbound_cdr(body, "json")["outbound_cdr"]
    elif name == "goapi.outbound_cdr (mmap file)":
        del body
        base = _rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        table = goapi.outbound_cdr(path, "json")["outbound_cdr"]
    elif name == "goapi.outbound_cdr (exact)":
        table = goapi.outbound_cdr(body, "json", fast=False)["outbound_cdr"]
    elif name == "fast + cast_table":
        table = goapi.outbound_cdr(body, "json")["outbound_cdr"]
        table, _ = cast_table(table, "outbound_cdr", "America/New_York")
    else:
        raise SystemExit(f"unknown step {name}")
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{name:34s} {dt:7.3f} s wall {cpu:7.3f} s cpu  rows={table.num_rows:>9,}  "
          f"peak RSS {_rss_mb():7.0f} MB (body loaded: {base:.0f} MB)", flush=True)


STEPS = ("orjson+from_pylist", "pyarrow.json ndjson only", "goapi.outbound_cdr (fast)",
         "goapi.outbound_cdr (mmap file)", "goapi.outbound_cdr (exact)", "fast + cast_table")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--step":
        _step(sys.argv[2], sys.argv[3])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t0 = time.perf_counter()
    body = make_body(n)
    print(f"body: {n:,} rows, {len(body) / 1e6:.0f} MB, generated in "
          f"{time.perf_counter() - t0:.1f} s; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "outbound_cdr.json")
        Path(path).write_bytes(body)
        del body
        for step in STEPS:
            subprocess.run([sys.executable, __file__, "--step", step, path], check=True)


if __name__ == "__main__":
    main()
