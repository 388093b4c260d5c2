"""Pull one endpoint for one instance and one day into the lake, exactly once.

The only interpreter of `extract.registry`: it plans the requests of a partition (one
request, or a fan-out over keys read from other partitions), fetches and parses them
through the client (which retries what can be retried), checks each answer against a second
view of the same data where the endpoint declares one (`verify`: a body cut at a row boundary
disagrees with it) or with the same request asked again (`confirm`: formats with no completeness
invariant and no second view), splits any request whose result sits at the server's limit, types the
rows, adds lineage, and replaces the partition atomically. The ledger records the outcome;
a failure leaves the previous copy in place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from dialsync.settings import InstanceSettings
from extract.client import DialerClient, RawResponse
from extract.completeness import cross_check, rows_in, same_answer
from extract.endpoint import Endpoint
from extract.errors import DialerError, LimitReachedError, ParseError, UnsupportedError
from extract.parsers.goapi import partition_date_of
from extract.registry import BY_NAME, TABLES
from warehouse.lake import Lake
from warehouse.ledger import SyncLedger

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    instance: str
    endpoint: str
    partition: str
    status: str  # success | skipped | failed
    rows: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    requests: int = 0
    drift: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    message: str = ""

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class UpstreamError(DialerError):
    """A fan-out's key source (another endpoint's partition) failed, is missing or incomplete:
    its keys cannot be trusted, so the partition is not pulled (never stored as an empty one)."""


def local_today(inst: InstanceSettings, now: datetime | None = None) -> date:
    now = now or datetime.now(UTC)
    return now.astimezone(ZoneInfo(inst.timezone)).date()


def fingerprint(ep: Endpoint, requests: list[dict[str, str]]) -> str:
    """Hash of what was asked (never credentials: they are added by the client)."""
    blob = json.dumps([ep.surface, ep.module, ep.action, requests], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


class PartitionSync:
    """Everything needed to sync partitions of one instance."""

    def __init__(self, name: str, inst: InstanceSettings, client: DialerClient, lake: Lake,
                 ledger: SyncLedger, *, now: Callable[[], datetime] | None = None) -> None:
        self.name = name
        self.inst = inst
        self.client = client
        self.lake = lake
        self.ledger = ledger
        self.now = now or (lambda: datetime.now(UTC))
        self._warnings: list[str] = []
        self._recovered = False

    # --- planning ------------------------------------------------------------------------
    def _keys(self, ep: Endpoint, day: date) -> list[str]:
        keys: dict[str, None] = {}
        for src in ep.keys:
            if src.when_missing and self.inst.offers(BY_NAME[src.when_missing]):
                continue
            if src.table in TABLES and not self.inst.runs(TABLES[src.table]):
                continue  # an opt-in endpoint this instance does not sync: not a key source here
            if src.table == "config":
                keys.update(dict.fromkeys(str(v) for v in getattr(self.inst, src.column)))
                continue
            if src.same_day:
                t = self.lake.read(src.table, self.name, day, columns=None)
            else:
                # every key the lake has ever seen, not the newest day's: the keys must not
                # depend on which days happened to be loaded when the snapshot ran
                t = self.lake.read_all(src.table, self.name, src.column)
            if t is None or src.column not in t.column_names:
                continue
            keys.update(dict.fromkeys(_distinct(t.column(src.column))))
        if ep.fanout == "phone_numbers":
            keys = {k: None for k in keys if k.isdigit() and len(k) > 3}
        return sorted(keys)

    def plan(self, ep: Endpoint, day: date) -> list[dict[str, str]]:
        base = ep.request_params(day.isoformat())
        if ep.surface == "goapi":
            base["goAction"] = ep.action
        else:
            base["function"] = ep.action
        if ep.fanout == "single":
            requests = [base]
        elif ep.fanout == "phone_numbers":
            keys = self._keys(ep, day)
            size = max(1, self.inst.phone_batch_size)
            requests = [{**base, ep.key_param or "phone_number": ",".join(keys[i:i + size])}
                        for i in range(0, len(keys), size)]
        else:
            requests = [{**base, ep.key_param or "key": k} for k in self._keys(ep, day)]
        for v in ep.variants:  # each request once per value (phone_number_log: type=OUT, type=IN)
            requests = [{**r, v.param: value} for r in requests for value in v.values]
        return requests

    # --- fetching ------------------------------------------------------------------------
    def _fmt(self, ep: Endpoint, params: dict[str, str]) -> str:
        return params.get("responsetype", self.inst.responsetype) if ep.surface == "goapi" else params.get(
            "stage", "pipe")

    def _ask(self, ep: Endpoint, params: dict[str, str], day: str) -> dict[str, pa.Table]:
        parse = ep.parse
        fmt = self._fmt(ep, params)

        def run(raw: RawResponse) -> dict[str, pa.Table]:
            return parse(raw.body, fmt)

        return self.client.call(ep.surface, params, run, module=ep.module, endpoint=ep.name, partition=day,
                                server_error_is_permission=ep.server_error_is_permission)

    def _verified(self, ep: Endpoint, params: dict[str, str], day: str) -> dict[str, pa.Table]:
        """One request's tables, accepted only once ``ep.verify``'s second view agrees.

        A second request: either answer may be the cut one, so a disagreement asks both again
        (up to max_attempts pairs). Another endpoint's partition in the lake (complete by its own
        checks): a disagreement asks this request again. Then the partition fails with the last
        disagreement."""
        tables = self._answer(ep, params, day)
        check = ep.verify
        if check is None:
            return tables
        stored = self._stored_view(ep, day) if check.other else None
        if check.other and stored is None:
            return tables
        attempts = max(1, self.inst.max_attempts)
        for n in range(1, attempts + 1):
            second = stored if stored is not None else self._ask(ep, check.request(params), day)
            try:
                cross_check(ep, tables, second, self.inst.timezone)
                return tables
            except ParseError as exc:
                if n == attempts:
                    raise
                log.warning("%s; asking %s again (%d/%d) [instance=%s partition=%s]", exc,
                            "it" if stored is not None else "both", n, attempts, self.name, day)
                tables = self._answer(ep, params, day)
        raise AssertionError("unreachable")

    def _answer(self, ep: Endpoint, params: dict[str, str], day: str) -> dict[str, pa.Table]:
        """One request's tables; for an endpoint that declares ``confirm``, only once two answers agree.

        An answer is accepted when it equals an earlier answer to the same request and no earlier
        answer had more rows (a cut only ever removes rows: two answers cut alike after a whole one
        do not pass). At most 1 + max_attempts answers, then a retryable ParseError."""
        first = self._ask(ep, params, day)
        if ep.confirm is None:
            return first
        seen = [first]
        limit = 1 + max(1, self.inst.max_attempts)
        while len(seen) < limit:
            got = self._ask(ep, params, day)
            most = max(rows_in(t) for t in seen)
            if rows_in(got) >= most and any(same_answer(got, t) for t in seen):
                return got
            seen.append(got)
            log.warning("%s%s: %d answers to the same request disagree (rows %s); asking again "
                        "[instance=%s partition=%s]", ep.name, _key_of(ep, params), len(seen),
                        ", ".join(str(rows_in(t)) for t in seen), self.name, day)
        raise ParseError(
            f"{ep.name}{_key_of(ep, params)} for {day}: {len(seen)} answers to the same request, no two agree "
            f"(rows {', '.join(str(rows_in(t)) for t in seen)}); its format has no completeness invariant "
            f"({ep.confirm.why}), so an answer is accepted only when asking again gives the same rows",
            instance=self.name, endpoint=ep.name, partition=day)

    def _stored_view(self, ep: Endpoint, day: str) -> dict[str, pa.Table] | None:
        """The day's partition ``ep.verify.other`` names, if loaded and fresh; else None, logged."""
        check = ep.verify
        assert check is not None and check.other
        owner = TABLES[check.other]
        row = self.ledger.get(self.name, owner.name, day)
        why = None
        if day == local_today(self.inst, self.now()).isoformat():
            # the day is still running: both reports move between the two pulls, so a stored view
            # disagrees without any cut (the answer is still confirmed by asking again where declared)
            why = f"{day} is the dialer's current day (its figures move between pulls)"
        elif row is None or row.status != "success":
            why = f"{owner.name} is not loaded for {day}"
        elif row.extracted_at and (
                self.now() - datetime.fromisoformat(row.extracted_at)).total_seconds() > check.fresh_s:
            why = f"{owner.name} of {day} was pulled at {row.extracted_at}, over {check.fresh_s:.0f} s ago"
        t = None if why else self.lake.read(check.other, self.name, date.fromisoformat(day))
        if why is None and t is None:
            why = f"{owner.name} has no partition for {day}"
        if why:
            log.warning("%s: cross check against %s skipped: %s [instance=%s partition=%s]", ep.name,
                        check.other, why, self.name, day)
            return None
        return {check.other: t}

    def _fetch(self, ep: Endpoint, params: dict[str, str], day: str) -> list[dict[str, pa.Table]]:
        tables = self._verified(ep, params, day)
        if ep.fanout == "per_key" and ep.key_param:
            tables = {n: _with_key(t, ep.key_param, params[ep.key_param]) for n, t in tables.items()}
        for v in ep.variants:  # the answer does not say which variant it is: the request does
            tables = {n: _with_key(t, v.column, params[v.param]) for n, t in tables.items()}
        limit = getattr(self.inst, ep.limit_setting)
        at_limit = limit and any(t.num_rows >= limit for t in tables.values())
        if not at_limit:
            return [tables]
        if ep.limit_split == "warn":
            # Nothing finer can be asked (lead_status_search has only status + date): keep what
            # came and say so loudly (ledger drift, sync result, log) instead of failing the day.
            key = f" {ep.key_param}={params[ep.key_param]}" if ep.key_param else ""
            msg = (f"{ep.name}{key} returned {max(t.num_rows for t in tables.values())} rows = its limit of "
                   f"{limit}: rows beyond the limit are missing")
            self._warnings.append(msg)
            log.warning("%s [instance=%s partition=%s]", msg, self.name, day)
            return [tables]
        if ep.limit_split == "halve" and ep.key_param and "," in params.get(ep.key_param, ""):
            keys = params[ep.key_param].split(",")
            mid = len(keys) // 2
            out: list[dict[str, pa.Table]] = []
            for half in (keys[:mid], keys[mid:]):
                out += self._fetch(ep, {**params, ep.key_param: ",".join(half)}, day)
            return out
        from dialsync.service.split import FILTERS, split_by_filters

        if ep.limit_split in FILTERS:  # goReports: re-ask per tenant[] / profile[] / user[]
            return split_by_filters(self, ep, params, day, tables, limit)
        raise LimitReachedError(
            f"result has {max(t.num_rows for t in tables.values())} rows = the server's limit of {limit}; "
            "it is probably truncated and cannot be split further",
            instance=self.name, endpoint=ep.name, partition=day)

    # --- the partition -------------------------------------------------------------------
    def sync(self, ep: Endpoint, day: date) -> SyncResult:
        day_s = day.isoformat()
        if not self.inst.offers(ep):
            return SyncResult(self.name, ep.name, day_s, "skipped",
                              message=f"{ep.name} is not offered by platform {self.inst.platform} "
                                      f"with surfaces {list(self.inst.surfaces)}")
        today = local_today(self.inst, self.now())
        if ep.kind == "snapshot" and day != today:
            raise UnsupportedError(
                f"{ep.name} is a snapshot of the server's current day ({today}); "
                f"it cannot be pulled for {day_s}", instance=self.name, endpoint=ep.name, partition=day_s)
        if day > today:
            raise UnsupportedError(f"{day_s} is in the future for this dialer (today is {today})",
                                   instance=self.name, endpoint=ep.name, partition=day_s)
        self._recover()
        blocked = self._upstream_problem(ep, day)
        if blocked:
            self.ledger.start(self.name, ep.name, day_s)
            self.ledger.finish(self.name, ep.name, day_s, status="blocked", error=blocked)
            raise UpstreamError(blocked, instance=self.name, endpoint=ep.name, partition=day_s)
        self.ledger.start(self.name, ep.name, day_s)
        try:
            result = self._sync(ep, day)
        except Exception as exc:
            msg = self.client.redact(str(exc))
            self.ledger.finish(self.name, ep.name, day_s, status="failed", error=f"{type(exc).__name__}: {msg}")
            if isinstance(exc, DialerError):
                exc.with_context(instance=self.name, endpoint=ep.name, partition=day_s)
            raise
        return result

    def sibling(self) -> PartitionSync:
        """Another PartitionSync of this instance for another thread (its own per-partition state),
        sharing the client (one rate limit, one bound on connections, one auth circuit), lake,
        ledger and clock; crash leftovers are cleaned here once, never while a sibling writes."""
        self._recover()
        other = PartitionSync(self.name, self.inst, self.client, self.lake, self.ledger, now=self.now)
        other._recovered = True
        return other

    def _recover(self) -> None:
        """Once per PartitionSync (every CLI sync, every Dagster step): remove what crashed
        writers left in the lake before writing anything."""
        if not self._recovered:
            self._recovered = True
            removed = self.lake.cleanup_temp()
            if removed:
                log.info("removed %d leftover(s) of interrupted writes from the lake", removed)

    def _upstream_problem(self, ep: Endpoint, day: date) -> str | None:
        """Why the keys of ``ep``'s fan-out for ``day`` cannot be trusted, or None.

        A key source counts only when it completed: its ledger row for the day (for a
        latest-partition source: for the newest day in the lake) says success. Sources this
        instance does not offer (CDRs on plain VICIdial), does not enable (opt-in endpoints not in
        `extra_endpoints`) or that `when_missing` retires are not keys here at all."""
        for src in ep.keys:
            owner = TABLES.get(src.table)
            if src.table == "config" or owner is None or owner.name == ep.name:
                continue
            if src.when_missing and self.inst.offers(BY_NAME[src.when_missing]):
                continue
            if not self.inst.runs(owner):
                continue
            if src.same_day:
                want = day
            else:
                # keys from every loaded day: blocked while none is loaded, or while the source's
                # own partition of this day was tried and did not complete
                if not self.lake.days(src.table, self.name):
                    return f"upstream {owner.name} missing (no partition yet) for {day}"
                mine = self.ledger.get(self.name, owner.name, day.isoformat())
                if mine is None:
                    continue
                want = day
            row = self.ledger.get(self.name, owner.name, want.isoformat())
            if row is None:
                return f"upstream {owner.name} missing for {want}"
            if row.status != "success":
                return f"upstream {owner.name} {'failed' if row.status == 'failed' else row.status} for {want}" + (
                    f" ({row.error})" if row.error and row.status != "failed" else "")
        return None

    def _sync(self, ep: Endpoint, day: date) -> SyncResult:
        from extract.typing import add_lineage, cast_table

        day_s = day.isoformat()
        self._warnings = []
        requests = self.plan(ep, day)
        extracted_at = self.now()
        parts: list[dict[str, pa.Table]] = []
        if len(requests) == 1:
            parts = self._fetch(ep, requests[0], day_s)
        elif requests:
            with ThreadPoolExecutor(max_workers=max(1, self.inst.max_concurrency)) as pool:
                for got in pool.map(lambda p: self._fetch(ep, p, day_s), requests):
                    parts += got
        out: dict[str, pa.Table] = {}
        drift: dict[str, dict[str, list[str]]] = {}
        partition_day = day
        for tname in ep.tables:
            # pop the string tables as they are typed: a million-row day must not hold the
            # untyped and the typed copy of every table at once (peak RSS)
            pieces = [p.pop(tname) for p in parts if tname in p]
            raw = (pa.concat_tables(pieces, promote_options="permissive") if pieces
                   else pa.table({"_source_row": pa.array([], pa.int64())}))
            del pieces
            if ep.kind == "snapshot":
                # the day the server says the snapshot describes (agent_summary_stats `dates`)
                partition_day = partition_date_of(raw) or day
            typed, d = cast_table(raw, tname, self.inst.timezone)
            del raw
            if ep.keep_day_column and ep.keep_day_column in typed.column_names and typed.num_rows:
                col = typed.column(ep.keep_day_column)
                typed = typed.filter(pc.equal(pc.cast(col, pa.date32()), pa.scalar(day, pa.date32())))
            out[tname] = add_lineage(typed, self.name, ep.name, partition_day, extracted_at)
            if d.new_fields or d.missing_fields:
                drift[tname] = {"new": list(d.new_fields), "missing": list(d.missing_fields)}
        if partition_day != day:
            raise DialerError(
                f"server answered for {partition_day}, not {day_s}: a snapshot can only be stored under "
                "the day it describes", instance=self.name, endpoint=ep.name, partition=day_s)
        written = self.lake.write(self.inst.platform, self.name, partition_day, out, group=ep.name)
        if self._warnings:
            drift["_warnings"] = {"incomplete_keys": list(self._warnings)}
        result = SyncResult(self.name, ep.name, day_s, "success",
                            rows={w.table: w.rows for w in written}, bytes=sum(w.bytes for w in written),
                            requests=len(requests), drift=drift)
        self.ledger.finish(
            self.name, ep.name, day_s, status="success", rows=result.total_rows, bytes_=result.bytes,
            checksum=hashlib.sha256("".join(w.checksum for w in written).encode()).hexdigest(),
            fingerprint=fingerprint(ep, requests), requests=len(requests), drift=drift or None,
            extracted_at=extracted_at.isoformat())
        return result


