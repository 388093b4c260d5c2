"""The simulator's HTTP server: every dialer surface on one loopback port.

Why real HTTP (uvicorn on a socket) rather than an ASGI test client: the project must talk to
the simulator exactly as to a production dialer — timeouts, connection resets, truncated
bodies and Retry-After only mean something over a real socket.

Routes:
  /goAPIv2/{module}/goAPI.php     croco-dial goAPIv2 (simulator.goapi)
  /API/lmapi.php                   croco-dial lead loading (simulator.lmapi, optional)
  /vicidial/non_agent_api.php      VICIdial (simulator.nonagent, surface="vicidial", optional)
  /adminpanel/api.php              Dialer360 (simulator.nonagent, surface="dialer360", optional)
  /_sim/health, /_sim/truth/<name>?date=, /_sim/faults (GET/POST), /_sim/requests (GET/DELETE),
  /_sim/clock (GET/POST)

Handlers receive `(params: Params, ctx: SimContext, ...)` and return a starlette Response,
`bytes`/`str` (sent as text/html, HTTP 200 like PHP) or `(body, content_type)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import io
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from simulator.events import DayLog, day_log
from simulator.faults import CUT_KINDS, Fault, FaultInjector, FaultSpecError, cut_body
from simulator.state import LeadStore
from simulator.world import World, build_world

Realism = Literal["real", "docs"]


@dataclass(frozen=True)
class ApiUser:
    """An account the APIs authenticate against (VICIdial vicidial_users, simplified).

    The list flags default to `modify_leads`; `allowed_functions` None means every function
    (the user group's allowed-functions list), and `api_allowed=False` allows none.
    """

    user: str
    password: str
    user_level: int = 9
    view_reports: bool = True
    modify_leads: bool = True
    api_allowed: bool = True  # VICIdial api_allowed_functions / vdc_agent_api_access
    active: bool = True
    full_name: str = ""
    modify_lists: bool | None = None
    delete_lists: bool | None = None
    delete_leads: bool | None = None
    allowed_functions: frozenset[str] | None = None
    allowed_lists: frozenset[str] | None = None  # None: every list
    allowed_campaigns: frozenset[str] | None = None  # user group's allowed_campaigns; None: -ALL-CAMPAIGNS-

    def __post_init__(self) -> None:
        for name in ("modify_lists", "delete_lists", "delete_leads"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, self.modify_leads)

    def may_call(self, function: str) -> bool:
        return self.api_allowed and (self.allowed_functions is None or function in self.allowed_functions)


def default_users(api_user: str = "6666", api_pass: str = "1234") -> tuple[ApiUser, ...]:
    """The admin plus two lower accounts so clients can be tested against permission errors."""
    return (
        ApiUser(api_user, api_pass, 9, True, True, True, True, "API Admin"),
        ApiUser("viewer6", "1234", 6, True, False, True, True, "Level 6 Viewer"),
        ApiUser("noreports", "1234", 8, False, False, False, True, "No Reports User"),
    )


@dataclass
class SimConfig:
    """Everything that defines one simulator instance."""

    seed: int = 42
    agents: int = 60
    timezone: str = "America/New_York"
    realism: Realism = "real"
    now: datetime | None = None  # fixed simulator clock; None = real clock
    state_path: str | None = None
    api_user: str = "6666"
    api_pass: str = "1234"
    extra_users: tuple[ApiUser, ...] | None = None
    #: result limits: `rows` (VICIdial result rows, SQL LIMIT), `records` (rows analysed),
    #: `goapi_rows` (goReports rows; `rows` when absent)
    limits: dict[str, int] = field(default_factory=lambda: {"rows": 100000, "records": 10000000,
                                                            "lead_search": 1000, "goapi_rows": 100000})
    faults: str = ""
    calls_scale: float = 1.0
    outbound_calls_per_day: int | None = None
    #: misbehave like a real call center (`simulator.quirks`): shifts across midnight, late
    #: changes to finished days, calls through the DST repeated hour, waits within drop timers
    call_center_quirks: bool = False
    lockout_after: int = 10
    host: str = "127.0.0.1"
    port: int = 0
    log_requests: bool = True


class Clock:
    """The simulator's notion of now: fixed (tests, `--now`) or the real clock; settable at runtime."""

    def __init__(self, tz: ZoneInfo, fixed: datetime | None = None) -> None:
        self.tz = tz
        self._fixed = None if fixed is None else (fixed if fixed.tzinfo else fixed.replace(tzinfo=tz))

    def now(self) -> datetime:
        """Aware now in the installation's zone."""
        return self._fixed.astimezone(self.tz) if self._fixed is not None else datetime.now(self.tz)

    def now_local(self) -> datetime:
        """Naive local wall time (what the dialer prints)."""
        return self.now().replace(tzinfo=None, microsecond=0)

    def today(self) -> date:
        return self.now().date()

    def set(self, when: datetime | None) -> None:
        self._fixed = None if when is None else (when if when.tzinfo else when.replace(tzinfo=self.tz))

    @property
    def fixed(self) -> bool:
        return self._fixed is not None


class Params:
    """PHP `$_REQUEST`-like view of GET + POST form (GET wins), with `name[]` arrays."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._pairs = list(pairs)
        self._first: dict[str, str] = {}
        for k, v in self._pairs:
            self._first.setdefault(k, v)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name, default)

    def __getitem__(self, name: str) -> str:
        return self._first[name]

    def __contains__(self, name: object) -> bool:
        return name in self._first

    def getlist(self, name: str) -> list[str]:
        """Values of `name[]` (or repeated / single `name`), empty strings dropped."""
        vals = [v for k, v in self._pairs if k in (f"{name}[]", name) or k.startswith(f"{name}[")]
        return [v for v in vals if v != ""]

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def keys(self) -> list[str]:
        return list(self._first)

    def to_dict(self) -> dict[str, Any]:
        """Scalars as str, repeated/array params as lists."""
        out: dict[str, Any] = {}
        for k, v in self._pairs:
            if k.endswith("[]") or k in out:
                key = k[:-2] if k.endswith("[]") else k
                prev = out.get(key)
                out[key] = ([*prev, v] if isinstance(prev, list) else ([prev, v] if prev is not None else [v]))
            else:
                out[k] = v
        return out


CREDENTIAL_PARAMS = {"goapi": ("goUser", "goPass"), "lmapi": ("user", "pass"),
                     "vicidial": ("user", "pass"), "dialer360": ("user", "pass")}


#: VICIdial: "Too many login attempts, try again in 15 minutes".
LOCKOUT = timedelta(minutes=15)


class SimContext:
    """Shared state handed to every handler: world, lead store, clock, faults, users, limits."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self.world: World = build_world(config.seed, config.agents, config.timezone)
        self.clock = Clock(self.tz, config.now)
        self.store = LeadStore(self.world, config.state_path, clock=self.clock.now_local)
        self.faults = FaultInjector(config.faults, config.seed)
        users = config.extra_users if config.extra_users is not None else default_users()[1:]
        self.users: dict[str, ApiUser] = {u.user: u for u in (default_users(config.api_user, config.api_pass)[0],
                                                               *users)}
        self.limits = dict(config.limits)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._last_failure: dict[str, datetime] = {}

    @property
    def realism(self) -> Realism:
        return self.config.realism

    def day_log(self, day: date) -> DayLog:
        """The event log of `day` under the simulator clock (partial today, empty future)."""
        return day_log(self.world, day, self.store, self.clock.now(), calls_scale=self.config.calls_scale,
                       outbound_calls_per_day=self.config.outbound_calls_per_day,
                       quirks=self.config.call_center_quirks)

    def day_logs(self, start: date, end: date) -> list[DayLog]:
        days = []
        d = start
        while d <= end and len(days) < 366:
            days.append(self.day_log(d))
            d += timedelta(days=1)
        return days

    # --- authentication --------------------------------------------------------------
    def authenticate(self, user: str | None, password: str | None) -> ApiUser | None:
        """The account when user/password match and it is not locked; counts failures."""
        u = self.users.get(user or "")
        with self._lock:
            if u is not None and self._locked(u.user):
                return None
            if u is None or not u.active or u.password != (password or ""):
                if user:
                    self._failures[user] = self._failures.get(user, 0) + 1
                    self._last_failure[user] = self.clock.now()
                return None
            self._failures.pop(u.user, None)
            return u

    def _locked(self, user: str) -> bool:
        """Locked while `lockout_after` failures are younger than LOCKOUT (simulator clock)."""
        if self._failures.get(user, 0) < self.config.lockout_after:
            return False
        if self.clock.now() - self._last_failure.get(user, self.clock.now()) >= LOCKOUT:
            self._failures.pop(user, None)
            return False
        return True

    def is_locked(self, user: str | None) -> bool:
        """True after `lockout_after` consecutive failures (VICIdial: 10, for 15 minutes)."""
        with self._lock:
            return self._locked(user or "")

    def failed_logins(self, user: str) -> int:
        """Failed logins of `user` since its last success (VICIdial's failed_login_count)."""
        with self._lock:
            return self._failures.get(user, 0)

    def unlock_all(self) -> None:
        with self._lock:
            self._failures.clear()

    # --- request log ------------------------------------------------------------------
    def log_request(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            entry["seq"] = len(self.requests) + 1
            self.requests.append(entry)
            return entry


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
    if hasattr(resp, "body_iterator"):
        chunks = []
        async for c in resp.body_iterator:  # type: ignore[attr-defined]
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
                       handler: Callable[[Params], Any] | None) -> Response:
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
        if handler is None:
            entry["status"] = 404
            return PlainTextResponse("Not Found", status_code=404)
        result = await asyncio.to_thread(handler, params)
        resp = _as_response(result)
        entry["status"] = resp.status_code
        if fault is not None and fault.kind in ("truncate", *CUT_KINDS):
            body = await _body_bytes(resp)
            if fault.kind == "truncate":
                return _Truncated(body, resp.media_type or "text/html", request)
            return Response(cut_body(fault, body), media_type=resp.media_type)
        return resp

    def optional(module: str, **kw: Any) -> Callable[[Params], Any] | None:
        try:
            mod = importlib.import_module(f"simulator.{module}")
        except ImportError:
            return None
        fn = getattr(mod, "handle", None)
        if fn is None:
            return None
        return lambda p: fn(p, ctx, **kw)

    async def goapi_route(request: Request) -> Response:
        from simulator import goapi

        module = request.path_params["module"]
        return await dispatch(request, "goapi", module, lambda p: goapi.handle(p, ctx, module))

    async def lmapi_route(request: Request) -> Response:
        return await dispatch(request, "lmapi", None, optional("lmapi"))

    async def vicidial_route(request: Request) -> Response:
        return await dispatch(request, "vicidial", None, optional("nonagent", surface="vicidial"))

    async def d360_route(request: Request) -> Response:
        return await dispatch(request, "dialer360", None, optional("nonagent", surface="dialer360"))

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "seed": ctx.config.seed, "agents": ctx.world.n_agents,
                             "timezone": ctx.config.timezone, "now": ctx.clock.now().isoformat(),
                             "realism": ctx.realism})

    async def truth(request: Request) -> Response:
        from simulator.truth import TRUTH_NAMES, truth_table

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
        from simulator.truth import truth_table

        return truth_table(self.ctx.world, self.ctx.store, day, name, self.ctx)


def iter_chunks(data: bytes, size: int = 1 << 20) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]
