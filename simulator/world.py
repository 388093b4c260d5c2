"""The static side of the synthetic call center: who works where, what can be dialed.

`build_world(seed)` is a pure function of its arguments (same seed → identical tables) so
every report, the ground truth and every test agree on one installation. Everything is a
pyarrow table because the event generator and the report builders work columnar; the
few per-agent Python loops here are O(agents), never O(calls).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FIRST_NAMES = (
    "Ana", "Bruno", "Carla", "Diego", "Elena", "Felix", "Gloria", "Hector", "Irene", "Jorge", "Karen",
    "Luis", "Maria", "Nora", "Oscar", "Paula", "Quinn", "Rosa", "Sergio", "Tania", "Ulises", "Vera",
    "Walter", "Ximena", "Yolanda", "Zack", "Adam", "Beth", "Chris", "Dana", "Eric", "Fiona", "Gabe",
    "Hana", "Ivan", "Julia", "Kevin", "Laura", "Mike", "Nina",
)
LAST_NAMES = (
    "Garcia", "Smith", "Lopez", "Johnson", "Martinez", "Brown", "Davis", "Miller", "Wilson", "Moore",
    "Taylor", "Anderson", "Thomas", "Jackson", "White", "Harris", "Martin", "Thompson", "Young", "King",
    "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Ramirez", "Campbell", "Mitchell",
    "Roberts", "Carter", "Phillips", "Evans", "Turner", "Torres", "Parker", "Collins", "Edwards", "Stewart",
)
US_STATES = ("NY", "NJ", "PA", "FL", "GA", "NC", "OH", "MI", "IL", "TX", "CA", "AZ", "WA", "CO", "MA")
STATE_GMT = {"NY": -5.0, "NJ": -5.0, "PA": -5.0, "FL": -5.0, "GA": -5.0, "NC": -5.0, "OH": -5.0,
             "MI": -5.0, "IL": -6.0, "TX": -6.0, "CA": -8.0, "AZ": -7.0, "WA": -8.0, "CO": -7.0, "MA": -5.0}

#: Tenants ("portfolios"): three-letter codes, as croco-dial requires.
PORTFOLIOS = (
    ("AMI", "Amica Lending Group"), ("CSC", "Coastal Servicing Co"), ("GAL", "Galaxy Loans"),
    ("IST", "Istmo Finance"), ("PTR", "Patriot Recovery"),
)
PROFILES = (
    ("COLLECTIONS", "COLLECTIONS", "PAYMENT FOLLOW-UP"), ("CUSTSERVICE", "CUSTSERVICE", "GENERAL INQUIRIES"),
    ("SERVERS", "SERVERS", "LOAN SERVICING"), ("SALES", "SALES", "NEW LEADS"),
    ("LOANS", "LOANS", "NEW LOANS"), ("VIP", "VIP", "VIP CUSTOMERS"),
)

# campaign_id, name, type, portfolio, profile, dial_method, calltime, active, weight(agents),
# auto_dial_level, base sale rate, manual share
_CAMPAIGNS = (
    ("10000001", "GALSERVERS", "outbound", "GAL", "SERVERS", "PREDICTIVE", "9am9pm", "Y", 0.16, "3", 0.04, 0.10),
    ("10000002", "GALFRESHLEADS", "outbound", "GAL", "SALES", "POWER DIAL", "8am8pmMF", "Y", 0.14, "2", 0.07, 0.05),
    ("10000003", "CSCCOLLECT", "outbound", "CSC", "COLLECTIONS", "PREDICTIVE", "9am9pm", "Y", 0.16, "3", 0.05, 0.15),
    ("10000004", "CSCSERVICE", "blended", "CSC", "CUSTSERVICE", "POWER DIAL", "9am9pm", "Y", 0.12, "1", 0.03, 0.10),
    ("10000005", "AMILOANS", "outbound", "AMI", "LOANS", "PREDICTIVE", "7am6pmMF", "Y", 0.12, "3", 0.06, 0.08),
    ("10000006", "ISTCOLLECT", "outbound", "IST", "COLLECTIONS", "POWER DIAL", "9am9pm", "Y", 0.10, "2", 0.05, 0.20),
    ("10000007", "PTRSUPPORT", "inbound", "PTR", "CUSTSERVICE", "MANUAL", "24hrs", "Y", 0.12, "0", 0.02, 0.0),
    ("10000008", "AMIVIP", "blended", "AMI", "VIP", "PREVIEW", "9am9pm", "Y", 0.08, "1", 0.08, 0.30),
    ("10000009", "DEFAULT", "outbound", "CSC", "SERVERS", "MANUAL", "24hrs", "N", 0.0, "0", 0.0, 0.0),
)
# group_id, name, campaign_id, calltime, weight of inbound traffic
_INGROUPS = (
    ("CSC_SERVICE_IN", "CSC Customer Service", "10000004", "9am9pm", 0.35),
    ("PTR_SUPPORT_IN", "PTR Support 24h", "10000007", "24hrs", 0.40),
    ("AMI_VIP_IN", "AMI VIP Line", "10000008", "9am9pm", 0.15),
    ("AGENTDIRECT", "Agent Direct Transfers", "10000007", "24hrs", 0.10),
)

# status, status_name, category, human_answered, sale, dnc, customer_contact, not_interested,
# unworkable, scheduled_callback, completed, selectable (by agents), dialable (can be redialed)
_STATUSES = (
    ("NEW", "New Lead", "UNDEFINED", "N", "N", "N", "N", "N", "N", "N", "N", "N", "Y"),
    ("SALE", "Sale Made", "SALE", "Y", "Y", "N", "Y", "N", "N", "N", "Y", "Y", "N"),
    ("NI", "Not Interested", "CONTACT", "Y", "N", "N", "Y", "Y", "N", "N", "N", "Y", "N"),
    ("DNC", "Do Not Call", "DNC", "Y", "N", "Y", "Y", "N", "N", "N", "N", "Y", "N"),
    ("CALLBK", "Call Back", "CONTACT", "Y", "N", "N", "Y", "N", "N", "Y", "N", "Y", "Y"),
    ("A", "Voicemail", "NOCONTACT", "N", "N", "N", "N", "N", "N", "N", "N", "Y", "Y"),
    ("AA", "Answering Machine Auto", "NOCONTACT", "N", "N", "N", "N", "N", "N", "N", "N", "N", "Y"),
    ("B", "Busy", "NOCONTACT", "N", "N", "N", "N", "N", "N", "N", "N", "Y", "Y"),
    ("NA", "No Answer", "NOCONTACT", "N", "N", "N", "N", "N", "N", "N", "N", "Y", "Y"),
    ("DC", "Disconnected Number", "UNWORKABLE", "N", "N", "N", "N", "N", "Y", "N", "N", "Y", "N"),
    ("DROP", "Agent Not Available", "SYSTEM", "Y", "N", "N", "N", "N", "N", "N", "N", "N", "Y"),
    ("TIMEOT", "Inbound Queue Timeout Drop", "SYSTEM", "Y", "N", "N", "N", "N", "N", "N", "N", "N", "Y"),
    ("AFTHRS", "Inbound After Hours Drop", "SYSTEM", "N", "N", "N", "N", "N", "N", "N", "N", "N", "Y"),
    ("XFER", "Call Transferred", "CONTACT", "Y", "N", "N", "Y", "N", "N", "N", "N", "Y", "N"),
    ("DEC", "Denied", "CONTACT", "Y", "N", "N", "Y", "Y", "N", "N", "N", "Y", "N"),
    ("LD", "Live Disconnect", "CONTACT", "Y", "N", "N", "Y", "N", "N", "N", "N", "Y", "Y"),
    ("LIP", "Loan In Process", "CONTACT", "Y", "N", "N", "Y", "N", "N", "N", "N", "Y", "N"),
    ("VRF", "Verified", "CONTACT", "Y", "N", "N", "Y", "N", "N", "N", "Y", "Y", "N"),
    ("WIT", "Wrong Info Taken", "UNWORKABLE", "Y", "N", "N", "N", "N", "Y", "N", "N", "Y", "N"),
)

#: Campaign statuses (vicidial_campaign_statuses): defined for one campaign, with their own
#: flags, and listed by no non_agent_api function. APPSET is a sale on AMILOANS only.
_CAMPAIGN_STATUSES = (
    ("10000005", "APPSET", "Appointment Set", "SALE", "Y", "Y", "N", "Y", "N", "N", "N", "Y", "Y", "N"),
)

#: Pause codes every installation has; system codes the dialer sets itself.
CORE_PAUSE_CODES = (("LUNCH", "Lunch", "N"), ("BREAK", "Break", "N"), ("WC", "Bathroom", "N"),
                    ("TRAIN", "Training", "Y"), ("MEETIN", "Meeting", "Y"), ("PRIV", "Private", "N"))
SYSTEM_PAUSE_CODES = (("LOGIN", "Login Pause", "N"), ("LAGGED", "Lagged", "N"),
                      ("ANDIAL", "Auto Pause After Dial", "Y"), ("MANUAL", "Manual Dial", "Y"))
#: Installation-specific extras; each world takes a seeded subset, so report columns vary.
ODD_PAUSE_CODES = (("VIRTUA", "Virtual Hold", "Y"), ("DATA", "Data Entry", "Y"), ("DIALNE", "Dial Next", "Y"),
                   ("COACH", "Coaching", "Y"), ("QAREV", "QA Review", "Y"), ("SYSFLR", "System Failure", "N"))

# call_time_id, name, default start/stop, per-day (sun..sat) start/stop (0/0 = use default), comments
_CALLTIMES = (
    ("24hrs", "24 Hours", 0, 2400, [(0, 0)] * 7, "default 24 hours calling"),
    ("9am9pm", "9am to 9pm", 900, 2100, [(0, 0)] * 7, "default 9am to 9pm"),
    ("8am8pmMF", "8am8pm M to F", 800, 2000,
     [(2400, 2400), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (2400, 2400)], "weekdays only"),
    ("7am6pmMF", "7am6pm M to F", 700, 1800,
     [(2400, 2400), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (2400, 2400)], "weekdays_7am6pm"),
    ("CLOSED", "CLOSED", 2400, 2400, [(0, 0)] * 7, "never"),
)
DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


def _s(values: Any) -> pa.Array:
    return pa.array(values, pa.string())


@dataclass(frozen=True, eq=False)
class World:
    """One installation. `eq=False`: identity hashing, so it can key caches cheaply."""

    seed: int
    timezone: str
    agents: pa.Table
    portfolios: pa.Table
    profiles: pa.Table
    user_groups: pa.Table
    campaigns: pa.Table
    ingroups: pa.Table
    dids: pa.Table
    lists: pa.Table
    leads: pa.Table
    statuses: pa.Table
    pause_codes: pa.Table
    calltimes: pa.Table
    campaign_statuses: pa.Table  # campaign_id + the columns of `statuses`
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_agents(self) -> int:
        return self.agents.num_rows

    @cached_property
    def campaign_by_id(self) -> dict[str, dict[str, Any]]:
        return {r["campaign_id"]: r for r in self.campaigns.to_pylist()}

    @cached_property
    def status_by_code(self) -> dict[str, dict[str, Any]]:
        by = {r["status"]: r for r in self.campaign_statuses.drop_columns(["campaign_id"]).to_pylist()}
        return by | {r["status"]: r for r in self.statuses.to_pylist()}

    def statuses_flagged(self, flag: str) -> pa.Array:
        """System and campaign statuses whose `flag` (sale, human_answered, ...) is Y."""
        both = pa.concat_tables([self.statuses, self.campaign_statuses.drop_columns(["campaign_id"])])
        return pc.unique(both.filter(pc.equal(both[flag], "Y"))["status"])

    @cached_property
    def agent_index(self) -> dict[str, int]:
        return {u: i for i, u in enumerate(self.agents.column("user").to_pylist())}

    @cached_property
    def pause_code_list(self) -> list[str]:
        """Pause codes of this installation in report-column order."""
        return self.pause_codes.column("pause_code").to_pylist()


def _calltimes_table() -> pa.Table:
    cols: dict[str, list[Any]] = {"call_time_id": [], "call_time_name": [], "call_time_comments": [],
                                  "ct_default_start": [], "ct_default_stop": []}
    for d in DAYS:
        cols[f"ct_{d}_start"] = []
        cols[f"ct_{d}_stop"] = []
    cols["user_group"] = []
    for ct_id, name, start, stop, per_day, comments in _CALLTIMES:
        cols["call_time_id"].append(ct_id)
        cols["call_time_name"].append(name)
        cols["call_time_comments"].append(comments)
        cols["ct_default_start"].append(start)
        cols["ct_default_stop"].append(stop)
        for d, (a, b) in zip(DAYS, per_day, strict=True):
            cols[f"ct_{d}_start"].append(a)
            cols[f"ct_{d}_stop"].append(b)
        cols["user_group"].append("---ALL---")
    return pa.table({k: (pa.array(v, pa.int64()) if k.startswith("ct_") else _s(v)) for k, v in cols.items()})


def calltime_window(calltimes: pa.Table, call_time_id: str, day: date) -> tuple[int, int]:
    """(start, stop) as HHMM for a weekday, VICIdial style: 0/0 for the day means the default."""
    rows = calltimes.filter(pc.equal(calltimes["call_time_id"], call_time_id)).to_pylist()
    if not rows:
        return 0, 2400
    r = rows[0]
    d = DAYS[(day.weekday() + 1) % 7]
    a, b = r[f"ct_{d}_start"], r[f"ct_{d}_stop"]
    if a == 0 and b == 0:
        return r["ct_default_start"], r["ct_default_stop"]
    return a, b


def _unique_users(first: np.ndarray, last: np.ndarray) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for f, la in zip(first.tolist(), last.tolist(), strict=True):
        base = f"{f}.{la}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}{n + 1}")
    return out


def build_world(seed: int, agents: int = 60, timezone: str = "America/New_York") -> World:
    """Build the installation for `seed` (pure, deterministic, O(agents + leads) vectorised)."""
    rng = np.random.default_rng([seed, 0xD1A1])
    n = int(agents)

    # --- campaigns, in-groups, DIDs ---------------------------------------------------
    camp = list(zip(*_CAMPAIGNS, strict=True))
    campaigns = pa.table({
        "campaign_id": _s(camp[0]), "campaign_name": _s(camp[1]), "campaign_type": _s(camp[2]),
        "portfolio": _s(camp[3]), "profile": _s(camp[4]), "dial_method": _s(camp[5]),
        "calltime_id": _s(camp[6]), "active": _s(camp[7]),
        "agent_weight": pa.array(camp[8], pa.float64()), "auto_dial_level": _s(camp[9]),
        "sale_rate": pa.array(camp[10], pa.float64()), "manual_share": pa.array(camp[11], pa.float64()),
        "campaign_cid": _s([f"{8005550100 + i}" for i in range(len(_CAMPAIGNS))]),
        "hopper_level": pa.array([1000, 500, 1000, 200, 1000, 500, 0, 100, 0], pa.int64()),
        "lead_order": _s(["DOWN_LAST_CALL_TIME", "DOWN COUNT", "RANDOM", "UP", "DOWN_LAST_CALL_TIME",
                          "DOWN COUNT", "DOWN", "UP", "DOWN"]),
        "dial_timeout": pa.array([30, 30, 26, 30, 30, 28, 60, 30, 60], pa.int64()),
        "drop_call_seconds": pa.array([5, 5, 3, 5, 2, 5, 5, 5, 5], pa.int64()),
        "campaign_recording": _s(["ALLFORCE"] * len(_CAMPAIGNS)),
        "manual_dial_list_id": pa.array([999999999] * len(_CAMPAIGNS), pa.int64()),
    })
    ing = list(zip(*_INGROUPS, strict=True))
    port_of_camp = dict(zip(camp[0], camp[3], strict=True))
    ingroups = pa.table({
        "group_id": _s(ing[0]), "group_name": _s(ing[1]), "campaign_id": _s(ing[2]),
        "portfolio": _s([port_of_camp[c] for c in ing[2]]), "calltime_id": _s(ing[3]),
        "traffic_weight": pa.array(ing[4], pa.float64()), "active": _s(["Y"] * len(_INGROUPS)),
        "queue_priority": pa.array([50, 60, 90, 99], pa.int64()),
    })
    did_numbers = [f"{8885550000 + 10 * i + int(rng.integers(0, 9))}" for i in range(len(_INGROUPS))]
    dids = pa.table({
        "did_id": pa.array(range(1, len(_INGROUPS) + 1), pa.int64()), "did_pattern": _s(did_numbers),
        "did_description": _s([f"{g} main line" for g in ing[0]]), "did_route": _s(["IN_GROUP"] * len(_INGROUPS)),
        "group_id": _s(ing[0]), "active": _s(["Y"] * len(_INGROUPS)),
    })

    # --- agents -----------------------------------------------------------------------
    weights = np.array(camp[8], dtype=float)
    weights = weights / weights.sum()
    # deterministic spread: every active campaign gets agents even at small n
    home_idx = np.sort(rng.choice(len(_CAMPAIGNS), size=n, p=weights)) if n else np.zeros(0, int)
    active_idx = [i for i, w in enumerate(camp[8]) if w > 0]
    for j, ci in enumerate(active_idx[: min(n, len(active_idx))]):
        home_idx[j] = ci
    home_idx = np.sort(home_idx)
    first = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    users = _unique_users(first, last)
    camp_ids = np.array(camp[0])[home_idx]
    ports = np.array(camp[3])[home_idx]
    profs = np.array(camp[4])[home_idx]
    skill = np.clip(rng.lognormal(0.0, 0.22, n), 0.55, 1.8)
    start_min = (7 * 60 + 30 * rng.integers(0, 9, n)).astype(np.int64)  # 07:00 .. 11:00
    part_time = rng.random(n) < 0.15
    shift_hours = np.where(part_time, rng.uniform(4.0, 5.5, n), rng.uniform(7.5, 9.0, n))
    manual_share = np.clip(np.array(camp[11], dtype=float)[home_idx] * rng.uniform(0.4, 1.6, n), 0, 0.6)
    agents_tbl = pa.table({
        "user": _s(users),
        "full_name": _s([f"{f} {la}" for f, la in zip(first.tolist(), last.tolist(), strict=True)]),
        "user_group": _s([f"{p}_AGENTS" for p in ports.tolist()]),
        "portfolio": _s(ports), "profile": _s(profs),
        "user_level": pa.array(np.where(rng.random(n) < 0.05, 7, 1), pa.int64()),
        "skill": pa.array(skill, pa.float64()),
        "campaign_id": _s(camp_ids),
        "user_id": pa.array(np.arange(n) + 1001, pa.int64()),
        "exten": pa.array(np.arange(n) + 8001, pa.int64()),
        "active": _s(["Y"] * n),
        "shift_start_min": pa.array(start_min, pa.int64()),
        "shift_hours": pa.array(shift_hours, pa.float64()),
        "manual_share": pa.array(manual_share, pa.float64()),
        "pause_propensity": pa.array(np.clip(rng.lognormal(0, 0.35, n), 0.3, 3.0), pa.float64()),
        "attendance": pa.array(rng.uniform(0.85, 0.99, n), pa.float64()),
    })
    portfolios = pa.table({"portfolio": _s([p for p, _ in PORTFOLIOS]),
                           "portfolio_name": _s([nm for _, nm in PORTFOLIOS])})
    profiles = pa.table({
        "id": pa.array(range(1, len(PROFILES) + 1), pa.int64()), "profile_id": _s([p[0] for p in PROFILES]),
        "profile_name": _s([p[1] for p in PROFILES]), "disposition_set": _s([p[2] for p in PROFILES]),
    })
    user_groups = pa.table({
        "user_group": _s([f"{p}_AGENTS" for p, _ in PORTFOLIOS] + ["ADMIN"]),
        "group_name": _s([f"{nm} agents" for _, nm in PORTFOLIOS] + ["Administrators"]),
        "portfolio": _s([p for p, _ in PORTFOLIOS] + [None]),
        "allowed_campaigns": _s([" " + " ".join(c[0] for c in _CAMPAIGNS if c[3] == p) + " -"
                                 for p, _ in PORTFOLIOS] + [" -ALL-CAMPAIGNS- - -"]),
    })

    # --- lists and leads ----------------------------------------------------------------
    dial_camps = [c for c in _CAMPAIGNS if c[2] != "inbound"]
    list_rows: list[dict[str, Any]] = []
    for ci, c in enumerate(dial_camps):
        for k in range(3):
            list_rows.append({
                "list_id": (ci + 1) * 1000 + 101 + k, "list_name": f"{c[1]} {('Fresh', 'Aged', 'Recycle')[k]}",
                "campaign_id": c[0], "active": "N" if (k == 2 and ci % 2 == 0) or c[7] == "N" else "Y",
                "list_description": f"{c[3]} {c[4].lower()} leads batch {k + 1}",
            })
    for g in _INGROUPS[:3]:
        list_rows.append({"list_id": 9000 + len(list_rows), "list_name": f"{g[0]} inbound", "campaign_id": g[2],
                          "active": "Y", "list_description": "inbound caller list"})
    nl = len(list_rows)
    lists = pa.table({
        "list_id": pa.array([r["list_id"] for r in list_rows], pa.int64()),
        "list_name": _s([r["list_name"] for r in list_rows]),
        "campaign_id": _s([r["campaign_id"] for r in list_rows]),
        "active": _s([r["active"] for r in list_rows]),
        "list_description": _s([r["list_description"] for r in list_rows]),
        "list_changedate": _s(["2024-05-20 10:00:00"] * nl),
        "list_lastcalldate": _s([None] * nl),
        "expiration_date": _s(["2099-12-31"] * nl),
        "reset_time": _s([""] * nl),
        "campaign_cid_override": _s([""] * nl),
        "web_form_address": _s([""] * nl),
        "resets_today": pa.array([0] * nl, pa.int64()),
    })
    per_list = max(600, n * 12)
    n_leads = per_list * nl
    leads = _build_leads(rng, lists, per_list, n_leads)

    status_cols = ("status", "status_name", "category", "human_answered", "sale", "dnc", "customer_contact",
                   "not_interested", "unworkable", "scheduled_callback", "completed", "selectable", "dialable")
    statuses = pa.table({name: _s(col) for name, col in zip(status_cols, zip(*_STATUSES, strict=True),
                                                            strict=True)})
    campaign_statuses = pa.table({name: _s(col) for name, col in zip(
        ("campaign_id", *status_cols), zip(*_CAMPAIGN_STATUSES, strict=True), strict=True)})
    odd_idx = sorted(rng.choice(len(ODD_PAUSE_CODES), size=3, replace=False).tolist())
    pcodes = list(CORE_PAUSE_CODES) + [ODD_PAUSE_CODES[i] for i in odd_idx] + list(SYSTEM_PAUSE_CODES)
    pause_codes = pa.table({"pause_code": _s([p[0] for p in pcodes]),
                            "pause_code_name": _s([p[1] for p in pcodes]),
                            "billable": _s([p[2] for p in pcodes]),
                            "system": _s(["Y" if p in SYSTEM_PAUSE_CODES else "N" for p in pcodes])})
    return World(
        seed=seed, timezone=timezone, agents=agents_tbl, portfolios=portfolios, profiles=profiles,
        user_groups=user_groups, campaigns=campaigns, ingroups=ingroups, dids=dids, lists=lists, leads=leads,
        statuses=statuses, pause_codes=pause_codes, calltimes=_calltimes_table(),
        campaign_statuses=campaign_statuses, meta={"built": datetime(2024, 6, 1).isoformat(), "agents": n},
    )


LEAD_STRING_FIELDS = (
    "status", "user", "vendor_lead_code", "source_id", "called_since_last_reset", "phone_code", "phone_number",
    "title", "first_name", "middle_initial", "last_name", "address1", "address2", "address3", "city", "state",
    "province", "postal_code", "country_code", "gender", "date_of_birth", "alt_phone", "email",
    "security_phrase", "comments", "owner", "last_local_call_time", "modify_date",
)
LEAD_SCHEMA = pa.schema(
    [("lead_id", pa.int64()), ("list_id", pa.int64()), ("entry_date", pa.timestamp("s")),
     ("gmt_offset_now", pa.float64()), ("called_count", pa.int64()), ("rank", pa.int64()),
     ("entry_list_id", pa.int64())]
    + [(f, pa.string()) for f in LEAD_STRING_FIELDS]
)
FIRST_LEAD_ID = 100001
_BASE_STATUS = ("NEW", "NEW", "NEW", "NEW", "NA", "NA", "B", "A", "AA", "CALLBK", "NI", "DROP", "SALE", "DNC")
_CITIES = ("Springfield", "Riverside", "Franklin", "Greenville", "Madison", "Clinton", "Salem", "Fairview")


def _build_leads(rng: np.random.Generator, lists: pa.Table, per_list: int, n: int) -> pa.Table:
    """Base leads, fully vectorised (2,000 agents → ~1.4M leads in well under a second)."""
    list_ids = np.repeat(np.asarray(lists["list_id"]), per_list)
    lead_ids = np.arange(n, dtype=np.int64) + FIRST_LEAD_ID
    area = rng.integers(201, 990, n)
    phone = area * 10_000_000 + rng.integers(2_000_000, 9_999_999, n)
    st_idx = rng.integers(0, len(US_STATES), n)
    states = pa.array(US_STATES)
    gmt = np.array([STATE_GMT[s] for s in US_STATES])[st_idx]
    entry = (np.datetime64("2024-06-01T00:00:00") - rng.integers(86400, 300 * 86400, n).astype("timedelta64[s]"))
    status = pc.take(pa.array(_BASE_STATUS), pa.array(rng.integers(0, len(_BASE_STATUS), n)))
    called = np.where(pc.equal(status, "NEW").to_numpy(zero_copy_only=False), 0, rng.integers(1, 9, n))
    vlc = pc.binary_join_element_wise(
        "LN", pc.utf8_lpad(pc.cast(pa.array(lead_ids * 7 + 13_000_000), pa.string()), 9, "0"), "")
    empty = pa.nulls(n, pa.string())
    cols: dict[str, Any] = {
        "lead_id": pa.array(lead_ids), "list_id": pa.array(list_ids, pa.int64()),
        "entry_date": pa.array(entry, pa.timestamp("s")), "gmt_offset_now": pa.array(gmt),
        "called_count": pa.array(called, pa.int64()), "rank": pa.array(np.zeros(n, np.int64)),
        "entry_list_id": pa.array(np.zeros(n, np.int64)),
        "status": status, "user": pa.array(["VDAD"] * 1, pa.string()).take(pa.array(np.zeros(n, np.int64))),
        "vendor_lead_code": vlc,
        "source_id": pc.take(pa.array(("WEBFORM", "IMPORT", "PARTNER")), pa.array(rng.integers(0, 3, n))),
        "called_since_last_reset": pc.if_else(pa.array(rng.random(n) < 0.6), "N", "Y"),
        "phone_code": pc.take(pa.array(["1"]), pa.array(np.zeros(n, np.int64))),
        "phone_number": pc.cast(pa.array(phone), pa.string()),
        "title": empty,
        "first_name": pc.take(pa.array(FIRST_NAMES), pa.array(rng.integers(0, len(FIRST_NAMES), n))),
        "middle_initial": empty,
        "last_name": pc.take(pa.array(LAST_NAMES), pa.array(rng.integers(0, len(LAST_NAMES), n))),
        "address1": pc.binary_join_element_wise(pc.cast(pa.array(rng.integers(1, 9999, n)), pa.string()),
                                                "Main St", " "),
        "address2": empty, "address3": empty,
        "city": pc.take(pa.array(_CITIES), pa.array(rng.integers(0, len(_CITIES), n))),
        "state": pc.take(states, pa.array(st_idx)),
        "province": empty,
        "postal_code": pc.utf8_lpad(pc.cast(pa.array(rng.integers(1001, 99950, n)), pa.string()), 5, "0"),
        "country_code": pc.take(pa.array(["USA"]), pa.array(np.zeros(n, np.int64))),
        "gender": pc.take(pa.array(["U", "M", "F"]), pa.array(rng.integers(0, 3, n))),
        "date_of_birth": empty, "alt_phone": empty, "email": empty, "security_phrase": empty,
        "comments": empty, "owner": empty, "last_local_call_time": empty, "modify_date": empty,
    }
    return pa.table({f.name: cols[f.name] for f in LEAD_SCHEMA}, schema=LEAD_SCHEMA)
