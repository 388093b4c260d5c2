"""Sending and confirming one instance's planned write-back rows, exactly once.

- `pending` is written to the ledger *before* each send and replaced by the outcome after it.
  A row still `pending` later means its answer was lost (timeout, reset, 5xx, crash, kill): the
  dialer may have applied it. Before such an add_lead is sent again it is looked up (update_lead
  search + no_update=Y) and recorded as applied if the lead is there; the re-send itself carries
  duplicate_check=DUPLIST as a second guard. add_list is checked with list_info. Updates set
  fields, so re-sending them is safe;
- writes go through `DialerClient.call(..., retry=False)` at `Settings.writeback_requests_per_second`,
  at most `max_concurrency` at a time per instance (the tries and their backoff are decided here,
  against the ledger, not by the client).
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext

import orjson

from dialsync.service.writeback_instance import Abort, InstanceRun
from dialsync.service.writeback_plan import sent_params
from dialsync.service.writeback_report import WorkItem
from extract.errors import AuthError, DialerError, PermissionDeniedError
from extract.writeback.fields import Rejection
from extract.writeback.requests import Request, as_update, build_lead_lookup, build_list_info, with_dup_guard
from extract.writeback.responses import WriteResult, parse_list_info, parse_update_lead, parser_for, retry_delay
from warehouse.writeback_ledger import Entry


def send_all(run: InstanceRun, work: list[WorkItem]) -> None:
    """Send every item of one operation on `max_concurrency` threads; the first crash stops them all."""
    progress = run.hooks.progress(f"{work[0].operation} → {run.name}", len(work)) if run.hooks.progress \
        else nullcontext(lambda: None)
    with progress as advance, ThreadPoolExecutor(max_workers=max(1, run.inst.max_concurrency),
                                                 thread_name_prefix=f"wb-{run.name}") as pool:

        def one(it: WorkItem) -> None:
            if run.abort.is_set():
                return
            try:
                apply(run, it)
            finally:
                advance()

        futures: list[Future[None]] = [pool.submit(one, it) for it in work]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        errors = [f.exception() for f in done if f.exception() is not None]
        if errors:
            run.abort.set()
            for f in futures:
                f.cancel()
            wait(futures)
            raise errors[0]  # type: ignore[misc]


def apply(run: InstanceRun, it: WorkItem) -> None:
    """Send one row until it is applied or rejected, or out of tries. Records every attempt."""
    prev = it.prev
    req = it.request
    attempt = prev.attempt + 1 if prev and prev.payload_hash == it.payload_hash else 1
    lost = prev is not None and prev.status == "pending" and it.operation in ("add_lead", "add_list")
    sent = False
    status = "failed"
    for n in range(run.max_tries):
        if run.abort.is_set():
            break
        if lost:
            verdict, lead_id = confirm(run, it, prev)
            if verdict == "unknown":
                status = "pending"
                break
            if verdict == "applied":
                if prev is not None and prev.payload_hash == it.payload_hash:
                    status = "applied"
                    break
                if it.operation == "add_list" or not lead_id:
                    status = "applied"  # list exists / lead exists: nothing more to add
                    break
                req = as_update(it.request, lead_id, sent_params(prev) if prev else {})
                lost = False
            elif it.operation == "add_lead":
                req = with_dup_guard(it.request)
        entry_id = run.ledger.begin(run_id=run.report.run_id, source=it.source, instance=it.instance,
                                    operation=it.operation, row_key=it.row_key,
                                    payload_hash=it.payload_hash, attempt=attempt,
                                    request={"function": req.function, "surface": req.surface,
                                             "params": req.params})
        attempt += 1
        sent = True
        result, error, retry_after = _send(run, req)
        if run.hooks.before_record:
            run.hooks.before_record(it, result)
        if result is None or result.outcome == "unknown":
            message = result.message if result else error
            if it.operation in ("add_lead", "add_list") and req.function != "update_lead":
                # the dialer may have applied it: stays pending until confirmed
                run.ledger.finish(entry_id, status="pending", message=f"answer lost: {message}")
                status, lost = "pending", True
                prev = Entry(entry_id, it.payload_hash, "pending", attempt - 1, None, None,
                             orjson.dumps({"params": req.params}).decode())
            else:
                run.ledger.finish(entry_id, status="failed", message=message)
                status = "failed"
            if n + 1 < run.max_tries:
                time.sleep(retry_delay(n, retry_after))
            continue
        if lost and result.outcome == "rejected" and result.found and req.function in ("add_lead", "add_list"):
            # our earlier attempt did land: DUPLICATE / LIST ALREADY EXISTS on the guarded re-send
            result.outcome = "applied"
            result.message = f"confirmed on re-send (an earlier attempt had landed): {result.message}"
        status = result.outcome
        run.ledger.finish(entry_id, status=status, message=result.message, lead_id=result.lead_id,
                          list_id=result.list_id, notices=result.notices)
        if status == "rejected":
            with run.lock:
                if len(run.report.rejections) < 1000:
                    run.report.rejections.append(Rejection(it.row_key, "dialer", f"refused: {result.message}",
                                                           "", row=it.row))
        break
    with run.lock:
        if sent:
            run.report.count(it.source, "sent")
        run.report.count(it.source, status)


def _send(run: InstanceRun, req: Request) -> tuple[WriteResult | None, str, float | None]:
    """One POST. Returns (None, error, retry_after) when the answer was lost."""
    try:
        return run.post(req, parser_for(req)), "", None
    except (AuthError, PermissionDeniedError) as exc:
        run.abort.set()
        raise Abort(str(exc)) from None
    except DialerError as exc:  # transport, timeout, 5xx, 429, 4xx, garbled body
        return None, str(exc), getattr(exc, "retry_after", None)


def confirm(run: InstanceRun, it: WorkItem, prev: Entry | None) -> tuple[str, str | None]:
    """An earlier attempt's answer was lost: does the lead/list exist now?

    Returns (applied | absent | unknown, lead_id) and settles the pending ledger row
    (applied with the lead_id, or failed) unless the lookup itself failed."""
    with run.lock:
        run.report.lookups += 1
    lead_id: str | None = None
    try:
        if it.operation == "add_list":
            with run.lock:
                run.report.requests += 1
            info = run.client.call("non_agent_api", build_list_info(it.request.list_id or "").form(),
                                   lambda raw: parse_list_info(raw.body), endpoint="writeback:list_info",
                                   retry=False)
            found = info is not None
        elif run.has_naa and it.request.phone:
            res = run.post(build_lead_lookup(phone=it.request.phone, list_id=it.request.list_id),
                           lambda b: parse_update_lead(b, phone=it.request.phone, list_id=it.request.list_id))
            if res.outcome == "unknown":
                return "unknown", None
            found, lead_id = bool(res.found), res.lead_id
        else:
            if prev is not None and prev.status == "pending":
                run.ledger.finish(prev.id, status="failed", message="answer was lost; no lookup function "
                                  "here: re-sending with duplicate_check=DUPLIST")
            return "absent", None
    except (AuthError, PermissionDeniedError) as exc:
        run.abort.set()
        raise Abort(str(exc)) from None
    except DialerError:
        return "unknown", None
    if prev is not None and prev.status == "pending":
        if found:
            run.ledger.finish(prev.id, status="applied", lead_id=lead_id, list_id=it.request.list_id,
                              message="answer was lost; confirmed by lookup")
        else:
            run.ledger.finish(prev.id, status="failed",
                              message="answer was lost; lookup found nothing, sending again")
    return ("applied" if found else "absent"), lead_id
