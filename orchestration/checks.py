"""Asset checks on the raw assets, computed from the partitions a step just wrote.

Blocking checks stop dbt in the same run: an empty CDR day that had calls, or CDR rows that
do not add up to the server's own summary, would publish wrong facts, and waiting for the
next pull is better. Drift and per-row dispo mismatches are warnings: staging handles them.
A status no one classified (seed or dialsync.toml) is a warning listing it with its calls:
the marts count it as neither sale nor non-sale (bi.unclassified_statuses says the same).
"""


import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)

from dbt_project import DBT_PROJECT_DIR
from dialsync.service.sync import SyncResult, local_today
from dialsync.settings import InstanceSettings, Settings
from extract.endpoint import Endpoint, FlagFalse, SummaryCount, SummaryRowSums, Table
from extract.registry import ENDPOINTS
from warehouse.lake import Lake
from warehouse.ledger import LedgerRow, SyncLedger

SCHEMA_DRIFT = "schema_drift"
EMPTY_PARTITION = "empty_partition"
FRESHNESS = "freshness"
UNCLASSIFIED_STATUSES = "unclassified_statuses"

#: croco-dial CDRs print campaign and status *names*; a campaign status configured by campaign id
#: is therefore known there for every campaign (the dbt marts resolve it per campaign).
#: Which tables carry statuses, which summaries must match, which reports prove activity: all
#: declared on the endpoints (``Table.statuses``, ``Endpoint.checks``, ``Endpoint.activity_evidence``).


def _status_tables(ep: Endpoint) -> list[Table]:
    return [t for t in ep.raw if t.statuses is not None]


def raw_key(ep: Endpoint | str) -> AssetKey:
    return AssetKey(["raw", ep if isinstance(ep, str) else ep.name])


def check_specs(ep: Endpoint) -> list[AssetCheckSpec]:
    key = raw_key(ep)
    specs = [
        AssetCheckSpec(SCHEMA_DRIFT, asset=key, description="Fields the server added or stopped sending."),
        AssetCheckSpec(EMPTY_PARTITION, asset=key, blocking=True,
                       description="No rows although the day had activity (the previous copy had rows, "
                                   "or another report of that day does)."),
    ]
    for c in ep.checks:
        specs.append(AssetCheckSpec(c.name, asset=key, blocking=isinstance(c, SummaryCount),
                                    description=c.description))
    if _status_tables(ep):
        specs.append(AssetCheckSpec(UNCLASSIFIED_STATUSES, asset=key,
                                    description="Statuses no one classified (status_categories seed, dialsync.toml "
                                                "statuses / campaign_statuses), with their calls."))
    return specs


@dataclass
class Written:
    """One partition written by this step, with the ledger row from before it was replaced."""

    result: SyncResult
    before: LedgerRow | None


def _rows(lake: Lake, table: str, w: Written, columns: Iterable[str]) -> pa.Table | None:
    """Only the columns a check reads, of those the partition has: a CDR day is ~150k rows of
    ~40 columns, and reading all of it for every check cost a 14-day backfill run ~4 s."""
    return lake.read(table, w.result.instance, w.result.partition, columns=list(columns), present_only=True)


def _count(lake: Lake, table: str, w: Written) -> int:
    """Rows of a stored partition, from its Parquet footers (no data read)."""
    return lake.num_rows(table, w.result.instance, w.result.partition) or 0


def drift_result(ep: Endpoint, written: Sequence[Written]) -> AssetCheckResult:
    drift = {f"{w.result.instance}/{w.result.partition}": w.result.drift for w in written if w.result.drift}
    return AssetCheckResult(check_name=SCHEMA_DRIFT, asset_key=raw_key(ep), passed=not drift,
                            severity=AssetCheckSeverity.WARN,
                            metadata={"drift": drift, "partitions": len(written)})


def empty_result(ep: Endpoint, written: Sequence[Written], lake: Lake) -> AssetCheckResult:
    bad: dict[str, str] = {}
    for w in written:
        if w.result.total_rows:
            continue
        where = f"{w.result.instance}/{w.result.partition}"
        if w.before is not None and w.before.status == "success" and (w.before.rows or 0) > 0:
            bad[where] = f"previous copy had {w.before.rows} rows"
            continue
        for other in ep.activity_evidence:
            n = _count(lake, other, w)
            if n:
                bad[where] = f"{other} has {n} rows for that day"
                break
    return AssetCheckResult(check_name=EMPTY_PARTITION, asset_key=raw_key(ep), passed=not bad,
                            severity=AssetCheckSeverity.ERROR,
                            metadata={"empty_with_activity": bad,
                                      "empty_partitions": sum(1 for w in written if not w.result.total_rows)})


