"""What a text-API function handler is handed (`Call`: params, context, account, realism),
and the small lookups the lead, list and hopper functions share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow.compute as pc

from simulator.config import ApiUser, Realism
from simulator.context import Params, SimContext
from simulator.state import LeadStore
from simulator.world import STATE_GMT, World

BLANK = "--BLANK--"


def digits(value: str | None) -> str:
    return re.sub(r"[^0-9]", "", value or "")


def fmt_gmt(value: float | None) -> str:
    """gmt offset as VICIdial prints it in add_lead lines: `-5`, `-3.5`."""
    v = float(value if value is not None else 0.0)
    return str(int(v)) if v.is_integer() else str(v)


@dataclass
class Call:
    """What a function handler sees: params (first value wins), context, account, realism."""

    params: Params
    ctx: SimContext
    user: ApiUser
    realism: Realism
    function: str
    surface: str = "vicidial"

    def get(self, name: str, default: str = "") -> str:
        """The first non-empty value of `name` (or `name[]`), else `default`."""
        vals = self.params.getlist(name)
        return vals[0] if vals else default

    def has(self, name: str) -> bool:
        return self.get(name) != ""

    def keys(self) -> list[str]:
        return list(self.params.keys())

    @property
    def store(self) -> LeadStore:
        return self.ctx.store

    @property
    def world(self) -> World:
        return self.ctx.world

    @property
    def now(self) -> datetime:
        """The simulator clock as naive local wall time (what the dialer prints)."""
        return self.ctx.clock.now_local()


def _standard_offset(call: Call) -> float:
    t = datetime.now(call.ctx.tz)
    off = (t.utcoffset() or timedelta()) - (t.dst() or timedelta())
    return off.total_seconds() / 3600.0


def gmt_for(call: Call, state: str | None) -> float:
    """gmt_offset_now of a new lead: the state's zone when known, else the dialer's own zone."""
    if state and state.upper() in STATE_GMT:
        return STATE_GMT[state.upper()]
    return _standard_offset(call)


def campaign_of_list(call: Call, list_id: int) -> str | None:
    row = call.store.get_list(int(list_id))
    return row.get("campaign_id") if row else None


def lists_of_campaign(call: Call, campaign_id: str | None) -> list[int]:
    if not campaign_id:
        return []
    tbl = call.store.lists()
    return tbl.filter(pc.equal(tbl["campaign_id"], campaign_id))["list_id"].to_pylist()


def valid_campaign(call: Call, campaign_id: str) -> bool:
    return campaign_id in call.world.campaign_by_id


def valid_user(call: Call, user: str) -> bool:
    return user in call.world.agent_index or user in call.ctx.users
