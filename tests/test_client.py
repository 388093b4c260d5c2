"""DialerClient through `httpx.MockTransport`: retries, redaction, the auth circuit breaker and
the time-zone check, in milliseconds and without a server (the sanctioned seam, STYLE.md)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from dialsync.settings import InstanceSettings
from extract.client import DialerClient, RawResponse
from extract.errors import (
    AuthError,
    CircuitOpenError,
    PermissionDeniedError,
    TimezoneMismatchError,
    TransientError,
)
from extract.parsers import goapi, vicidial
from extract.preflight import check_timezone
from warehouse.auth_state import AuthStateStore

USER, PASSWORD = "apiuser", "Pw9Secret77"
LOGIN_BAD = f"ERROR: Login incorrect, please try again: |{USER}|{PASSWORD}|BAD|\n".encode()
LOCKED = f"ERROR: Too many login attempts, try again in 15 minutes: |{USER}|LOCK|\n".encode()
DENIED = f"ERROR: auth USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION: |{USER}|phone_number_log|\n".encode()
OK_LOG = b"7275550101|2025-05-13 10:00:00|101|30|SALE|NORMAL|SALE|x|6666\n"

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that counts requests and answers from a script or a function."""

    def __init__(self, answer: Handler | list[httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            n = len(self.requests)
        if callable(self.answer):
            return self.answer(request)
        return self.answer[min(n, len(self.answer)) - 1]

    def form(self, i: int = 0) -> dict[str, list[str]]:
        return parse_qs(self.requests[i].content.decode())


def settings(**kw: object) -> InstanceSettings:
    base = {"platform": "vicidial", "base_url": "http://dialer.test", "timezone": "America/New_York",
            "user_env": "U", "password_env": "P", "max_attempts": 4, "requests_per_second": 1000.0}
    return InstanceSettings(**{**base, **kw})  # type: ignore[arg-type]


def client(rec: Recorder, *, password: str = PASSWORD, store: AuthStateStore | None = None,
           **kw: object) -> DialerClient:
    return DialerClient("main", settings(**kw), user=USER, password=SecretStr(password),
                        transport=httpx.MockTransport(rec), breaker_store=store,
                        backoff_min_s=0.001, backoff_max_s=0.005)


def text(body: bytes, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": "text/html", **headers})


def phone_log(raw: RawResponse) -> object:
    return vicidial.phone_number_log(raw.body, "pipe")


def call(c: DialerClient, **kw: object) -> object:
    return c.call("non_agent_api", {"function": "phone_number_log", "phone_number": "7275550101"}, phone_log,
                  endpoint="phone_number_log", partition="2025-05-13", **kw)  # type: ignore[arg-type]


# --- transport basics ------------------------------------------------------------------------
def test_credentials_go_in_the_post_body_never_the_url() -> None:
    rec = Recorder([text(OK_LOG)])
    with client(rec) as c:
        call(c)
    req = rec.requests[0]
    assert req.method == "POST" and PASSWORD not in str(req.url)
    assert rec.form() ["pass"] == [PASSWORD] and rec.form()["user"] == [USER]


def test_transient_errors_are_retried_then_succeed() -> None:
    rec = Recorder([text(b"busy", 503), text(b"", 429, **{"Retry-After": "0"}), text(OK_LOG)])
    with client(rec) as c:
        tables = call(c)
    assert len(rec.requests) == 3 and tables["phone_number_log"].num_rows == 1  # type: ignore[index]
    assert not c.circuit_open


def test_transient_errors_give_up_after_max_attempts() -> None:
    rec = Recorder([text(b"down", 502)])
    with client(rec, max_attempts=3) as c, pytest.raises(TransientError, match="HTTP 502"):
        call(c)
    assert len(rec.requests) == 3


def test_transport_error_text_is_redacted() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"proxy said: bad pass {PASSWORD}", request=request)

    with client(Recorder(boom), max_attempts=2) as c, pytest.raises(TransientError) as info:
        call(c)
    assert PASSWORD not in str(info.value) and "***" in str(info.value)


# --- the auth circuit ------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "kind"), [(LOGIN_BAD, AuthError), (LOCKED, AuthError),
                                            (DENIED, PermissionDeniedError)])
def test_first_auth_error_opens_the_circuit_and_nothing_more_is_sent(body: bytes, kind: type) -> None:
    rec = Recorder([text(body)])
    with client(rec) as c:
        with pytest.raises(kind) as first:
            call(c)
        assert not isinstance(first.value, CircuitOpenError)
        assert c.circuit_open
        for _ in range(5):  # more days, endpoints, retries: none reaches the network
            with pytest.raises(CircuitOpenError) as again:
                call(c)
        with pytest.raises(CircuitOpenError):
            c.post("non_agent_api", {"function": "version"}, credentials=False)
    assert len(rec.requests) == 1, "one failed login, never retried"
    msg = str(again.value)
    assert msg.startswith("auth circuit open for instance main since ") and "dialsync auth reset" in msg
    assert isinstance(again.value, AuthError) and not again.value.retryable
    for blob in (str(first.value), repr(first.value), msg):
        assert PASSWORD not in blob


