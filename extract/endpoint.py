"""What an endpoint declaration is made of: the types of `extract/endpoints/*`.

An `Endpoint` holds everything about one report or dimension: surface and action, how a
partition day maps to request parameters, the parser (a callable), the raw tables it returns
with their columns (`Table`), how the request fans out, how an answer is proven complete
(`CrossCheck`, `Confirm`), and the checks its stored partitions get (`RowCheck`s). `dialsync/service/sync.py`
interprets them; orchestration and the warehouse ask them, never an endpoint's name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

#: Column types (see ``extract.typing``): ``str``, ``int`` (int64), ``float`` (float64), ``seconds``
#: (int64 from ``HH:MM:SS`` / ``h:mm:ss`` / ``m:ss`` / plain seconds), ``pct`` (float64 fraction,
#: ``16.7%`` → 0.167), ``datetime`` (local wall-time TIMESTAMP + ``<field>_utc`` TIMESTAMPTZ +
#: ``<field>_ambiguous``), ``date``, and ``bool`` (only derived flags).
ColType = Literal["str", "int", "float", "seconds", "pct", "datetime", "date", "bool"]


@dataclass(frozen=True)
class Table:
    """One raw table: its typed columns, its unique key within a partition, and what it carries.

    ``columns``: field names exactly as the server sends them (typos and case kept:
    ``avalible``, ``USER``), in the server's order, which becomes every typed partition's column
    order. ``optional``: known fields whose absence is a legitimate variant, not schema drift.
    ``grain``: unique key of a row within one partition (add ``_instance, _partition_date`` for
    the whole raw view). ``statuses``: (status column, campaign column or None, calls column or
    None) when rows carry a call status (checked against the configured classifications).
    ``epoch``: a column holding each row's epoch seconds, which resolves a wall time in the
    repeated DST hour (``extract.typing``).
    """

    name: str
    columns: Mapping[str, ColType]
    grain: tuple[str, ...]
    optional: frozenset[str] = frozenset()
    statuses: tuple[str, str | None, str | None] | None = None
    epoch: str | None = None

    def __post_init__(self) -> None:
        unknown = (set(self.grain) | set(self.optional) | {self.epoch} - {None}) - set(self.columns)
        if unknown:
            raise ValueError(f"table {self.name}: grain/optional name unknown columns {sorted(unknown)}")


@dataclass(frozen=True)
class SummaryCount:
    """The summary table's ``column`` sums to the number of rows of the row table (blocking)."""

    rows: str
    summary: str
    column: str
    name: str = "summary_matches_rows"
    description: str = "Sum of the summary's total_calls = number of rows."


@dataclass(frozen=True)
class SummaryRowSums:
    """The summary row (``type_column`` = ``type_value``) of each of ``columns`` = the rows' sum."""

    rows: str
    summary: str
    columns: tuple[str, ...]
    type_column: str = "type"
    type_value: str = "Summary"
    name: str = "summary_matches_rows"
    description: str = "The `Summary` row = the sum of the user rows."


@dataclass(frozen=True)
class FlagFalse:
    """Rows whose derived ``flag`` is false (a parser's own consistency finding; warn)."""

    table: str
    flag: str
    name: str = "row_sums_match_total"
    description: str = "Each row's status counts add up to its TOTAL CALLS."


RowCheck = SummaryCount | SummaryRowSums | FlagFalse


Kind = Literal["daily", "snapshot"]
#: How requests for one partition are formed:
#: single – one request with `params`;
#: phone_numbers – comma-joined batches of the numbers dialed that day (from other partitions);
#: per_key – one request per key (campaign, list, DID, agent) from other partitions;
Fanout = Literal["single", "phone_numbers", "per_key"]

ALL_PLATFORMS = frozenset({"crocodial", "vicidial", "dialer360"})
NON_AGENT = frozenset({"crocodial", "vicidial"})  # Dialer360 lacks several report functions
CROCO = frozenset({"crocodial"})


