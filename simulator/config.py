"""What defines one simulator instance: its configuration and the accounts its APIs know.

Its own module (no imports from the rest of the simulator) so every surface can name
`SimConfig`/`ApiUser` without importing the server, which imports the surfaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

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
        if self.modify_lists is None:
            object.__setattr__(self, "modify_lists", self.modify_leads)
        if self.delete_lists is None:
            object.__setattr__(self, "delete_lists", self.modify_leads)
        if self.delete_leads is None:
            object.__setattr__(self, "delete_leads", self.modify_leads)

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
    call_center_quirks: bool = True
    lockout_after: int = 10
    host: str = "127.0.0.1"
    port: int = 0
    log_requests: bool = True