def test_goapi_invalid_password_opens_the_circuit() -> None:
    rec = Recorder([text(json.dumps({"result": "error", "message": "Invalid Username/Password"}).encode())])
    with client(rec, platform="crocodial") as c:
        def parse(raw: RawResponse) -> object:
            return goapi.agent_calls_report(raw.body, "json")

        with pytest.raises(AuthError):
            c.call("goapi", {"goAction": "agent_calls_report"}, parse, module="goReports")
        with pytest.raises(CircuitOpenError):
            c.call("goapi", {"goAction": "agent_calls_report"}, parse, module="goReports")
    assert len(rec.requests) == 1
    assert parse_qs(rec.requests[0].content.decode())["goPass"] == [PASSWORD]


def test_concurrent_fanout_spends_exactly_one_failed_login() -> None:
    """16 fan-out requests start at once with a wrong password: one reaches the server."""

    def slow_bad(request: httpx.Request) -> httpx.Response:
        time.sleep(0.05)
        return text(LOGIN_BAD)

    rec = Recorder(slow_bad)
    errors: list[BaseException] = []
    with client(rec, max_concurrency=8) as c:
        def worker() -> None:
            try:
                call(c)
            except BaseException as exc:  # collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(rec.requests) == 1
    assert len(errors) == 16 and all(isinstance(e, AuthError) for e in errors)
    assert sum(not isinstance(e, CircuitOpenError) for e in errors) == 1


