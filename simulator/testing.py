"""Small HTTP helpers for tests, the demo and benchmarks (real requests, no mocks)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.server import SimulatorServer

CREDS = {"goUser": "6666", "goPass": "1234"}
#: One pooled client: creating an httpx.Client costs ~0.1 s (SSL context), a request ~1 ms.
CLIENT = httpx.Client(timeout=60.0)


def goapi(server: SimulatorServer | str, module: str, action: str, responsetype: str | None = "json",
          method: str = "POST", timeout: float = 60.0, creds: dict[str, str] | None = None,
          **params: Any) -> httpx.Response:
    """One goAPIv2 request. List values become `name[]` pairs (PHP arrays)."""
    base = server if isinstance(server, str) else server.url
    pairs: list[tuple[str, str]] = [("goAction", action), *(creds or CREDS).items()]
    if responsetype is not None:
        pairs.append(("responsetype", responsetype))
    for k, v in params.items():
        if isinstance(v, (list, tuple)):
            pairs += [(f"{k}[]", str(x)) for x in v]
        elif v is not None:
            pairs.append((k, str(v)))
    url = f"{base}/goAPIv2/{module}/goAPI.php"
    if method == "GET":
        return CLIENT.get(url, params=pairs, timeout=timeout)
    form: dict[str, Any] = {}
    for k, v in pairs:
        form.setdefault(k, []).append(v)
    return CLIENT.post(url, data={k: v[0] if len(v) == 1 else v for k, v in form.items()}, timeout=timeout)


def goapi_json(server: SimulatorServer | str, module: str, action: str, **params: Any) -> Any:
    r = goapi(server, module, action, "json", **params)
    r.raise_for_status()
    return orjson.loads(r.content)


def truth(server: SimulatorServer, name: str, day: date) -> pa.Table:
    """`GET /_sim/truth/<name>?date=` as an Arrow table."""
    r = CLIENT.get(f"{server.url}/_sim/truth/{name}", params={"date": day.isoformat()}, timeout=60)
    r.raise_for_status()
    return pq.read_table(io.BytesIO(r.content))


def set_faults(server: SimulatorServer, spec: str) -> None:
    CLIENT.post(f"{server.url}/_sim/faults", data={"spec": spec}, timeout=10).raise_for_status()


def requests_log(server: SimulatorServer, action: str | None = None) -> list[dict[str, Any]]:
    params = {"action": action} if action else {}
    return orjson.loads(CLIENT.get(f"{server.url}/_sim/requests", params=params, timeout=10).content)


def clear_requests(server: SimulatorServer) -> None:
    CLIENT.delete(f"{server.url}/_sim/requests", timeout=10).raise_for_status()
