"""Foreground entry point for the CLI (`dialsync simulator ...`)."""

from __future__ import annotations

import socket
from datetime import datetime
from typing import Any

import uvicorn

from simulator.server import SimConfig, SimContext, _Protocol, create_app


def serve(host: str = "127.0.0.1", port: int = 8080, seed: int = 42, agents: int = 60, faults: str = "",
          realism: str = "real", now: datetime | str | None = None, state_path: str | None = None,
          api_user: str = "6666", api_pass: str = "1234", timezone: str = "America/New_York",
          outbound_calls_per_day: int | None = None, **extra: Any) -> None:
    """Run the simulator in the foreground until Ctrl-C (uvicorn handles the signals)."""
    if isinstance(now, str):
        now = datetime.fromisoformat(now) if now else None
    cfg = SimConfig(seed=seed, agents=agents, timezone=timezone, realism=realism,  # type: ignore[arg-type]
                    now=now, state_path=state_path, api_user=api_user, api_pass=api_pass, faults=faults or "",
                    outbound_calls_per_day=outbound_calls_per_day, host=host, port=port, **extra)
    ctx = SimContext(cfg)
    app = create_app(cfg, ctx)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    print(f"dialsync simulator: http://{host}:{sock.getsockname()[1]}  seed={seed} agents={agents} "
          f"realism={realism} now={ctx.clock.now().isoformat()}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, http=_Protocol, lifespan="off", log_level="warning",
                                           access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        ctx.store.close()
