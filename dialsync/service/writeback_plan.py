"""Planning and guarding one instance's write-back: which rows must be sent, and which must not.

- validate first (columnar, `extract.writeback.fields`): the server cleans bad input instead of
  refusing it, so an invalid row is recorded with its reason and never sent;
- diff on (instance, operation, row_key) + payload hash: a row already applied (or permanently
  rejected) with the same payload is not planned again, so re-running is free;
- destructive changes (deactivate, reset, delete) are capped per run at
  `Settings.writeback_max_destructive_share` of the instance's lists or leads (latest list_info
  snapshot) and an update_list that reverses another row's change of the last 24 h is refused,
  unless the run is told (`allow_destructive`): a wrong model must not switch a call center off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from dialsync.service.writeback_instance import InstanceRun
from dialsync.service.writeback_report import WorkItem
from dialsync.service.writeback_sources import Batch
from extract.errors import AuthError, DialerError, PermissionDeniedError
from extract.writeback.fields import ROW_NUMBER, Rejection, SchemaError, preview, validate_table
from extract.writeback.guard import REVERSAL_WINDOW, cap, destructive_changes, format_diff, reverses, row_diff
from extract.writeback.requests import as_update, build, build_list_info, clean_params, payload_hash
from extract.writeback.responses import parse_list_info
from warehouse.writeback_ledger import Entry


def sent_params(entry: Entry) -> dict[str, str]:
    """The parameters a ledger row recorded as sent ({} when unreadable)."""
    if not entry.request:
        return {}
    try:
        return dict(orjson.loads(entry.request).get("params") or {})
    except (orjson.JSONDecodeError, AttributeError):
        return {}


# --- planning ------------------------------------------------------------------------------
def plan(run: InstanceRun, batch: Batch, state: Mapping[tuple[str, str], Entry],
         seen: dict[tuple[str, str], str]) -> list[WorkItem]:
    """Validate the batch, record invalid rows, and return the rows that must be sent."""
    surface = run.add_lead_surface if batch.operation == "add_lead" else "non_agent_api"
    table = batch.table
    if surface == "lmapi":
        table = fill_campaing(run, table)
    try:
        v = validate_table(table, batch.operation, "lmapi" if surface == "lmapi" else "non_agent_api")
    except SchemaError as exc:
        run.report.errors.append(f"{batch.source}: {exc}")
        return []
    rows = table.to_pylist()
    keys = [r["_row_key"] for r in rows]
    bad = v.by_row()
    invalid_records: list[dict[str, object]] = []
    items: list[WorkItem] = []
    for i, (row, key) in enumerate(zip(rows, keys, strict=True)):
        params = clean_params(row)
        h = payload_hash(run.name, batch.operation, params)
        reasons = list(bad.get(key, []))
        first = seen.get((batch.operation, key))
        if first is not None:
            reasons.append(Rejection(key, "row_key", f"duplicate row key (also in {first})", preview(key),
                                     row=row.get(ROW_NUMBER)))  # type: ignore[arg-type]
        else:
            seen[(batch.operation, key)] = f"{batch.source} row {i}"
        prev = state.get((batch.operation, key))
        if reasons:
            run.report.count(batch.source, "invalid")
            if len(run.report.rejections) < 1000:
                run.report.rejections += reasons
            if not (prev and prev.payload_hash == h and prev.status == "invalid"):
                invalid_records.append(_record(run, batch, key, h, "invalid", {"params": params},
                                               message="; ".join(str(r) for r in reasons),
                                               rejections=[{"field": r.field, "rule": r.rule,
                                                            "value_preview": r.value_preview}
                                                           for r in reasons]))
            continue
        if prev and prev.payload_hash == h and prev.status in ("applied", "rejected"):
            run.report.count(batch.source, "skipped_unchanged")
            continue
        req = build(batch.operation, row, surface=surface, custom_fields=v.custom_fields)
        if batch.operation == "add_lead" and prev and prev.payload_hash != h and prev.status == "applied" \
                and prev.lead_id:
            # the lead exists: a changed row updates it instead of adding a second one
            req = as_update(req, prev.lead_id, sent_params(prev))
        unit, kinds = destructive_changes(batch.operation, req.params)
        items.append(WorkItem(batch.source, run.name, batch.operation, key, h, req, prev,
                              row=row.get(ROW_NUMBER), unit=unit, kinds=kinds,  # type: ignore[arg-type]
                              diff=row_diff(row, req.params) if kinds or batch.operation == "update_list"
                              else []))
    if invalid_records:
        run.ledger.record_many(invalid_records)
    return items


def _record(run: InstanceRun, batch: Batch, key: str, h: str, status: str, request: dict[str, object], *,
            message: str | None = None, rejections: list[dict[str, str]] | None = None) -> dict[str, object]:
    return {"run_id": run.report.run_id, "source": batch.source, "instance": run.name,
            "operation": batch.operation, "row_key": key, "payload_hash": h, "status": status,
            "request": orjson.dumps(request).decode(), "message": message,
            "rejections": orjson.dumps(rejections).decode() if rejections is not None else None}


def fill_campaing(run: InstanceRun, table: pa.Table) -> pa.Table:
    """lmapi needs `campaing`: take it from the list's campaign (list_info) when the row has none."""
    if "campaing" in table.column_names and table.column("campaing").null_count == 0:
        return table
    campaigns: dict[str, str | None] = {}
    # a read (list_info) is fine in a dry run: it changes nothing on the dialer
    if run.has_naa and "list_id" in table.column_names:
        for lid in pc.unique(table.column("list_id")).to_pylist():
            if lid:
                campaigns[lid] = _list_campaign(run, lid)
    lids = table.column("list_id").to_pylist() if "list_id" in table.column_names else [None] * table.num_rows
    given = table.column("campaing").to_pylist() if "campaing" in table.column_names else [None] * len(lids)
    fallback = (table.column("campaign_id").to_pylist() if "campaign_id" in table.column_names
                else [None] * len(lids))
    filled = [g or campaigns.get(lid or "") or f for g, lid, f in zip(given, lids, fallback, strict=True)]
    col = pa.array(filled, pa.string())
    if "campaing" in table.column_names:
        return table.set_column(table.column_names.index("campaing"), "campaing", col)
    return table.append_column("campaing", col)


