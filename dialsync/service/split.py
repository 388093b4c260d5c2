"""A goReports day too big for one answer is asked again in pieces by the report's own filters.

Whether a croco-dial server truncates at all is not documented; dialsync assumes it does at
``result_limit`` rows, like VICIdial, and detects it the same way: an answer whose row count
reaches the limit is probably cut (`dialsync.service.sync.PartitionSync._fetch`). Such an answer is
thrown away and the request re-asked once per value of the endpoint's first filter level not
yet in the request (``tenant[]`` per portfolio, then ``profile[]`` per profile, or ``user[]``
per user), recursively: a piece still at the limit goes one level deeper, and a piece at the
limit with every level used fails loudly (``LimitReachedError``), never stored truncated.

The filters partition a day's rows without changing their grain (every call has one
portfolio, every campaign one profile), so the detail rows of the pieces are simply
concatenated. Summary rows are reconciled (`SUMMARIES`): see `KeyedSummary`, `StatsSummary`.

The values come from the latest snapshot of the filter's table in the lake (``portfolios``,
``profiles``, ``users``); an instance that has none yet (a first backfill: snapshots are
pulled after the daily partitions) asks the snapshot's endpoint once, without storing it.
Two tripwires guard against a partition that is not one: rows of the at-limit answer whose
value is not among the filter's values (a tenant created after the snapshot) fail the split,
and so do pieces that together hold fewer rows than the one truncated answer did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from extract.errors import LimitReachedError
from extract.parsers.common import SOURCE_ROW
from extract.registry import TABLES, Endpoint

if TYPE_CHECKING:
    from dialsync.service.sync import PartitionSync

Tables = dict[str, pa.Table]


@dataclass(frozen=True)
class Filter:
    """One level of a split: ask ``param`` once per value of ``column`` of snapshot ``table``.

    ``row_column``: the answer's column that carries the value, for the coverage tripwire
    (None where the report's rows do not say it: a CDR's profile is its campaign's).
    """

    param: str
    table: str
    column: str
    row_column: str | None = None


#: `Endpoint.limit_split` value -> filter levels, outermost first (croco-dial document:
#: outbound_cdr, inbound_cdr, agent_cdr, agent_calls_report take tenant[] and profile[];
#: exportAgentReport and exportPauseReport take only user[]).
FILTERS: dict[str, tuple[Filter, ...]] = {
    "tenant_profile": (Filter("tenant[]", "portfolios", "portfolio", row_column="portfolio"),
                       Filter("profile[]", "profiles", "profile_id")),
    "users": (Filter("user[]", "users", "user", row_column="user"),),
}


@dataclass(frozen=True)
class KeyedSummary:
    """Summary rows with one row per ``key`` (outbound_cdr ``summary_rows``: one per campaign).

    A key found in one piece only (a campaign belongs to one tenant and one profile: the usual
    case) keeps that piece's row unchanged — exact, since no other piece has calls of it. A key
    found in several pieces gets the sum of the ``summed`` columns (call counts: additive over
    a partition of the calls) and NULL in every other column (lead counts such as total_leads,
    pending, removed describe the campaign's lists or count distinct leads: summing would
    double count, so they are unknown), and the sync result carries a warning.
    """

    key: str
    summed: tuple[str, ...]


@dataclass(frozen=True)
class StatsSummary:
    """Summary/Average/Max/Min rows (column ``kind``) over the rows of detail table ``detail``.

    Average, Max and Min cannot be summed. Rule: Summary = Σ of the pieces' Summary rows;
    Max = max of their Max rows; Min = min of their Min rows; Average = merged Summary / number
    of detail rows of all pieces (the server's Average is the mean over its detail rows).
    Numbers are rendered as the server does (integers without ``.0``, 2 decimals otherwise).
    """

    detail: str
    kind: str = "type"


SUMMARIES: dict[str, KeyedSummary | StatsSummary] = {
    "outbound_cdr_summary": KeyedSummary(
        "campaign_name", summed=("total_calls", "dialer", "dialed", "manual_calls", "handled_calls")),
    "agent_report_summary": StatsSummary("agent_report"),
}


def split_by_filters(ps: PartitionSync, ep: Endpoint, params: dict[str, str], day: str, answer: Tables,
                     limit: int) -> list[Tables]:
    """The pieces that replace ``answer`` (at the limit), summary tables reconciled."""
    levels = FILTERS[ep.limit_split]
    level = next((lv for lv in levels if lv.param not in params), None)
    full = {n: t.num_rows for n, t in answer.items() if n not in SUMMARIES and t.num_rows >= limit}
    n = max(t.num_rows for t in answer.values())
    if level is None:
        asked = ", ".join(f"{lv.param}={params[lv.param]}" for lv in levels)
        raise LimitReachedError(
            f"result has {n} rows = the server's limit of {limit} even for {asked}; it is probably truncated "
            "and cannot be split further", instance=ps.name, endpoint=ep.name, partition=day)
    values = _values(ps, level, day)
    if not values:
        raise LimitReachedError(f"result has {n} rows = the server's limit of {limit} and there are no "
                                f"{level.table} to split it by {level.param}",
                                instance=ps.name, endpoint=ep.name, partition=day)
    _check_covered(ps, ep, day, answer, level, values)
    parts: list[Tables] = []
    for v in values:
        parts += ps._fetch(ep, {**params, level.param: v}, day)
    for name, rows in full.items():
        got = sum(p[name].num_rows for p in parts if name in p)
        if got < rows:
            raise LimitReachedError(
                f"split by {level.param} holds {got} {name} rows, fewer than the {rows} of the truncated "
                f"answer: the {level.table} do not partition the day", instance=ps.name, endpoint=ep.name,
                partition=day)
    return reconcile(parts, warn=ps._warnings.append)


def _values(ps: PartitionSync, level: Filter, day: str) -> list[str]:
    t = ps.lake.latest(level.table, ps.name, columns=None)
    if t is None:  # no snapshot yet: ask the dialer for the list (not stored: that is the snapshot's job)
        owner = TABLES[level.table]
        got = ps._fetch(owner, ps.plan(owner, date.fromisoformat(day))[0], day)
        t = pa.concat_tables([p[level.table] for p in got if level.table in p], promote_options="permissive")
    if level.column not in t.column_names:
        return []
    col = pc.utf8_trim_whitespace(pc.cast(t.column(level.column), pa.string()))
    return sorted(v for v in pc.unique(pc.drop_null(col)).to_pylist() if v)


def _check_covered(ps: PartitionSync, ep: Endpoint, day: str, answer: Tables, level: Filter,
                   values: list[str]) -> None:
    """Rows whose filter value is not among ``values`` would be in no piece: refuse the split."""
    if level.row_column is None:
        return
    known = pa.array([v.upper() for v in values], pa.string())
    for name, t in answer.items():
        if name in SUMMARIES or level.row_column not in t.column_names:
            continue
        col = pc.utf8_upper(pc.utf8_trim_whitespace(pc.cast(t.column(level.row_column), pa.string())))
        lost = pc.unique(pc.filter(col, pc.invert(pc.fill_null(pc.is_in(col, value_set=known), False)))).to_pylist()
        if lost:
            raise LimitReachedError(
                f"result at the server's limit has {name} rows with {level.row_column} "
                f"{sorted(map(str, lost))[:5]} not among the {level.table} snapshot's values: splitting by "
                f"{level.param} would lose them (sync {TABLES[level.table].name} first)",
                instance=ps.name, endpoint=ep.name, partition=day)


def reconcile(parts: list[Tables], warn: Callable[[str], None] | None = None) -> list[Tables]:
    """Detail tables stay in their pieces; each summary table becomes one reconciled table."""
    names = {n for p in parts for n in p}
    out = [{n: t for n, t in p.items() if n not in SUMMARIES} for p in parts]
    merged: Tables = {}
    for name in sorted(names & SUMMARIES.keys()):
        rule = SUMMARIES[name]
        pieces = [p[name] for p in parts if name in p]
        t = pa.concat_tables(pieces, promote_options="permissive")
        if isinstance(rule, KeyedSummary):
            merged[name] = _keyed(t, rule, name, warn)
        else:
            n = sum(p[rule.detail].num_rows for p in parts if rule.detail in p)
            merged[name] = _stats(t, rule, n)
    return [*out, merged] if merged else out


def _num(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A summary column as float64 (the raw layer holds strings); unparsable values → NULL."""
    s = pc.cast(col, pa.string())
    ok = pc.match_substring_regex(s, r"^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$")
    return pc.cast(pc.if_else(ok, s, pa.scalar(None, pa.string())), pa.float64())


def _render(x: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Numbers as the server prints them: integral → no ``.0``; else rounded to 2 decimals."""
    x = x.combine_chunks() if isinstance(x, pa.ChunkedArray) else x
    integral = pc.fill_null(pc.and_(pc.equal(x, pc.floor(x)), pc.less(pc.abs(x), 1e15)), False)
    as_int = pc.cast(pc.cast(pc.if_else(integral, x, 0.0), pa.int64()), pa.string())
    return pc.if_else(integral, as_int, pc.cast(pc.round(x, 2), pa.string()))


def _keyed(t: pa.Table, rule: KeyedSummary, name: str, warn: Callable[[str], None] | None) -> pa.Table:
    if rule.key not in t.column_names or t.num_rows == 0:
        return t
    counts = t.group_by(rule.key).aggregate([(rule.key, "count")])
    dup = counts.filter(pc.greater(counts[f"{rule.key}_count"], 1))[rule.key]
    if len(dup) == 0:
        return t
    is_dup = pc.is_in(t[rule.key], value_set=dup.combine_chunks())
    single, multi = t.filter(pc.invert(is_dup)), t.filter(is_dup)
    summed = [c for c in rule.summed if c in t.column_names]
    num = pa.table({rule.key: multi[rule.key], **{c: _num(multi[c]) for c in summed},
                    **({SOURCE_ROW: multi[SOURCE_ROW]} if SOURCE_ROW in t.column_names else {})})
    aggs = [(c, "sum") for c in summed] + ([(SOURCE_ROW, "min")] if SOURCE_ROW in t.column_names else [])
    g = num.group_by(rule.key).aggregate(aggs)
    cols: dict[str, pa.Array | pa.ChunkedArray] = {}
    for f in t.schema:
        if f.name == rule.key:
            cols[f.name] = g[rule.key]
        elif f.name in summed:
            cols[f.name] = pc.cast(_render(g[f"{f.name}_sum"]), f.type)
        elif f.name == SOURCE_ROW:
            cols[f.name] = pc.cast(g[f"{SOURCE_ROW}_min"], f.type)
        else:
            cols[f.name] = pa.nulls(g.num_rows, f.type)
    if warn is not None:
        warn(f"{name}: {', '.join(map(str, dup.to_pylist()))} appear in several pieces of a split day: "
             f"{', '.join(summed)} summed, their other columns unknown (NULL)")
    return pa.concat_tables([single, pa.table(cols, schema=t.schema)])


def _stats(t: pa.Table, rule: StatsSummary, n_rows: int) -> pa.Table:
    if rule.kind not in t.column_names or t.num_rows == 0 or n_rows == 0:
        return t.slice(0, 0)
    kind = pc.cast(t[rule.kind], pa.string())
    metrics = [c for c in t.column_names if c not in (rule.kind, SOURCE_ROW)]
    out: dict[str, list[pa.Array]] = {c: [] for c in metrics}
    for typ, fn in (("Summary", "sum"), ("Max", "max"), ("Min", "min")):
        rows = t.filter(pc.equal(kind, typ))
        for c in metrics:
            v = getattr(pc, fn)(_num(rows[c]))
            out[c].append(pa.array([v.as_py()], pa.float64()))
    total = {c: out[c][0] for c in metrics}
    avg = {c: pc.divide(total[c], float(n_rows)) for c in metrics}
    order = (("Summary", total), ("Average", avg), ("Max", {c: out[c][1] for c in metrics}),
             ("Min", {c: out[c][2] for c in metrics}))
    cols: dict[str, pa.Array] = {}
    for f in t.schema:
        if f.name == rule.kind:
            cols[f.name] = pa.array([typ for typ, _ in order], f.type)
        elif f.name == SOURCE_ROW:
            cols[f.name] = pa.array(range(len(order)), f.type)
        else:
            cols[f.name] = pc.cast(_render(pa.concat_arrays([vals[f.name] for _, vals in order])), f.type)
    return pa.table(cols, schema=t.schema)