@dataclass(frozen=True)
class KeySource:
    """Where the keys of a fan-out come from: a column of another raw table's partition.

    ``when_missing`` restricts a source to instances that lack that endpoint (a plain
    VICIdial has no CDR reports to take dialed numbers from).
    """

    table: str
    column: str
    same_day: bool = True  # False: latest partition of a snapshot table
    when_missing: str | None = None


@dataclass(frozen=True)
class Variant:
    """Ask every request once per value of ``param`` and tag its rows with ``column`` = value.

    For answers that do not say which variant they are (phone_number_log ``type=OUT`` and
    ``type=IN`` rows look alike; ``type=ALL`` cannot be told apart).
    """

    param: str
    values: tuple[str, ...]
    column: str


PER_DIRECTION = (Variant("type", ("OUT", "IN"), "direction"),)


#: in ``CrossCheck.sums``: the number of rows per key, not a column's sum
ROWS = "*"


@dataclass(frozen=True)
class CrossCheck:
    """A second view of the same data whose per-key figures must equal the first's.

    For a text report without totals, a cut exactly at a row boundary looks like a complete,
    shorter answer (a PHP script killed by max_execution_time flushes whole lines). A second
    view of the same window reveals it: per ``key``, the sums of ``sums`` (``ROWS``: the row
    count) over the answer's rows must equal the second view's. Only figures that are exact in
    both views belong here. The second view is one of:

    * another request (``other`` unset): the first one with ``without`` removed, ``params``
      set and the comma list in ``reverse`` asked in reverse order (an answer printed in the
      order of its keys then loses its tail on another key). Either answer may be the cut one;
    * another endpoint's partition of the same day in the lake (``other``: its raw table,
      ``other_key`` / ``other_sums`` its columns, ``other_agg`` how its rows add up per key).
      The sync orders that endpoint first (``Endpoint.verify_reads``); when its partition is
      missing, not loaded, or older than ``fresh_s`` seconds the check is skipped and logged.

    Keys: both views must name the same keys, unless ``absent_is_zero`` (a view that omits
    zero rows, like call_dispo_report): then a key missing from one side counts 0 there.
    """

    key: str
    sums: tuple[str, ...]
    without: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)
    reverse: str | None = None
    other: str | None = None
    other_key: str | None = None
    other_sums: tuple[str, ...] = ()
    other_agg: Literal["sum", "max"] = "sum"
    absent_is_zero: bool = False
    fresh_s: float = 3600.0

    def request(self, first: Mapping[str, str]) -> dict[str, str]:
        out = {**{k: v for k, v in first.items() if k not in self.without}, **self.params}
        if self.reverse and self.reverse in out:
            out[self.reverse] = ",".join(reversed(out[self.reverse].split(",")))
        return out

    def describe(self) -> str:
        if self.other:
            return f"{self.other} of the same day in the lake"
        return "the check request (" + ", ".join(
            [f"without {p}" for p in self.without] + [f"{k}={v}" for k, v in self.params.items()]
            + ([f"{self.reverse} reversed"] if self.reverse else [])) + ")"


@dataclass(frozen=True)
class Confirm:
    """Accept an answer only once the same request, asked again, gives the same tables.

    For a text format with no completeness invariant (no TOTAL row, no count printed anywhere,
    every line terminated by ``\\n``: a body cut at a row boundary is a valid, shorter answer)
    and no exact second view (``CrossCheck``). A cut is a rare, independent event, so two
    answers that agree are whole; an answer is accepted when it equals an earlier one and no
    earlier answer had more rows (two answers cut at the same row boundary after a whole one
    must not pass). Otherwise the same request is asked again, up to 1 + ``max_attempts``
    answers, then the partition fails with a retryable ParseError naming endpoint, key and day.

    Cost: one more request per request at best (these endpoints' requests double), one more
    per disagreement. A day whose data changes between the two answers (today's, while agents
    work) may need a third. It catches cuts that differ between answers (a proxy, a dropped
    connection, a script killed at a varying point), not a server that cuts every answer at the
    same row. ``why`` says why no cheaper exact check exists for the format.
    """

    why: str


