"""One day of call-center activity generated from (seed, date), in named phases.

Vectorised numpy (no per-call Python), deterministic per (seed, date, lead-store revision).
Times are simulated in UTC epoch seconds and converted to the installation's local wall time
at the end, so 23- and 25-hour DST days come out right. The phases run in this order, which
is also the order each random stream of the day is drawn from (`simulator.events_agents`):

1. `work_shifts`: who works, login and shift end (with quirks, a night team past midnight);
2. `draw_cycles`: per work cycle its kind, pauses, wait, ring, queue, talk and status;
3. `schedule_cycles`: cycles end to end with a lunch, kept while they fit the shift;
4. `handled_calls`, `dialer_attempts`, `inbound_calls`: the calls with and without an agent;
5. `calls_table`, `agent_states_table`, `sessions_table`: the `DayLog`'s tables.
"""

from __future__ import annotations

from datetime import date

from simulator.events_agents import day_frame, draw_cycles, schedule_cycles, work_shifts
from simulator.events_calls import dialer_attempts, handled_calls, inbound_calls
from simulator.events_log import DayLog, LocalTime, empty_log
from simulator.events_tables import agent_states_table, calls_table, sessions_table
from simulator.state import LeadStore
from simulator.world import World


def generate(world: World, day: date, store: LeadStore | None, lt: LocalTime, cutoff: int,
             calls_scale: float, target_outbound: int | None, quirks: bool = False) -> DayLog:
    """The log of the shifts that start on `day`, up to `cutoff`. With `quirks` (cutoff past the
    day's end: `simulator.quirks` cuts and merges days) some inbound agents work a night shift
    into the next day, and answered dialer calls wait less than the campaign's drop timer."""
    if cutoff <= lt.start:
        return empty_log(day, world.timezone, lt, cutoff)
    frame = day_frame(world, day, lt, cutoff, quirks)
    shifts = work_shifts(frame)
    if shifts is None:
        return empty_log(day, world.timezone, lt, cutoff)
    cycles = schedule_cycles(frame, shifts, draw_cycles(frame, shifts))
    handled = handled_calls(frame, shifts, cycles)
    dialer, scale = dialer_attempts(frame, handled, calls_scale, target_outbound)
    handled["group"], inbound = inbound_calls(frame, handled, scale)
    calls = calls_table(frame, store, [handled, *dialer, *inbound])
    return DayLog(day, world.timezone, calls.table, agent_states_table(frame, shifts, cycles, calls),
                  sessions_table(frame, shifts, cycles), lt.start, lt.end, cutoff)