def _num(t: pa.Table, col: str) -> float:
    if col not in t.column_names or not t.num_rows:
        return 0.0
    c = t.column(col)
    if not (pa.types.is_integer(c.type) or pa.types.is_floating(c.type)):
        c = pc.cast(c, pa.float64(), safe=False)
    return float(pc.sum(c).as_py() or 0)


def summary_count_result(ep: Endpoint, c: SummaryCount, written: Sequence[Written], lake: Lake
                         ) -> AssetCheckResult:
    diffs: dict[str, dict[str, float]] = {}
    for w in written:
        n_rows = _count(lake, c.rows, w)
        summ = _rows(lake, c.summary, w, [c.column])
        total = _num(summ, c.column) if summ is not None else 0.0
        if int(total) != n_rows:
            diffs[f"{w.result.instance}/{w.result.partition}"] = {"rows": n_rows, f"summary_{c.column}": total}
    return AssetCheckResult(check_name=c.name, asset_key=raw_key(ep), passed=not diffs,
                            severity=AssetCheckSeverity.ERROR, metadata={"mismatches": diffs})


def summary_row_sums_result(ep: Endpoint, c: SummaryRowSums, written: Sequence[Written], lake: Lake
                            ) -> AssetCheckResult:
    diffs: dict[str, dict[str, list[float]]] = {}
    for w in written:
        rows = _rows(lake, c.rows, w, c.columns)
        summ = _rows(lake, c.summary, w, [c.type_column, *c.columns])
        if rows is None or summ is None or c.type_column not in summ.column_names:
            continue
        summary = summ.filter(pc.equal(pc.cast(summ.column(c.type_column), pa.string()), c.type_value))
        if not summary.num_rows:
            continue
        bad = {}
        for col in c.columns:
            if col in rows.column_names and col in summary.column_names:
                got, want = _num(rows, col), _num(summary, col)
                if abs(got - want) > max(1.0, 0.001 * abs(want)):
                    bad[col] = [got, want]
        if bad:
            diffs[f"{w.result.instance}/{w.result.partition}"] = bad
    return AssetCheckResult(check_name=c.name, asset_key=raw_key(ep), passed=not diffs,
                            severity=AssetCheckSeverity.ERROR,
                            metadata={f"mismatches (sum of rows, {c.type_value})": diffs})


def flag_false_result(ep: Endpoint, c: FlagFalse, written: Sequence[Written], lake: Lake) -> AssetCheckResult:
    bad: dict[str, int] = {}
    for w in written:
        t = _rows(lake, c.table, w, [c.flag])
        if t is None or c.flag not in t.column_names or not t.num_rows:
            continue
        flag = pc.utf8_lower(pc.cast(t.column(c.flag), pa.string()))
        n = pc.sum(pc.is_in(flag, value_set=pa.array(["false", "0", "n", "no"]))).as_py() or 0
        if n:
            bad[f"{w.result.instance}/{w.result.partition}"] = n
    return AssetCheckResult(check_name=c.name, asset_key=raw_key(ep), passed=not bad,
                            severity=AssetCheckSeverity.WARN, metadata={"mismatched_rows": bad})


@cache
def seed_statuses() -> frozenset[str]:
    """Every status key of the status_categories seed (codes and croco-dial names, upper-cased)."""
    with open(DBT_PROJECT_DIR / "seeds" / "status_categories.csv", newline="") as fh:
        return frozenset(r["status"].strip().upper() for r in csv.DictReader(fh))


def configured_statuses(inst: InstanceSettings | None, campaign: str | None) -> set[str]:
    """Codes and names an instance classifies in dialsync.toml; ``campaign=None``: any campaign's."""
    if inst is None:
        return set()
    scoped = [inst.statuses]
    scoped += list(inst.campaign_statuses.values()) if campaign is None else [inst.campaign_statuses.get(campaign, {})]
    out: set[str] = set()
    for statuses in scoped:
        for code, flags in statuses.items():
            out.add(code.strip().upper())
            if flags.name:
                out.add(flags.name.strip().upper())
    return out


def unclassified_counts(table: pa.Table, status_col: str, campaign_col: str | None, calls_col: str | None,
                        inst: InstanceSettings | None) -> dict[str, int]:
    """Calls per status that neither the seed nor the instance's configuration classifies.

    Grouped in Arrow first (a CDR day has ~150k rows, a few dozen status × campaign pairs);
    only the groups are looked up."""
    if status_col not in table.column_names:
        return {}
    n = table.num_rows
    calls = (pc.cast(table.column(calls_col), pa.int64(), safe=False)
             if calls_col and calls_col in table.column_names else pa.repeat(pa.scalar(1, pa.int64()), n))
    campaign = (pc.cast(table.column(campaign_col), pa.string())
                if campaign_col and campaign_col in table.column_names else pa.nulls(n, pa.string()))
    grouped = pa.table({"status": pc.cast(table.column(status_col), pa.string()), "campaign": campaign,
                        "calls": calls}).group_by(["status", "campaign"]).aggregate([("calls", "sum")])
    known, seed = {}, seed_statuses()
    out: dict[str, int] = {}
    for status, campaign_, n_calls in zip(grouped["status"].to_pylist(), grouped["campaign"].to_pylist(),
                                          grouped["calls_sum"].to_pylist(), strict=True):
        code = (status or "").strip().upper()
        if not code or code in seed or not n_calls or (campaign_ or "").upper() == "TOTAL":  # the TOTAL row
            continue
        if campaign_ not in known:
            known[campaign_] = configured_statuses(inst, campaign_)
        if code not in known[campaign_]:
            out[code] = out.get(code, 0) + int(n_calls)
    return out


