"""`dialsync report`: one self-contained HTML file of the numbers call-center people read.

Read from the published DuckDB file's `bi.*` views and `ops.sync_ledger` over a read-only
connection (a report never takes the writer's lock). Charts are inline SVG (dialsync/svgcharts.py),
styles inline, no external resource: the file opens offline, from a mail attachment or a share.

The bi views are a shared interface that other work changes: each section asks only for the
columns it uses, and a missing view or column turns that section into a message naming it
(and a `problems` line), never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from dialsync import svgcharts

DEFAULT_LIMIT = 0.03  # US TSR: 3 % abandonment over 30 days; the view carries its own when dbt's var differs
MAX_TABLE_ROWS = 200


class MissingColumnError(LookupError):
    """A view or column a section needs is not in the warehouse."""


@dataclass
class Report:
    html: str
    problems: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    start: date | None = None
    end: date | None = None


class Warehouse:
    """A read-only connection that knows which views and columns exist."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._cols: dict[str, list[str] | None] = {}

    def columns(self, rel: str) -> list[str] | None:
        if rel not in self._cols:
            schema, name = rel.split(".")
            rows = self.con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position", [schema, name]).fetchall()
            self._cols[rel] = [r[0] for r in rows] or None
        return self._cols[rel]

    def exists(self, rel: str) -> bool:
        return self.columns(rel) is not None

    def has(self, rel: str, col: str) -> bool:
        return col in (self.columns(rel) or [])

    def need(self, rel: str, cols: Sequence[str], purpose: str) -> None:
        have = self.columns(rel)
        if have is None:
            raise MissingColumnError(f"{purpose}: the warehouse has no view {rel}")
        missing = [c for c in cols if c not in have]
        if missing:
            raise MissingColumnError(f"{purpose}: {rel} has no column {', '.join(map(repr, missing))} "
                                     f"(it has: {', '.join(have)})")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# --- formatting ----------------------------------------------------------------------------
def _int(v: Any) -> str:
    return "–" if v is None else f"{int(v):,}"


def _pct(v: Any, digits: int = 1) -> str:
    return "–" if v is None else f"{float(v):.{digits}%}"


