"""goDashboard: agents' live status at the simulator clock and today's time usage."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow.compute as pc

from simulator.context import Params, SimContext
from simulator.goapi_query import per_user


def live_status(ctx: SimContext) -> dict[str, str]:
    """Each agent's live status at the clock's now: from today's sessions and the last state."""
    now = ctx.clock.now()
    log = ctx.day_log(now.date())
    live = log.sessions.filter(pc.is_null(log.sessions["logout"]))
    users = live["user"].to_pylist()
    rng = np.random.default_rng([ctx.world.seed, int(now.timestamp()) // 60])
    pick = rng.choice(["IN CALL", "READY", "PAUSED", "DISPO"], size=len(users), p=[0.45, 0.3, 0.15, 0.1])
    return dict(zip(users, pick.tolist(), strict=True))


def agent_time_usage(params: Params, ctx: SimContext) -> dict[str, Any]:
    log = ctx.day_log(ctx.clock.today())
    t = per_user(log.calls, log.agent_states)
    out = []
    for r in t.to_pylist():
        lt = max(r["login_time"], 1)

        def pct(x: int, lt: int = lt) -> float:
            return round(100.0 * x / lt, 2)

        out.append({"user": r["user"], "first_login": 0, "last_logoff": 0,
                    "login_time": round(r["login_time"] / 3600, 2), "after_call": pct(r["dispo"]),
                    "break": pct(r["pause_all"] - r["pause_nocode"]), "pausa": 0, "avalible": pct(r["wait"]),
                    "talk": pct(r["talk"]), "wrapup": pct(r["dead"]), "cust_leave": 0,
                    "total_calls": r["total_calls"], "pause": pct(r["pause_all"]), "ready": pct(r["wait"])})
    general = {k: round(float(np.mean([o[k] for o in out])), 2) if out else 0 for k in ("pause", "ready", "talk")}
    return {"result": "success", "data": {"breakdown": out, "general": general}}


def get_agent_status(params: Params, ctx: SimContext) -> dict[str, Any]:
    live = live_status(ctx)
    vals = list(live.values())
    n = ctx.world.n_agents
    return {"result": "success", "data": {
        "total_live_agents": len(vals), "paused_agents": vals.count("PAUSED"), "ready_agents": vals.count("READY"),
        "incall_agents": vals.count("IN CALL"), "offline_agents": n - len(vals), "total_active_agents": n}}


def total_agents_call(params: Params, ctx: SimContext) -> dict[str, Any]:
    return {"result": "success", "data": list(live_status(ctx).values()).count("IN CALL")}