def unclassified_result(ep: Endpoint, written: Sequence[Written], lake: Lake,
                        settings: Settings | None) -> AssetCheckResult:
    found: dict[str, dict[str, int]] = {}
    for w in written:
        inst = settings.instances.get(w.result.instance) if settings is not None else None
        for spec in _status_tables(ep):
            assert spec.statuses is not None
            status_col, campaign_col, calls_col = spec.statuses
            t = _rows(lake, spec.name, w, [c for c in spec.statuses if c])
            if t is None or not t.num_rows:
                continue
            counts = unclassified_counts(t, status_col, campaign_col, calls_col, inst)
            if counts:
                found[f"{w.result.instance}/{w.result.partition}"] = dict(sorted(counts.items()))
    total: dict[str, int] = {}
    for counts in found.values():
        for code, n in counts.items():
            total[code] = total.get(code, 0) + n
    return AssetCheckResult(check_name=UNCLASSIFIED_STATUSES, asset_key=raw_key(ep), passed=not found,
                            severity=AssetCheckSeverity.WARN,
                            metadata={"calls_by_status": dict(sorted(total.items())), "by_partition": found,
                                      "fix": "classify in dialsync.toml [instances.<name>.statuses.<CODE>] "
                                             "(or campaign_statuses), or in seeds/status_categories.csv"})


def results_for(ep: Endpoint, written: Sequence[Written], lake: Lake,
                settings: Settings | None = None) -> list[AssetCheckResult]:
    """One result per check spec of the endpoint (every spec must get one)."""
    out = [drift_result(ep, written), empty_result(ep, written, lake)]
    for c in ep.checks:
        if isinstance(c, SummaryCount):
            out.append(summary_count_result(ep, c, written, lake))
        elif isinstance(c, SummaryRowSums):
            out.append(summary_row_sums_result(ep, c, written, lake))
        else:
            out.append(flag_false_result(ep, c, written, lake))
    if _status_tables(ep):
        out.append(unclassified_result(ep, written, lake, settings))
    return out


# --- freshness: from the ledger, on its own schedule -----------------------------------------
def stale_partitions(settings: Settings, ledger: SyncLedger, ep: Endpoint,
                     now: datetime | None = None) -> dict[str, str]:
    """Instances whose latest good partition of `ep` is older than their local yesterday."""
    now = now or datetime.now(UTC)
    latest: dict[str, str] = {}
    for r in ledger.rows():
        if r.endpoint == ep.name and r.status == "success" and r.partition_date > latest.get(r.instance, ""):
            latest[r.instance] = r.partition_date
    out = {}
    for name, inst in settings.instances.items():
        if not inst.runs(ep):  # not offered, or opt-in and not enabled: nothing is expected
            continue
        want = (local_today(inst, now) - timedelta(days=1)).isoformat()
        got = latest.get(name)
        if got is None or got < want:
            out[name] = f"latest partition {got or 'none'}, expected ≥ {want}"
    return out


def freshness_checks(settings: Settings, endpoints: Iterable[Endpoint] = ENDPOINTS):
    """One `freshness` check per raw asset: the latest partition is at least local yesterday."""
    eps = [e for e in endpoints if any(i.offers(e) for i in settings.instances.values())]
    specs = [AssetCheckSpec(FRESHNESS, asset=raw_key(e), description="Latest partition ≥ the dialer's yesterday.")
             for e in eps]

    @multi_asset_check(specs=specs, name="raw_freshness", can_subset=True, required_resource_keys={"warehouse"})
    def raw_freshness(context: AssetCheckExecutionContext):
        ledger = context.resources.warehouse.ledger
        for e in eps:
            key = raw_key(e)
            if not any(k.asset_key == key for k in context.selected_asset_check_keys):
                continue
            stale = stale_partitions(settings, ledger, e)
            yield AssetCheckResult(check_name=FRESHNESS, asset_key=key, passed=not stale,
                                   severity=AssetCheckSeverity.WARN if e.kind == "snapshot"
                                   else AssetCheckSeverity.ERROR,
                                   metadata={"stale": stale})

    return raw_freshness

