"""The simulator's HTTP server: every dialer surface on one loopback port.

Why real HTTP (uvicorn on a socket) rather than an ASGI test client: the project must talk to
the simulator exactly as to a production dialer — timeouts, connection resets, truncated
bodies and Retry-After only mean something over a real socket.

Routes:
  /goAPIv2/{module}/goAPI.php     croco-dial goAPIv2 (simulator.goapi)
  /API/lmapi.php                   croco-dial lead loading (simulator.lmapi)
  /vicidial/non_agent_api.php      VICIdial (simulator.nonagent, surface="vicidial")
  /adminpanel/api.php              Dialer360 (simulator.nonagent, surface="dialer360")
  /_sim/health, /_sim/truth/<name>?date=, /_sim/faults (GET/POST), /_sim/requests (GET/DELETE),
  /_sim/clock (GET/POST)

Handlers receive `(params: Params, ctx: SimContext, ...)` (simulator.context; the config and
accounts are in simulator.config) and return a starlette Response,
`bytes`/`str` (sent as text/html, HTTP 200 like PHP) or `(body, content_type)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from simulator import goapi, lmapi, nonagent
from simulator.config import ApiUser, SimConfig
from simulator.context import Params, SimContext
from simulator.faults import CUT_KINDS, Fault, FaultSpecError, cut_body
from simulator.truth import TRUTH_NAMES, truth_table

#: The simulator's entry points (config, accounts, the server) importable from one place.
__all__ = ["ApiUser", "SimConfig", "SimContext", "SimulatorServer", "create_app"]

CREDENTIAL_PARAMS = {"goapi": ("goUser", "goPass"), "lmapi": ("user", "pass"),
                     "vicidial": ("user", "pass"), "dialer360": ("user", "pass")}


# ---------------------------------------------------------------------------------- faults
async def _fault_response(fault: Fault, surface: str, params: Params) -> Response | None:
    """A Response for the fault, or None when the fault was a delay and the request proceeds."""
    k = fault.kind
    if fault.status is not None:
        headers = {"Retry-After": str(int(fault.options.get("retry_after", 1)))} if k == "429" else {}
        return PlainTextResponse(f"{k} simulated fault\n", status_code=int(k), headers=headers)
    if k == "slow":
        await asyncio.sleep(fault.options.get("delay", 2.0))
        return None
    if k == "hang":
        await asyncio.sleep(fault.options.get("hang", 30.0))
        return None
    if k == "html":
        return Response("<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>\n"
                        "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n"
                        "</body>\n</html>\n", media_type="text/html")
    if k == "empty":
        return Response(b"", media_type="text/html")
    if k == "auth":
        if surface == "goapi":
            return Response(orjson.dumps({"result": "error", "message": "Invalid Username/Password"}),
                            media_type="text/html")
        user, pw = params.get("user") or "", params.get("pass") or ""
        return Response(f"ERROR: Login incorrect, please try again: |{user}|{pw}|BAD|\n", media_type="text/html")
    return None  # reset / truncate / cut kinds are applied to the real response


def _abort_transport(request: Request) -> None:
    """Close the TCP connection with RST (SO_LINGER 0) — a real 'connection reset by peer'."""
    transport = request.scope.get("sim.transport")
    if transport is None:
        raise ConnectionResetError("simulated reset")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class _Truncated(Response):
    """Announces the full length, sends half, then drops the connection."""

    def __init__(self, body: bytes, media_type: str, request: Request) -> None:
        super().__init__(b"", media_type=media_type)
        self.full = body
        self.req = request
        self.headers["content-length"] = str(len(body))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.full[: max(1, len(self.full) // 2)],
                    "more_body": True})
        await asyncio.sleep(0.01)
        _abort_transport(self.req)


async def _body_bytes(resp: Response) -> bytes:
    if isinstance(resp, StreamingResponse):
        chunks = []
        async for c in resp.body_iterator:
            chunks.append(c if isinstance(c, bytes) else c.encode())
        return b"".join(chunks)
    return bytes(resp.body)


def _as_response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        body, ctype = result
        return Response(body, media_type=ctype)
    if result is None:
        return Response(b"", media_type="text/html")
    return Response(result, media_type="text/html")


# ---------------------------------------------------------------------------------- app
def create_app(config: SimConfig | None = None, ctx: SimContext | None = None) -> Starlette:
    """The Starlette app; `app.state.ctx` is the shared SimContext."""
    ctx = ctx or SimContext(config or SimConfig())

    async def read_params(request: Request) -> Params:
        pairs = list(request.query_params.multi_items())
        if request.method == "POST":
            ctype = request.headers.get("content-type", "")
            if "form" in ctype:
                form = await request.form()
                pairs += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        return Params(pairs)

    async def dispatch(request: Request, surface: str, module: str | None,
                       handler: Callable[[Params], Any]) -> Response:
        params = await read_params(request)
        action_key = "goAction" if surface == "goapi" else "function"
        action = params.get(action_key) or ""
        cred = CREDENTIAL_PARAMS[surface]
        entry = {"ts": time.time(), "path": request.url.path, "method": request.method, "surface": surface,
                 "module": module, "action": action,
                 "params": {k: v for k, v in params.to_dict().items() if k not in cred}}
        fault = ctx.faults.decide(action, module or "", surface)
        entry["fault"] = fault.kind if fault else None
        if ctx.config.log_requests:
            ctx.log_request(entry)
        if fault is not None:
            if fault.kind == "reset":
                _abort_transport(request)
                return Response(b"")
            early = await _fault_response(fault, surface, params)
            if early is not None:
                entry["status"] = early.status_code
                return early
        result = await asyncio.to_thread(handler, params)
        resp = _as_response(result)
        entry["status"] = resp.status_code
        if fault is not None and fault.kind in ("truncate", *CUT_KINDS):
            body = await _body_bytes(resp)
            if fault.kind == "truncate":
                return _Truncated(body, resp.media_type or "text/html", request)
            return Response(cut_body(fault, body), media_type=resp.media_type)
        return resp

    async def goapi_route(request: Request) -> Response:
        module = request.path_params["module"]
        return await dispatch(request, "goapi", module, lambda p: goapi.handle(p, ctx, module))

    async def lmapi_route(request: Request) -> Response:
        return await dispatch(request, "lmapi", None, lambda p: lmapi.handle(p, ctx))

    async def vicidial_route(request: Request) -> Response:
        return await dispatch(request, "vicidial", None, lambda p: nonagent.handle(p, ctx, surface="vicidial"))

    async def d360_route(request: Request) -> Response:
        return await dispatch(request, "dialer360", None, lambda p: nonagent.handle(p, ctx, surface="dialer360"))

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "seed": ctx.config.seed, "agents": ctx.world.n_agents,
                             "timezone": ctx.config.timezone, "now": ctx.clock.now().isoformat(),
                             "realism": ctx.realism})

    async def truth(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in TRUTH_NAMES:
            return PlainTextResponse(f"unknown truth table {name!r}; known: {', '.join(TRUTH_NAMES)}", 404)
        try:
            day = date.fromisoformat(request.query_params.get("date", ""))
        except ValueError:
            return PlainTextResponse("date=YYYY-MM-DD required", 400)
        tbl = await asyncio.to_thread(truth_table, ctx.world, ctx.store, day, name, ctx)
        buf = io.BytesIO()
        pq.write_table(tbl, buf, compression="zstd")
        return Response(buf.getvalue(), media_type="application/vnd.apache.parquet")

    async def faults_route(request: Request) -> Response:
        if request.method == "POST":
            spec = await _text_arg(request, "spec")
            try:
                ctx.faults.set_spec(spec)
            except FaultSpecError as e:
                return JSONResponse({"ok": False, "error": str(e)}, 400)
        return JSONResponse({"ok": True, "spec": ctx.faults.spec})

    async def requests_route(request: Request) -> Response:
        if request.method == "DELETE":
            with ctx._lock:
                ctx.requests.clear()
            return JSONResponse({"ok": True})
        since = int(request.query_params.get("since", "0") or 0)
        action = request.query_params.get("action")
        rows = [r for r in list(ctx.requests) if r["seq"] > since and (not action or r["action"] == action)]
        return Response(orjson.dumps(rows), media_type="application/json")

    async def clock_route(request: Request) -> Response:
        if request.method == "POST":
            val = await _text_arg(request, "now")
            ctx.clock.set(datetime.fromisoformat(val) if val else None)
        return JSONResponse({"now": ctx.clock.now().isoformat(), "fixed": ctx.clock.fixed})

    routes = [
        Route("/goAPIv2/{module}/goAPI.php", goapi_route, methods=["GET", "POST"]),
        Route("/API/lmapi.php", lmapi_route, methods=["GET", "POST"]),
        Route("/vicidial/non_agent_api.php", vicidial_route, methods=["GET", "POST"]),
        Route("/adminpanel/api.php", d360_route, methods=["GET", "POST"]),
        Route("/_sim/health", health),
        Route("/_sim/truth/{name}", truth),
        Route("/_sim/faults", faults_route, methods=["GET", "POST"]),
        Route("/_sim/requests", requests_route, methods=["GET", "DELETE"]),
        Route("/_sim/clock", clock_route, methods=["GET", "POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.ctx = ctx
    return app


async def _text_arg(request: Request, name: str) -> str:
    """`name` from the query, a form field, a JSON object, or the raw body."""
    if name in request.query_params:
        return request.query_params[name]
    ctype = request.headers.get("content-type", "")
    if "form" in ctype:
        form = await request.form()
        v = form.get(name)
        return v if isinstance(v, str) else ""
    raw = await request.body()
    if "json" in ctype and raw:
        data = orjson.loads(raw)
        return str(data.get(name) or "") if isinstance(data, dict) else str(data)
    return raw.decode().strip()


class _Protocol(HttpToolsProtocol):
    """uvicorn protocol that exposes the transport in the ASGI scope (for real TCP resets)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        app = self.app

        async def with_transport(scope: Any, receive: Any, send: Any) -> None:
            scope = dict(scope)
            scope["sim.transport"] = transport
            await app(scope, receive, send)

        self.app = with_transport


class SimulatorServer:
    """uvicorn on a background thread, bound to a real loopback socket (port 0 → a free port)."""

    def __init__(self, config: SimConfig | None = None, **overrides: Any) -> None:
        cfg = config or SimConfig()
        for k, v in overrides.items():
            setattr(cfg, k, v)
        self.config = cfg
        self.ctx = SimContext(cfg)
        self.app = create_app(cfg, self.ctx)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    def start(self) -> SimulatorServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.config.host, self.config.port))
        sock.listen(256)
        self._sock = sock
        self.port = sock.getsockname()[1]
        ucfg = uvicorn.Config(self.app, log_level="warning", http=_Protocol, lifespan="off",
                              timeout_keep_alive=30, access_log=False)
        self._server = uvicorn.Server(ucfg)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"simulator:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        self.ctx.store.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def truth(self, name: str, day: date) -> pa.Table:
        """Ground truth straight from the context (no HTTP), for tests."""
        return truth_table(self.ctx.world, self.ctx.store, day, name, self.ctx)


def iter_chunks(data: bytes, size: int = 1 << 20) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]