def _dec(v: Any, digits: int = 1) -> str:
    return "–" if v is None else f"{float(v):,.{digits}f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: Sequence[bool] | None = None,
           row_classes: Sequence[str] | None = None) -> str:
    numeric = numeric or [False] * len(headers)
    head = "".join(f"<th{' class=num' if n else ''}>{escape(h)}</th>" for h, n in zip(headers, numeric, strict=True))
    body = []
    for i, r in enumerate(rows[:MAX_TABLE_ROWS]):
        cls = f' class="{escape(row_classes[i])}"' if row_classes and row_classes[i] else ""
        cells = "".join(f"<td{' class=num' if n else ''}>{escape('' if v is None else str(v))}</td>"
                        for v, n in zip(r, numeric, strict=True))
        body.append(f"<tr{cls}>{cells}</tr>")
    more = (f'<p class="note">{len(rows) - MAX_TABLE_ROWS:,} more rows in the warehouse.</p>'
            if len(rows) > MAX_TABLE_ROWS else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _q(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


# --- sections ------------------------------------------------------------------------------
@dataclass
class Window:
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _window(wh: Warehouse, days: int) -> Window:
    wh.need("bi.campaign_daily", ["activity_date"], "report window")
    first, last = wh.con.execute("select min(activity_date), max(activity_date) from bi.campaign_daily").fetchone()
    end = last if isinstance(last, date) else datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    # a young warehouse: the charts span the days it has, not weeks of empty axis
    return Window(max(start, first) if isinstance(first, date) else start, end)


def _campaign_label_sql(wh: Warehouse, alias: str, rel: str = "bi.campaign_daily") -> tuple[str, str]:
    """A readable campaign label: the dimension's name when the views carry it, else the id."""
    if (wh.has(rel, "campaign_key") and wh.has("bi.campaigns", "campaign_key")
            and wh.has("bi.campaigns", "campaign_name")):
        return (f"coalesce(c.campaign_name, {alias}.campaign)",
                f"left join bi.campaigns c on c.campaign_key = {alias}.campaign_key")
    return f"{alias}.campaign", ""


def section_calls(wh: Warehouse, win: Window, charts: list[str]) -> str:
    wh.need("bi.campaign_daily", ["activity_date", "dials", "sales"], "calls and sales per day")
    inbound = "coalesce(inbound_calls, 0)" if wh.has("bi.campaign_daily", "inbound_calls") else "0"
    rows = wh.rows(f"""
        select activity_date as day, sum(coalesce(dials, 0) + {inbound}) as calls, sum(coalesce(sales, 0)) as sales
        from bi.campaign_daily where activity_date between ? and ? group by 1 order by 1""", [win.start, win.end])
    by_day = {r["day"]: r for r in rows}
    labels = [d.strftime("%m-%d") for d in win.days]
    calls = [float(by_day.get(d, {}).get("calls") or 0) for d in win.days]
    sales = [float(by_day.get(d, {}).get("sales") or 0) for d in win.days]
    charts.append("chart-calls")
    svg = svgcharts.bars_and_line("chart-calls", labels, calls, sales, bar_name="calls", line_name="sales")
    total_c, total_s = sum(calls), sum(sales)
    return (f'<p class="kpis"><b>{_int(total_c)}</b> calls (outbound dials + inbound) · <b>{_int(total_s)}</b> sales '
            f"· {win.start} … {win.end}</p>{svg}")


def section_agents(wh: Warehouse, win: Window, charts: list[str]) -> str:
    rel = "bi.agent_daily"
    wh.need(rel, ["activity_date", "agent_user", "login_seconds", "calls_handled", "sales"], "agent scorecard")
    optional = [c for c in ("instance", "login_hours", "occupancy", "aht_seconds", "sales_per_hour",
                            "conversion_rate") if wh.has(rel, c)]
    day = wh.con.execute(f"select max(activity_date) from {rel} where login_seconds > 0 and activity_date <= ?",
                         [win.end]).fetchone()[0]
    if day is None:
        return '<p class="note">No agent logged in during the window.</p>'
    order = "sales_per_hour desc nulls last, " if "sales_per_hour" in optional else ""
    cols = ", ".join(_q(c) for c in ["agent_user", "login_seconds", "calls_handled", "sales", *optional])
    rows = wh.rows(f"select {cols} from {rel} where activity_date = ? and login_seconds > 0 "
                   f"order by {order}sales desc, agent_user", [day])
    multi = "instance" in optional and len({r["instance"] for r in rows}) > 1
    metric, label = ("sales_per_hour", "sales per login hour") if "sales_per_hour" in optional else ("sales", "sales")
    top = [(f"{r['agent_user']}" + (f" ({r['instance']})" if multi else ""), float(r[metric] or 0)) for r in rows[:25]]
    charts.append("chart-agents")
    fmt = (lambda v: f"{v:,.0f}") if metric == "sales" else (lambda v: f"{v:.2f}")
    svg = svgcharts.hbars("chart-agents", top, name=label, fmt=fmt)
    headers = ["agent", *(["instance"] if multi else []), "login h", "calls handled", "sales", "occupancy",
               "AHT s", "sales / h", "conversion"]
    table_rows = []
    for r in rows:
        login_h = r.get("login_hours") if "login_hours" in optional else (r["login_seconds"] or 0) / 3600
        table_rows.append([r["agent_user"], *([r["instance"]] if multi else []), _dec(login_h, 2),
                           _int(r["calls_handled"]), _int(r["sales"]), _pct(r.get("occupancy")),
                           _dec(r.get("aht_seconds"), 0), _dec(r.get("sales_per_hour"), 2),
                           _pct(r.get("conversion_rate"))])
    numeric = [False, *([False] if multi else []), *([True] * 7)]
    return (f'<p class="kpis">Latest day with logins: <b>{escape(str(day))}</b> · {len(rows)} agents '
            f"(chart: top {len(top)} by {escape(label)})</p>{svg}{_table(headers, table_rows, numeric=numeric)}")


def section_funnel(wh: Warehouse, win: Window, charts: list[str]) -> str:
    stages = ["dials", "human_answered", "contacts", "sales"]
    wh.need("bi.campaign_daily", ["activity_date", "campaign", *stages], "campaign funnel")
    label, join = _campaign_label_sql(wh, "f")
    rows = wh.rows(f"""
        select {label} as campaign, {", ".join(f"sum(coalesce(f.{s}, 0)) as {s}" for s in stages)}
        from bi.campaign_daily f {join}
        where f.activity_date between ? and ? group by 1 having sum(coalesce(f.dials, 0)) > 0
        order by dials desc, campaign""", [win.start, win.end])
    if not rows:
        return '<p class="note">No outbound dials in the window.</p>'
    groups = [(str(r["campaign"]), [float(r[s]) for s in stages]) for r in rows]
    charts.append("chart-funnel")
    svg = svgcharts.funnel("chart-funnel", groups, ["dials", "human answered", "contacts", "sales"])
    table_rows = [[r["campaign"], _int(r["dials"]), _int(r["human_answered"]), _int(r["contacts"]), _int(r["sales"]),
                   _pct(r["contacts"] / r["dials"] if r["dials"] else None),
                   _pct(r["sales"] / r["contacts"] if r["contacts"] else None)] for r in rows]
    return svg + _table(["campaign", "dials", "human answered", "contacts", "sales", "contact rate", "conversion"],
                        table_rows, numeric=[False, *([True] * 6)])


def section_abandon(wh: Warehouse, win: Window, charts: list[str]) -> str:
    rel = "bi.campaign_abandon_30d"
    wh.need(rel, ["campaign", "activity_date", "abandon_rate_30d"], "30-day abandonment")
    limit_col = "a.abandon_limit" if wh.has(rel, "abandon_limit") else f"{DEFAULT_LIMIT}"
    inst = "a.instance" if wh.has(rel, "instance") else "''"
    label, join = _campaign_label_sql(wh, "a", rel)
    rows = wh.rows(f"""
        select {inst} as instance, {label} as campaign, a.activity_date as day, a.abandon_rate_30d as rate,
               {limit_col} as lim
        from {rel} a {join} where a.activity_date between ? and ? order by 2, 3""", [win.start, win.end])
    if not rows:
        return '<p class="note">No outbound campaign days in the window.</p>'
    limit = float(next((r["lim"] for r in rows if r["lim"] is not None), DEFAULT_LIMIT))
    multi = len({r["instance"] for r in rows}) > 1
    series: dict[str, list[tuple[str, float]]] = {}
    latest: dict[str, dict[str, Any]] = {}
    breach_days: dict[str, int] = {}
    for r in rows:
        name = f"{r['campaign']}" + (f" ({r['instance']})" if multi else "")
        if r["rate"] is not None:
            series.setdefault(name, []).append((r["day"].strftime("%m-%d"), float(r["rate"])))
            breach_days[name] = breach_days.get(name, 0) + (float(r["rate"]) > float(r["lim"] or limit))
        latest[name] = r
    labels = [d.strftime("%m-%d") for d in win.days]
    charts.append("chart-abandon")
    svg = svgcharts.lines_with_limit("chart-abandon", sorted(series.items()), labels, limit=limit,
                                     limit_name="limit", fmt=lambda v: f"{v:.1%}")
    table_rows, classes = [], []
    for name in sorted(latest):
        r = latest[name]
        over = r["rate"] is not None and float(r["rate"]) > float(r["lim"] or limit)
        table_rows.append([name, str(r["day"]), _pct(r["rate"], 2), _pct(r["lim"] or limit, 1),
                           "BREACH" if over else "ok", str(breach_days.get(name, 0))])
        classes.append("bad" if over else "")
    note = (f'<p class="note">Rolling 30-day drops / human-answered outbound calls per campaign; the dashed line is '
            f"the {limit:.0%} limit (exactly at the limit is not a breach). Campaign days with no "
            "human-answered call have no rate.</p>")
    return note + svg + _table(["campaign", "latest day", "abandon 30d", "limit", "status", "days over in window"],
                               table_rows, numeric=[False, False, True, True, False, True], row_classes=classes)


@dataclass
class Check:
    name: str
    status: str  # ok | attention | n/a
    detail: str
    table: str = ""


def _check_dispositions(wh: Warehouse, win: Window) -> Check:
    rel = "bi.disposition_daily"
    name = "call_dispo_report vs call records"
    wh.need(rel, ["activity_date", "campaign", "status_code", "calls_reported", "calls_in_fct_calls", "is_match"],
            name)
    sums = "row_sum_matches" if wh.has(rel, "row_sum_matches") else "true"
    tot = wh.rows(f"""select count(*) as n, count(*) filter (where not is_match) as bad,
                             count(*) filter (where not coalesce({sums}, true)) as bad_sums
                      from {rel} where activity_date between ? and ?""", [win.start, win.end])[0]
    bad = wh.rows(f"""select activity_date, campaign, status_code, calls_reported, calls_in_fct_calls
                      from {rel} where activity_date between ? and ? and not is_match
                      order by abs(coalesce(calls_reported, 0) - coalesce(calls_in_fct_calls, 0)) desc, 1, 2, 3
                      limit 20""", [win.start, win.end])
    if not tot["n"]:
        return Check(name, "n/a", "no disposition rows in the window")
    detail = (f"{tot['n'] - tot['bad']:,} of {tot['n']:,} campaign × status × day rows match the call records")
    if tot["bad_sums"]:
        detail += f"; {tot['bad_sums']:,} rows where the report's statuses do not add up to its TOTAL"
    table = _table(["day", "campaign", "status", "reported", "in call records"],
                   [[r["activity_date"], r["campaign"], r["status_code"], _int(r["calls_reported"]),
                     _int(r["calls_in_fct_calls"])] for r in bad], numeric=[False, False, False, True, True])
    return Check(name, "attention" if tot["bad"] or tot["bad_sums"] else "ok", detail, table if bad else "")


def _ledger_window(win: Window) -> tuple[str, str]:
    return win.start.isoformat(), win.end.isoformat()


def _check_failures(wh: Warehouse, win: Window) -> Check:
    rel, name = "ops.sync_ledger", "sync ledger: failed partitions"
    wh.need(rel, ["instance", "endpoint", "partition_date", "status"], name)
    err = "error" if wh.has(rel, "error") else "null"
    rows = wh.rows(f"""select instance, endpoint, partition_date, {err} as error from {rel}
                       where status = 'failed' and partition_date between ? and ? order by 3, 1, 2""",
                   _ledger_window(win))
    table = _table(["instance", "endpoint", "day", "error (redacted)"],
                   [[r["instance"], r["endpoint"], r["partition_date"], (r["error"] or "")[:300]] for r in rows])
    return Check(name, "attention" if rows else "ok",
                 f"{len(rows):,} partitions failed and not yet re-pulled" if rows else "no failed partition",
                 table if rows else "")


def _check_missing(wh: Warehouse, win: Window) -> Check:
    """Days inside each instance's loaded span with no pull of a daily endpoint it loads (failed ones are above)."""
    from extract.registry import ENDPOINTS

    rel, name = "ops.sync_ledger", "sync ledger: missing daily partitions"
    wh.need(rel, ["instance", "endpoint", "partition_date", "status"], name)
    daily = sorted(e.name for e in ENDPOINTS if e.kind == "daily")
    rows = wh.rows(f"select instance, endpoint, partition_date, status from {rel} "
                   f"where endpoint in ({', '.join('?' * len(daily))})", daily)
    seen: dict[str, set[str]] = {}
    loaded: set[tuple[str, str, str]] = set()
    first: dict[str, str] = {}
    for r in rows:
        seen.setdefault(r["instance"], set()).add(r["endpoint"])
        first[r["instance"]] = min(first.get(r["instance"], r["partition_date"]), r["partition_date"])
        if r["status"] in ("success", "skipped", "failed"):  # "running" with no end is missing too
            loaded.add((r["instance"], r["endpoint"], r["partition_date"]))
    last = {i: max(p for (j, _, p) in loaded if j == i) for i in {k[0] for k in loaded}}
    missing = []
    for inst, eps in sorted(seen.items()):
        for d in win.days:
            day = d.isoformat()
            if day < first[inst] or day > last.get(inst, ""):
                continue
            missing += [[inst, ep, day] for ep in sorted(eps) if (inst, ep, day) not in loaded]
    detail = (f"{len(missing):,} (instance, endpoint, day) partitions never pulled"
              if missing else "every daily endpoint pulled for every day of each instance's span")
    return Check(name, "attention" if missing else "ok", detail,
                 _table(["instance", "endpoint", "day"], missing) if missing else "")


def _check_unclassified(wh: Warehouse, win: Window) -> Check:
    rel, name = "bi.unclassified_statuses", "statuses no rule classifies"
    cols = wh.columns(rel)
    if cols is None:
        return Check(name, "n/a", f"this warehouse has no {rel} view (older dbt project)")
    shown = cols[:8]
    order = " order by calls desc nulls last" if "calls" in cols else ""
    rows = wh.rows(f"select {', '.join(_q(c) for c in shown)} from {rel}{order} limit {MAX_TABLE_ROWS + 1}")
    if not rows:
        return Check(name, "ok", "every status in the call records has a category")
    return Check(name, "attention",
                 f"{len(rows):,}{'+' if len(rows) > MAX_TABLE_ROWS else ''} unclassified statuses: their calls count "
                 "as neither sale nor contact until a rule (dialsync.toml `statuses`) names them",
                 _table(shown, [[r[c] for c in shown] for r in rows]))


def _check_breaches(wh: Warehouse, win: Window) -> Check:
    rel, name = "bi.campaign_abandon_30d", "30-day abandonment within the limit"
    wh.need(rel, ["campaign", "activity_date", "abandon_rate_30d", "is_breach"], name)
    label, join = _campaign_label_sql(wh, "a", rel)
    key = "a.campaign_key" if wh.has(rel, "campaign_key") else "a.campaign"
    # each campaign's latest day with a rate: today's partial day may have none yet
    rows = wh.rows(f"""
        select {label} as campaign, a.activity_date as day, a.is_breach as breach from {rel} a {join}
        where a.abandon_rate_30d is not null and a.activity_date <= ?
        qualify row_number() over (partition by {key} order by a.activity_date desc) = 1
        order by 1""", [win.end])
    over = [f"{r['campaign']} ({r['day']})" for r in rows if r["breach"]]
    if not rows:
        return Check(name, "n/a", "no campaign has a 30-day rate yet")
    return Check(name, "attention" if over else "ok",
                 f"over the limit on their latest day: {', '.join(over)}" if over
                 else f"all {len(rows)} campaigns within the limit on their latest day")


CHECKS = (_check_dispositions, _check_failures, _check_missing, _check_unclassified, _check_breaches)


def section_checks(wh: Warehouse, win: Window, charts: list[str], problems: list[str]) -> str:
    out = []
    for fn in CHECKS:
        try:
            c = fn(wh, win)
        except MissingColumnError as exc:
            problems.append(str(exc))
            c = Check(str(exc).split(":")[0], "n/a", str(exc))
        out.append(f'<div class="check {escape(c.status.replace("/", ""))}"><span class="badge">'
                   f"{escape(c.status.upper())}</span> <b>{escape(c.name)}</b> — {escape(c.detail)}"
                   f"{'<details><summary>rows</summary>' + c.table + '</details>' if c.table else ''}</div>")
    return "".join(out)


SECTIONS = (("calls", "Calls and sales per day", section_calls),
            ("agents", "Agent scorecard", section_agents),
            ("funnel", "Campaign funnel: dials → human answered → contacts → sales", section_funnel),
            ("abandon", "30-day abandonment per campaign", section_abandon))

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2733;margin:0;background:#f5f7fa}
main{max-width:800px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:22px;margin:8px 0 2px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dee6;padding-bottom:4px}
.meta,.note{color:#5b6b7c;font-size:12.5px}.kpis{margin:4px 0 8px}
section{background:#fff;border:1px solid #e1e6ed;border-radius:6px;padding:4px 16px 14px;margin-top:16px}
svg.chart{max-width:100%;height:auto;display:block;margin:6px 0}
svg .lbl{font-size:11px;fill:#3b4a5a}svg .strong{font-weight:600}svg .grid{stroke:#e6eaef}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin-top:8px}
th,td{padding:3px 6px;border-bottom:1px solid #edf0f4;text-align:left}th{background:#f0f3f7}
.num{text-align:right;font-variant-numeric:tabular-nums}tr.bad td{color:#a3261b;font-weight:600}
.check{padding:6px 0;border-bottom:1px solid #edf0f4}.badge{display:inline-block;min-width:78px;text-align:center;
border-radius:3px;font-size:11px;font-weight:700;padding:1px 4px;color:#fff;background:#7a8794}
.check.ok .badge{background:#2e8b57}.check.attention .badge{background:#c0392b}
.error{color:#a3261b;background:#fdeeee;border:1px solid #f3c2bd;padding:8px;border-radius:4px}
"""

#: Marks each chart with how many of its data marks the browser laid out (data-drawn): a headless
#: browser (the test suite) can tell a drawn chart from an empty one. Drawing needs no script.
SCRIPT = """
document.querySelectorAll('svg.chart').forEach(function (svg) {
  var n = 0;
  svg.querySelectorAll('.mark').forEach(function (m) { var b = m.getBBox(); if (b.width > 0 && b.height > 0) n++; });
  svg.setAttribute('data-drawn', String(n));
});
document.body.setAttribute('data-rendered', 'yes');
"""


def build_report(db_path: Path, *, days: int = 30, generated_at: datetime | None = None) -> Report:
    """Render the report from the published file; sections that cannot be built say why."""
    if days < 1:
        raise ValueError("--days must be at least 1")
    if not db_path.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}: run `dialsync transform` (or `./dev demo`) first")
    con = duckdb.connect(str(db_path), read_only=True)
    problems: list[str] = []
    charts: list[str] = []
    try:
        wh = Warehouse(con)
        try:
            win = _window(wh, days)
        except MissingColumnError as exc:
            problems.append(str(exc))
            win = Window(datetime.now(UTC).date() - timedelta(days=days - 1), datetime.now(UTC).date())
        parts = []
        for key, title, fn in SECTIONS:
            try:
                body = fn(wh, win, charts)
            except MissingColumnError as exc:
                problems.append(str(exc))
                body = f'<p class="error">{escape(str(exc))}</p>'
            parts.append(f'<section id="{key}"><h2>{escape(title)}</h2>{body}</section>')
        parts.append('<section id="checks"><h2>Reconciliation: what the warehouse checks about itself</h2>'
                     f"{section_checks(wh, win, charts, problems)}</section>")
    finally:
        con.close()
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>dialsync report {win.start} … {win.end}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>Call center report</h1><p class=\"meta\">{win.start} … {win.end} ({len(win.days)} days) · from "
        f"{escape(db_path.name)} · generated {escape(when)} by dialsync</p>"
        + "".join(parts)
        + f"</main><script>{SCRIPT}</script></body></html>\n"
    )
    return Report(html, problems, charts, win.start, win.end)


def write_report(db_path: Path, out: Path, *, days: int = 30) -> Report:
    """Build and write atomically (a half-written file never replaces yesterday's report)."""
    report = build_report(db_path, days=days)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(report.html, encoding="utf-8")
    tmp.replace(out)
    return report