@dataclass(frozen=True)
class Endpoint:
    name: str
    surface: Literal["goapi", "non_agent_api"]
    action: str
    #: ``(body, fmt, **key) -> {raw table: all-string pa.Table}`` (extract.parsers)
    parse: Callable[..., dict[str, pa.Table]]
    raw: tuple[Table, ...]  # the raw tables the parser returns, declared with their columns
    platforms: frozenset[str]
    kind: Kind = "daily"
    module: str | None = None  # goAPI module (goReports, goUsers, ...)
    params: Mapping[str, str] = field(default_factory=dict)  # {day} is replaced by YYYY-MM-DD
    fanout: Fanout = "single"
    key_param: str | None = None  # request param that carries the fan-out key
    keys: tuple[KeySource, ...] = ()
    variants: tuple[Variant, ...] = ()  # each request once per value, rows tagged (see Variant)
    #: at the result limit: halve the key batch, fail ("none"), or keep the rows and warn
    #: ("warn": nothing finer to ask, e.g. lead_status_search has only status + date);
    #: "tenant_profile" / "users": re-ask by the report's own filters (`dialsync.service.split.FILTERS`)
    limit_split: Literal["halve", "none", "warn", "tenant_profile", "users"] = "none"
    limit_setting: str = "result_limit"  # the InstanceSettings field holding the server's limit
    #: an HTTP 500 means "this API user may not" (lead_status_search for a campaign-restricted
    #: user dies in SQL, PHP 8 answers 500): a permission error, never retried
    server_error_is_permission: bool = False
    restate: bool = False  # past partitions change after the day (CDRs, dispositions)
    #: a snapshot that maps the ids in any day's facts (users, campaigns, lists ...): a sync of
    #: past days takes today's when the lake has none for the range (the dialer keeps no history)
    dimension: bool = False
    #: a snapshot of the current day's running figures (agent statistics so far): taken at the end
    #: of the dialer's local day, when they are the day's; other snapshots in the morning
    day_end: bool = False
    keep_day_column: str | None = None  # drop rows whose value in this datetime column is not the day
    #: a second request whose per-key sums must agree with each request's (see CrossCheck)
    verify: CrossCheck | None = None
    #: ask every request twice and accept only answers that agree (see Confirm)
    confirm: Confirm | None = None
    #: platforms where no mart reads this endpoint's tables: synced there only when an instance
    #: lists it in ``extra_endpoints`` (or a sync names it); its cost buys nothing a mart shows
    opt_in: frozenset[str] = frozenset()
    #: per-partition checks of the stored answer, as data (orchestration/checks.py runs them)
    checks: tuple[RowCheck, ...] = ()
    #: other endpoints whose rows for the same day prove there was activity (an empty answer then
    #: fails the blocking ``empty_partition`` check)
    activity_evidence: tuple[str, ...] = ()
    description: str = ""

    @property
    def tables(self) -> tuple[str, ...]:
        """Names of the raw tables (``raw.<name>`` views, lake folders)."""
        return tuple(t.name for t in self.raw)

    @property
    def verify_reads(self) -> tuple[str, ...]:
        """Raw tables of other endpoints ``verify`` compares with (synced first, not a fan-out key)."""
        return (self.verify.other,) if self.verify is not None and self.verify.other else ()

    @property
    def needs(self) -> tuple[str, ...]:
        """Raw tables this endpoint reads to plan its requests (sync and Dagster order on it)."""
        return tuple(dict.fromkeys(k.table for k in self.keys if k.table != "config"))

    def request_params(self, day: str) -> dict[str, str]:
        return {k: v.format(day=day) for k, v in self.params.items()}

    def supported_on(self, platform: str, surfaces: tuple[str, ...]) -> bool:
        return platform in self.platforms and self.surface in surfaces

    def runs_on(self, platform: str, surfaces: tuple[str, ...], extra: Collection[str] = ()) -> bool:
        """Synced by default runs: offered, and either not opt-in on ``platform`` or in ``extra``."""
        return self.supported_on(platform, surfaces) and (platform not in self.opt_in or self.name in extra)