def test_proven_credentials_run_concurrently() -> None:
    """Only the first request waits for the others: once accepted, requests overlap again."""
    inflight, peak = [0], [0]
    lock = threading.Lock()

    def ok(request: httpx.Request) -> httpx.Response:
        with lock:
            inflight[0] += 1
            peak[0] = max(peak[0], inflight[0])
        time.sleep(0.03)
        with lock:
            inflight[0] -= 1
        return text(OK_LOG)

    with client(Recorder(ok), max_concurrency=4) as c:
        call(c)
        threads = [threading.Thread(target=call, args=(c,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert peak[0] > 1


def test_a_transient_first_answer_does_not_trip() -> None:
    rec = Recorder([text(b"", 503), text(LOGIN_BAD)])
    with client(rec) as c:
        with pytest.raises(AuthError):
            call(c)
        assert c.circuit_open
    assert len(rec.requests) == 2


def test_server_error_declared_as_permission_is_not_retried() -> None:
    """lead_status_search for a campaign-restricted user: HTTP 500 = no permission."""
    rec = Recorder([text(b"<b>Fatal error</b>", 500)])
    with client(rec) as c:
        with pytest.raises(PermissionDeniedError, match="HTTP 500"):
            call(c, server_error_is_permission=True)
        assert c.circuit_open
    assert len(rec.requests) == 1
    rec = Recorder([text(b"<b>Fatal error</b>", 500)])
    with client(rec, max_attempts=3) as c:  # undeclared: a 500 is transient, retried
        with pytest.raises(TransientError):
            call(c)
        assert not c.circuit_open
    assert len(rec.requests) == 3


def test_trip_persists_across_clients_and_clears_when_the_password_changes(tmp_path: Path) -> None:
    store = AuthStateStore(tmp_path / "state" / "auth")
    rec = Recorder([text(LOGIN_BAD)])
    with client(rec, store=store) as c, pytest.raises(AuthError):
        call(c)
    # a later process (next CLI run, next Dagster step) with the same credentials: no request
    with client(rec, store=store) as c2, pytest.raises(CircuitOpenError) as info:
        call(c2)
    assert len(rec.requests) == 1 and "Login incorrect" in str(info.value)
    files = {p.name: p.read_text() for p in (tmp_path / "state" / "auth").iterdir() if p.is_file()}
    assert "main.json" in files
    for content in files.values():
        assert PASSWORD not in content and USER not in content
    trip = json.loads(files["main.json"])
    assert trip["kind"] == "login" and len(trip["fingerprint"]) == 32
    # fixed credentials: the stale trip is dropped and the request goes out
    good = Recorder([text(OK_LOG)])
    with client(good, store=store, password="NewPw12345") as c3:
        call(c3)
    assert len(good.requests) == 1 and not (tmp_path / "state" / "auth" / "main.json").exists()


def test_reset_reopens_the_circuit(tmp_path: Path) -> None:
    store = AuthStateStore(tmp_path / "auth")
    with client(Recorder([text(LOCKED)]), store=store) as c, pytest.raises(AuthError, match="locked"):
        call(c)
    assert store.records()["main"]["kind"] == "locked"
    assert store.clear("main") and store.records() == {}
    good = Recorder([text(OK_LOG)])
    with client(good, store=store) as c:
        call(c)
    assert len(good.requests) == 1


# --- time zone -------------------------------------------------------------------------------
def version_body(tznow: str, epoch: int = 1747249200) -> bytes:  # 2025-05-14 19:00 UTC (EDT, -4)
    return (f"VERSION: 2.14-202|BUILD: 250720-1841|DATE: 2025-05-14 15:00:00|EPOCH: {epoch}|DST: 1|"
            f"TZ: -5.00|TZNOW: {tznow}|\n").encode()


def test_version_check_sends_no_credentials_and_accepts_a_matching_zone() -> None:
    rec = Recorder([text(version_body("-4.00"))])
    with client(rec) as c:
        note = check_timezone(c, "America/New_York")
    assert "matches" in note
    form = rec.form()
    assert form["function"] == ["version"] and "pass" not in form and "user" not in form


def test_version_check_judges_the_zone_at_the_servers_clock() -> None:
    # the server's clock says January: New York is -5 then, whatever today is here
    with client(Recorder([text(version_body("-5.00", epoch=1736946000))])) as c:
        check_timezone(c, "America/New_York")


def test_version_mismatch_names_both_offsets() -> None:
    with client(Recorder([text(version_body("1.00"))])) as c, pytest.raises(TimezoneMismatchError) as info:
        check_timezone(c, "America/New_York")
    msg = str(info.value)
    assert "UTC+01:00" in msg and "UTC-04:00" in msg and "America/New_York" in msg


def test_version_check_needs_the_non_agent_api_surface() -> None:
    rec = Recorder([text(b"")])
    with client(rec, platform="crocodial", apis=["goapi"]) as c:
        assert "not checked" in check_timezone(c, "America/New_York")
    assert rec.requests == []


# --- one dialer's limits, shared by every client of a data dir ---------------------------------
class InFlight:
    """Answers after a short wait and records the most requests it ever had in flight at once."""

    def __init__(self, wait_s: float = 0.03) -> None:
        self.wait_s, self.now, self.most, self.lock = wait_s, 0, 0, threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.wait_s)
        with self.lock:
            self.now -= 1
        return text(OK_LOG)


def _two_clients_at_once(make: Callable[[], DialerClient], each: int) -> float:
    """Two clients (two Dagster steps, or a step and a CLI sync), each ``each`` requests from 3 threads."""
    clients = [make(), make()]
    t0 = time.perf_counter()
    threads = [threading.Thread(target=lambda c=c: [call(c) for _ in range(each // 3)])
               for c in clients for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def _shared(server: InFlight, directory: Path, **kw: object) -> Callable[[], DialerClient]:
    from warehouse.throttle_state import SharedThrottle

    s = settings(**kw)
    return lambda: DialerClient("main", s, user=USER, password=SecretStr(PASSWORD),
                                transport=httpx.MockTransport(server),
                                throttle=SharedThrottle(directory, s.requests_per_second, s.max_concurrency))


def test_clients_of_one_data_dir_share_the_dialers_connections(tmp_path: Path) -> None:
    shared = InFlight()
    _two_clients_at_once(_shared(shared, tmp_path, max_concurrency=2), each=12)
    assert shared.most == 2
    alone = InFlight()  # each client by itself: together they exceed what the dialer allows
    _two_clients_at_once(lambda: client(Recorder(alone), max_concurrency=2), each=12)
    assert alone.most == 4


def test_clients_of_one_data_dir_share_the_dialers_request_rate(tmp_path: Path) -> None:
    """At 10 requests/s (burst 10), 30 requests cannot take less than 2 s, however many clients."""
    server = InFlight(wait_s=0.0)
    took = _two_clients_at_once(_shared(server, tmp_path, requests_per_second=10.0, max_concurrency=4), each=15)
    assert took >= 1.9
    assert (tmp_path / "bucket").exists()


def test_a_killed_process_never_keeps_a_connection_slot(tmp_path: Path) -> None:
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\nfrom warehouse.throttle_state import SharedThrottle\n"
        f"t = SharedThrottle({str(tmp_path)!r}, 5.0, 1)\n"
        "with t.slot():\n    print('held', flush=True)\n    time.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        from warehouse.throttle_state import SharedThrottle

        mine = SharedThrottle(tmp_path, 5.0, 1)
        got = threading.Event()
        waiter = threading.Thread(target=lambda: (mine.slot().__enter__(), got.set()), daemon=True)
        waiter.start()
        assert not got.wait(0.3)  # held by the other process
        holder.kill()
        assert got.wait(5)  # the kernel dropped the dead process's lock
    finally:
        holder.kill()
        holder.wait()


def test_a_bucket_cut_by_a_crash_reads_as_full(tmp_path: Path) -> None:
    from warehouse.throttle_state import SharedThrottle

    (tmp_path / "bucket").write_bytes(b"0.0")  # a record cut after its first field
    SharedThrottle(tmp_path, 2.0, 1).acquire()  # full (2 tokens) less this one; an empty one would wait
    tokens, _ = (float(x) for x in (tmp_path / "bucket").read_bytes().split())
    assert 0.99 <= tokens < 1.5