def _key_of(ep: Endpoint, params: dict[str, str]) -> str:
    return f" {ep.key_param}={params[ep.key_param]}" if ep.key_param and ep.key_param in params else ""


def _distinct(col: pa.ChunkedArray) -> list[str]:
    values = pc.unique(pc.drop_null(pc.utf8_trim_whitespace(pc.cast(col, pa.string()))))
    return [v for v in values.to_pylist() if v]


def _with_key(table: pa.Table, column: str, key: str) -> pa.Table:
    """Rows of a per-key request that don't say which key they answer (the hopper of a
    campaign) get it as a column, so the grain stays unique after the fan-out is merged."""
    if column in table.column_names:
        return table
    pos = table.schema.get_field_index("_source_row")
    col = pa.repeat(pa.scalar(key, pa.string()), table.num_rows)
    return table.add_column(pos if pos >= 0 else table.num_columns, column, col)


def sync_range(ps: PartitionSync, endpoints: Iterable[Endpoint], days: Iterable[date],
               on_result: Callable[[SyncResult | Exception, Endpoint, date], None] | None = None,
               *, parallel_days: int = 1) -> list[SyncResult]:
    """Sync days; within a day, endpoints in dependency order. Failures are recorded and
    reported, and do not stop other partitions; an open auth circuit stops every day.

    ``parallel_days`` > 1 syncs that many days at once, each on its own `PartitionSync.sibling`:
    requests stay within the instance's rate limit and max_concurrency (one client), while one
    day's parsing overlaps another's waiting on the dialer. Safe because a daily partition reads
    only partitions of its own day (fan-out keys, cross checks) or snapshots, each partition is
    published atomically by itself and the ledger takes concurrent writers. Results come back
    in day order; ``on_result`` is called under a lock as partitions finish."""
    endpoints, days = list(endpoints), list(days)
    if parallel_days <= 1 or len(days) <= 1:
        return _sync_days(ps, endpoints, days, on_result)
    ps._recover()  # here, before any thread writes (a sibling never cleans)
    lock = threading.Lock()

    def report(r: SyncResult | Exception, ep: Endpoint, day: date) -> None:
        with lock:
            assert on_result is not None
            on_result(r, ep, day)

    local = threading.local()  # one sibling per worker thread, reused for its next days

    def one(day: date) -> list[SyncResult]:
        if ps.client.circuit_open:  # another day's request tripped it: ask nothing more
            return []
        if not hasattr(local, "ps"):
            local.ps = ps.sibling()
        return _sync_days(local.ps, endpoints, [day], report if on_result else None)

    with ThreadPoolExecutor(max_workers=min(parallel_days, len(days))) as pool:
        per_day = list(pool.map(one, days))
    return [r for rs in per_day for r in rs]


def _sync_days(ps: PartitionSync, endpoints: list[Endpoint], days: list[date],
               on_result: Callable[[SyncResult | Exception, Endpoint, date], None] | None) -> list[SyncResult]:
    results: list[SyncResult] = []
    for day in days:
        for ep in endpoints:
            try:
                r = ps.sync(ep, day)
            except Exception as exc:
                r = SyncResult(ps.name, ep.name, day.isoformat(), "failed", message=str(exc))
                if on_result:
                    on_result(exc, ep, day)
                results.append(r)
                if ps.client.circuit_open:  # auth failed: no other partition of this instance may ask
                    return results
                continue
            if on_result:
                on_result(r, ep, day)
            results.append(r)
    return results