def _list_campaign(run: InstanceRun, list_id: str) -> str | None:
    try:
        info = run.client.call("non_agent_api", build_list_info(list_id).form(),
                               lambda raw: parse_list_info(raw.body), endpoint="writeback:list_info")
    except (AuthError, PermissionDeniedError):
        raise
    except DialerError:
        return None
    return (info or {}).get("campaign_id")


# --- the destructive guard -----------------------------------------------------------------
def guard(run: InstanceRun, work: list[WorkItem]) -> set[int]:
    """Hold back destructive rows over the per-run cap and list changes that reverse another
    row's recent change; show every destructive row as a before → after diff.
    Returns the ids of the refused items (not sent, not recorded: planned again next run)."""
    refused: dict[int, str] = {}
    if not run.allow_destructive:
        refused.update(_reversals(run, work))
    share = run.settings.writeback_max_destructive_share
    for unit in ("lists", "leads"):
        items = [it for it in work if it.kinds and it.unit == unit]
        if not items:
            continue
        total = run.totals.get(unit, 0)
        allowed = cap(share, total)
        count = len({it.request.list_id for it in items}) if unit == "lists" else len(items)
        if count <= allowed:
            continue
        kinds = Counter(k for it in items for k in it.kinds)
        what = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        base = (f"{share:.0%} of {total} {unit} in the latest list_info snapshot" if total
                else "no list_info snapshot to measure the share against")
        msg = f"{count} {unit} would change destructively ({what}): over the cap of {allowed} ({base})"
        if run.allow_destructive:
            run.report.warnings.append(f"instance {run.name}: {msg}; sent anyway (--allow-destructive)")
            continue
        run.report.errors.append(f"instance {run.name}: {msg}; none of them sent. Check the plan "
                                 "(dry run: `dialsync writeback run --dry-run`), then re-run with "
                                 "--allow-destructive if it is right")
        for it in items:
            refused.setdefault(id(it), "refused: over the cap")
    for it in work:
        if id(it) in refused:
            run.report.count(it.source, "refused")
    _report_destructive(run, work, refused)
    return set(refused)


def _reversals(run: InstanceRun, work: list[WorkItem]) -> dict[int, str]:
    """update_list rows that would undo what another row applied to the same list within
    REVERSAL_WINDOW (deactivate after a reset or an activation, re-activate or reset after a
    deactivation): two plans fighting over a list are stopped and named, not run daily."""
    lists = [it for it in work if it.operation == "update_list" and it.request.list_id]
    if not lists:
        return {}
    since = datetime.now(UTC) - REVERSAL_WINDOW
    recent: dict[str, list[dict[str, object]]] = {}
    for r in run.ledger.applied_since(run.name, ("add_list", "update_list"), since):
        lid = str(dict(r["params"]).get("list_id", ""))  # type: ignore[call-overload]
        recent.setdefault(lid, []).append(r)
    out: dict[int, str] = {}
    for it in lists:
        p = it.request.params
        for r in recent.get(it.request.list_id or "", []):
            q: dict[str, str] = r["params"]  # type: ignore[assignment]
            if r["row_key"] == it.row_key:
                continue
            if reverses(p, q):
                applied = "; ".join(f"{k}={v}" for k, v in q.items() if k in ("active", "reset_list"))
                run.report.errors.append(
                    f"instance {run.name}: {it.source} row {it.row_key} ({format_diff(it.diff) or p}) would "
                    f"undo {r['row_key']} ({applied}) applied to list {it.request.list_id} at "
                    f"{r['finished_at']}: not sent (fix the plans, or --allow-destructive)")
                out[id(it)] = f"refused: undoes {r['row_key']}"
                break
    return out


def _report_destructive(run: InstanceRun, work: list[WorkItem], refused: Mapping[int, str]) -> None:
    """Every destructive (or refused) row into `report.destructive`, then to the show hook."""
    shown = [it for it in work if it.kinds or id(it) in refused]
    if not shown:
        return
    verb = "would send" if run.dry_run else "sending"
    rows = [{"instance": run.name, "row_key": it.row_key, "change": ", ".join(it.kinds),
             "diff": format_diff(it.diff), "verdict": refused.get(id(it), verb)} for it in shown]
    run.report.destructive += rows
    if run.hooks.show_destructive:
        run.hooks.show_destructive(run.name, rows)


# --- dry run -------------------------------------------------------------------------------
def record_dry_run(run: InstanceRun, work: list[WorkItem]) -> None:
    """Count and record (status `dry_run`) what would be sent, then show it; nothing is sent."""
    records = []
    for it in work:
        run.report.count(it.source, "would_send")
        records.append({"run_id": run.report.run_id, "source": it.source, "instance": it.instance,
                        "operation": it.operation, "row_key": it.row_key, "payload_hash": it.payload_hash,
                        "status": "dry_run", "message": "dry run: not sent",
                        "request": orjson.dumps({"function": it.request.function,
                                                 "surface": it.request.surface,
                                                 "params": it.request.params}).decode()})
    run.ledger.record_many(records)
    if run.hooks.show_dry_run:
        run.hooks.show_dry_run(run.name, work)
