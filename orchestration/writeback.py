"""Write-back (reverse ETL) assets: the `wb_*` dbt models and the lead inbox sent to the dialers.

Not scheduled: writing to a production phone system is a decision the operator makes by
turning on the `writeback` job's sensor/schedule. The service (`dialsync.service.writeback`)
does validation, exactly-once sending and the audit ledger; these assets only call it and
report its counts, with an asset check on the rejection rate (a high rate means the model
or the lead file is wrong, not the dialer). A plan that cannot apply (destructive rows over the
cap or reversing a recent change, an unknown instance, every row invalid) fails the asset, as it
makes the CLI exit 1: the operator must look. Dagster never passes `allow_destructive`.
"""


import hashlib
from collections.abc import Sequence
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    DefaultSensorStatus,
    Definitions,
    Failure,
    MaterializeResult,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    asset,
    define_asset_job,
    sensor,
)

from dialsync.settings import Settings
from orchestration.resources import WarehouseResource

GROUP = "writeback"
#: A run whose rejected + invalid share is above this fails its check (the source is wrong).
MAX_REJECTION_RATE = 0.05
INBOX_KEY = AssetKey(["writeback", "inbox_leads"])
MODELS_KEY = AssetKey(["writeback", "model_changes"])


def _result(key: AssetKey, report: Any) -> MaterializeResult:
    d = report.as_dict()
    rate = float(d.get("rejection_rate", 0.0))
    meta = {k: d[k] for k in ("sent", "applied", "rejected", "failed", "pending", "skipped_unchanged",
                              "invalid", "refused", "attempted", "requests") if k in d}
    meta["rejection_rate"] = rate
    if d.get("errors"):
        meta["errors"] = d["errors"][:20]
    if d.get("warnings"):
        meta["warnings"] = d["warnings"][:20]
    if d.get("destructive"):
        meta["destructive"] = [f"{x['row_key']}: {x['diff']} ({x['verdict']})" for x in d["destructive"][:50]]
    if not d.get("ok", True) and (d.get("errors") or d.get("refused")):
        raise Failure(description="write-back plan could not apply: " + "; ".join(d.get("errors", [])[:5]),
                      metadata=meta)
    check = AssetCheckResult(check_name="rejection_rate", asset_key=key, passed=rate <= MAX_REJECTION_RATE,
                             severity=AssetCheckSeverity.ERROR,
                             metadata={"rejection_rate": rate, "max": MAX_REJECTION_RATE,
                                       "rejected": d.get("rejected", 0), "invalid": d.get("invalid", 0)})
    return MaterializeResult(metadata=meta, check_results=[check])


def defs(settings: Settings, dbt_keys: Sequence[AssetKey]) -> Definitions:
    """The write-back slice: the model-changes and inbox assets, their jobs and the inbox sensor."""
    wb_models = [k for k in dbt_keys if k.path[-1].startswith("wb_")]

    @asset(key=MODELS_KEY, group_name=GROUP, deps=wb_models, kinds={"dialer"},
           description="Send the rows of the `wb_*` dbt models (lead updates, lists) to the dialers, exactly once.",
           check_specs=[AssetCheckSpec("rejection_rate", asset=MODELS_KEY,
                                       description=f"Rejected + invalid ≤ {MAX_REJECTION_RATE:.0%} of rows.")])
    def model_changes(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        from dialsync.service.writeback import run_writeback

        report = run_writeback(warehouse.settings, only=[k.path[-1] for k in wb_models] or None)
        context.log.info(report.summary())
        for line in [*report.warnings[:10], *report.errors[:10]]:
            context.log.warning(line)
        return _result(MODELS_KEY, report)

    @asset(key=INBOX_KEY, group_name=GROUP, kinds={"dialer"},
           description="Load the lead files dropped into `<data_dir>/inbox/leads/` (moved to processed/ when settled).",
           check_specs=[AssetCheckSpec("rejection_rate", asset=INBOX_KEY,
                                       description=f"Rejected + invalid ≤ {MAX_REJECTION_RATE:.0%} of rows.")])
    def inbox_leads(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        from dialsync.service.writeback import run_writeback

        report = run_writeback(warehouse.settings, only=["inbox"])
        context.log.info(report.summary())
        for line in [*report.warnings[:10], *report.errors[:10]]:  # unmapped columns, bad files
            context.log.warning(line)
        return _result(INBOX_KEY, report)

    job = define_asset_job("writeback", selection=AssetSelection.assets(MODELS_KEY, INBOX_KEY),
                           description="Send wb_* model rows and inbox lead files to the dialers (operator-enabled).")
    inbox_job = define_asset_job("writeback_inbox", selection=AssetSelection.assets(INBOX_KEY),
                                 description="Load inbox lead files.")

    @sensor(job=inbox_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED,
            description="A new or changed file in <data_dir>/inbox/leads/ starts a lead load (off by default).")
    def inbox_sensor(context: SensorEvaluationContext):
        from dialsync.service.writeback_sources import inbox_files

        files = inbox_files(settings.inbox_dir)
        if not files:
            return SkipReason(f"no lead files in {settings.inbox_dir / 'leads'}")
        h = hashlib.sha256()
        for p in files:
            st = p.stat()
            h.update(f"{p.name}:{st.st_size}:{st.st_mtime_ns}".encode())
        digest = h.hexdigest()[:16]
        return RunRequest(run_key=f"inbox:{digest}", tags={"dialsync/inbox_files": str(len(files))})

    return Definitions(assets=[model_changes, inbox_leads], jobs=[job, inbox_job], sensors=[inbox_sensor])
