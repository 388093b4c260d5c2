"""The state one instance's write-back run shares between its phases (plan, guard, send).

Why one object: planning, the destructive guard and the sending threads all read the same
ledger state, count into the same report and go through the same throttled client (and its
persisted auth circuit); `writeback_plan` and `writeback_send` take it as their first argument.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from dialsync.service.writeback_report import Hooks, WritebackReport
from dialsync.settings import InstanceSettings, Settings
from extract.client import DialerClient, RawResponse
from extract.writeback.requests import Request, add_lead_surface
from extract.writeback.responses import WriteResult
from warehouse.auth_state import AuthStateStore
from warehouse.writeback_ledger import WritebackLedger


class Abort(Exception):
    """Stop sending for this instance (auth/permission problem, or another run holds its lock)."""


class InstanceRun:
    """One configured dialer's part of a run: settings, ledger, report, hooks and a lazy client."""

    def __init__(self, settings: Settings, name: str, inst: InstanceSettings, ledger: WritebackLedger,
                 report: WritebackReport, *, dry_run: bool, hooks: Hooks, allow_destructive: bool = False,
                 totals: Mapping[str, int] | None = None) -> None:
        self.settings, self.name, self.inst, self.ledger, self.report = settings, name, inst, ledger, report
        self.dry_run, self.hooks = dry_run, hooks
        self.allow_destructive, self.totals = allow_destructive, dict(totals or {})
        self._client: DialerClient | None = None
        self.lock = threading.Lock()
        self.abort = threading.Event()
        self.max_tries = max(1, inst.max_attempts)
        self.has_naa = "non_agent_api" in inst.surfaces
        self.add_lead_surface = add_lead_surface(inst.platform, inst.surfaces)

    @property
    def client(self) -> DialerClient:
        if self._client is None:
            rate = self.settings.writeback_requests_per_second
            throttled = self.inst.model_copy(update={"requests_per_second": rate})
            # the same persisted auth circuit as sync: a wrong password stops write-back too,
            # across runs, after one failed login
            self._client = DialerClient.from_settings(
                self.name, throttled, breaker_store=AuthStateStore(self.settings.state_dir / "auth"))
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def post(self, req: Request, parse: Callable[[bytes], WriteResult]) -> WriteResult:
        """One write (or lookup) POST, never retried by the client: the caller decides, per the ledger."""
        def _parse(raw: RawResponse) -> WriteResult:
            return parse(raw.body)
        with self.lock:
            self.report.requests += 1
        result = self.client.call(req.surface, req.form(), _parse, endpoint=f"writeback:{req.function}",
                                  retry=False)
        result.message = self.client.redact(result.message)
        result.notices = [self.client.redact(n) for n in result.notices]
        return result
