"""Turn write-back response bodies into outcomes: applied, rejected (permanent) or unknown.

Why this is careful: a write whose answer is misread either creates a second lead on the
retry or marks a failed change as done. The real server differs from the document
(`api-facts.md`): add_lead prints the user *last*, NOTICE lines may come before or after
the SUCCESS line, an update that changes nothing returns an empty body, and separators vary
(` - `, `: `, pipes around the data). So fields are found by position relative to values we
sent (phone, list_id), never by a fixed index, and anything not recognisably an answer is
"unknown" (the service looks the row up before it sends again), not "failed".

The line protocol itself is parsed by ``extract.parsers.vicidial.parse_message_lines``; this
module only interprets the messages of the write functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from extract.errors import AuthError, PermissionDeniedError
from extract.parsers.vicidial import parse_message_lines
from extract.writeback.requests import Request

Outcome = Literal["applied", "rejected", "unknown"]


@dataclass(frozen=True)
class Line:
    """One message line, normalised from the shared parser's ``Message``."""

    kind: str  # SUCCESS | NOTICE | ERROR
    function: str | None
    text: str
    data: tuple[str, ...]

    def __str__(self) -> str:
        data = "|".join(self.data)
        return f"{self.kind}: {self.function or ''} {self.text}{' - ' + data if data else ''}".replace("  ", " ")


@dataclass
class WriteResult:
    """What one write did. ``outcome='unknown'`` means we cannot tell whether it took effect."""

    outcome: Outcome
    message: str
    lead_id: str | None = None
    list_id: str | None = None
    lead_ids: tuple[str, ...] = ()
    notices: list[str] = field(default_factory=list)
    found: bool | None = None  # lookups: did a matching lead/list exist
    nothing_changed: bool = False


# --- the shared line parser's messages, normalised ------------------------------------------
def _split_data(data: object) -> tuple[str, ...]:
    if data is None:
        return ()
    items = data.split("|") if isinstance(data, str) else list(data)  # type: ignore[call-overload]
    parts = ["" if p is None else str(p).strip() for p in items]
    # pipes around the data (`: |6666|add_lead|`) leave empty ends
    while parts and parts[0] == "":
        parts.pop(0)
    while parts and parts[-1] == "":
        parts.pop()
    return tuple(parts)


_DATA_LINE = re.compile(r"^\s*(SUCCESS|NOTICE|ERROR):")


def message_lines(body: bytes | str) -> list[Line]:
    """All SUCCESS/NOTICE/ERROR lines of a body, in order (login failures carry no data)."""
    return [Line(m.kind, m.function, m.text.strip(), _split_data(m.data)) for m in parse_message_lines(body)]


def _raise_for_auth(lines: Sequence[Line]) -> None:
    """Login and permission errors are configuration problems: stop the run, don't mark rows."""
    for ln in lines:
        if ln.kind != "ERROR":
            continue
        t = ln.text.upper()
        if "LOGIN INCORRECT" in t or "TOO MANY LOGIN ATTEMPTS" in t:
            raise AuthError(f"dialer refused the API login: {ln.text}")
        if "PERMISSION" in t and ("USER DOES NOT HAVE" in t or (ln.function or "") == "auth"):
            raise PermissionDeniedError(f"API user lacks permission: {ln.function or ''} {ln.text}".strip())


def _notices(lines: Sequence[Line]) -> list[str]:
    return [str(ln) for ln in lines if ln.kind == "NOTICE"]


def _first(lines: Sequence[Line], kind: str, needle: str, function: str | None = None) -> Line | None:
    for ln in lines:
        if ln.kind == kind and needle in ln.text.upper() and (function is None or ln.function in (None, function)):
            return ln
    return None


def _unknown(body: bytes | str, what: str) -> WriteResult:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes | bytearray) else body
    head = " ".join(text.split())[:120]
    return WriteResult("unknown", f"unrecognised {what} answer: {head!r}" if head else f"empty {what} answer")


def lead_id_from_added(data: Sequence[str], phone: str | None, list_id: str | None) -> str | None:
    """lead_id in a LEAD HAS BEEN ADDED line, found relative to phone and list_id.

    Real server: ``phone|list_id|lead_id|gmt|user``; document: ``phone|user|list_id|lead_id|gmt``.
    """
    d = list(data)
    start = d.index(phone) + 1 if phone and phone in d else 1
    if list_id:
        # the list_id right after the phone (real order) or after the user (document order);
        # if user == list_id the document order shows it twice: take the second.
        hits = [i for i in range(start, len(d) - 1) if d[i] == list_id]
        if len(hits) >= 2 and hits[1] == hits[0] + 1 and len(d) - hits[0] >= 4:
            return d[hits[1] + 1]
        if hits:
            return d[hits[0] + 1]
    # no list_id to anchor on: the first all-digit value after two fields past the phone
    for i in (start + 1, start + 2):
        if i < len(d) and d[i].isdigit():
            return d[i]
    return None


def _duplicate_lead_id(data: Sequence[str], phone: str | None, alt: str | None) -> str | None:
    """Existing lead_id in a DUPLICATE error: two fields after the phone (or alt_phone)."""
    d = list(data)
    for anchor in (phone, alt):
        if anchor and anchor in d:
            i = d.index(anchor) + 2
            if i < len(d) and d[i].isdigit():
                return d[i]
    digits = [x for x in d if x.isdigit()]
    return digits[2] if len(digits) >= 3 else None


# --- per function ------------------------------------------------------------------------
def parse_add_lead(body: bytes | str, *, phone: str | None, list_id: str | None,
                   alt_phone: str | None = None) -> WriteResult:
    lines = message_lines(body)
    _raise_for_auth(lines)
    notices = _notices(lines)
    ok = _first(lines, "SUCCESS", "LEAD HAS BEEN ADDED")
    if ok:
        lead_id = lead_id_from_added(ok.data, phone, list_id)
        return WriteResult("applied", str(ok), lead_id=lead_id, list_id=list_id,
                           lead_ids=(lead_id,) if lead_id else (), notices=notices)
    err = _first(lines, "ERROR", "")
    if err:
        if "DUPLICATE" in err.text.upper():
            existing = _duplicate_lead_id(err.data, phone, alt_phone)
            return WriteResult("rejected", str(err), lead_id=existing, list_id=list_id,
                               lead_ids=(existing,) if existing else (), notices=notices, found=True)
        return WriteResult("rejected", str(err), notices=notices)
    return _unknown(body, "add_lead")


def parse_update_lead(body: bytes | str, *, lead_id: str | None = None, phone: str | None = None,
                      list_id: str | None = None) -> WriteResult:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes | bytearray) else body
    if text.strip() == "":
        # api-facts: a found lead with nothing to change answers with 0 bytes and HTTP 200
        return WriteResult("applied", "nothing changed (empty answer)", lead_id=lead_id, nothing_changed=True)
    lines = message_lines(body)
    _raise_for_auth(lines)
    notices = _notices(lines)
    found = _first(lines, "NOTICE", "LEADS FOUND IN THE SYSTEM")
    if found:  # no_update=Y: user|lead_id|vendor_lead_code|phone|list_id|entry_list_id
        d = found.data
        lid = d[1] if len(d) > 1 else None
        return WriteResult("applied", str(found), lead_id=lid, list_id=d[4] if len(d) > 4 else None,
                           lead_ids=(lid,) if lid else (), notices=notices, found=True)
    added = _first(lines, "SUCCESS", "LEAD HAS BEEN ADDED")
    if added:  # insert_if_not_found=Y
        lid = lead_id_from_added(added.data, phone, list_id)
        return WriteResult("applied", str(added), lead_id=lid, list_id=list_id,
                           lead_ids=(lid,) if lid else (), notices=notices, found=False)
    deleted = _first(lines, "SUCCESS", "LEAD HAS BEEN DELETED")
    if deleted:
        lid = lead_id if lead_id and lead_id in deleted.data else (
            deleted.data[1] if len(deleted.data) > 1 else lead_id)
        return WriteResult("applied", str(deleted), lead_id=lid, lead_ids=(lid,) if lid else (),
                           notices=notices, found=True)
    updated = [ln for ln in lines if ln.kind == "SUCCESS" and "LEAD HAS BEEN UPDATED" in ln.text.upper()]
    if updated:  # one line per matched lead: user|lead_id|...
        ids = tuple(ln.data[1] for ln in updated if len(ln.data) > 1)
        return WriteResult("applied", str(updated[0]) + (f" (+{len(updated) - 1} more)" if len(updated) > 1 else ""),
                           lead_id=ids[0] if ids else lead_id, lead_ids=ids, notices=notices, found=True)
    err = _first(lines, "ERROR", "")
    if err:
        return WriteResult("rejected", str(err), notices=notices,
                           found=False if "NO MATCHES" in err.text.upper() else None)
    if _first(lines, "NOTICE", "NO MATCHES FOUND"):
        return WriteResult("rejected", str(_first(lines, "NOTICE", "NO MATCHES FOUND")), notices=notices, found=False)
    if any(ln.kind == "NOTICE" for ln in lines):
        # only notices (hopper, callback) about a found lead
        return WriteResult("applied", notices[0], lead_id=lead_id, notices=notices, found=True)
    return _unknown(body, "update_lead")


def parse_add_list(body: bytes | str, *, list_id: str | None) -> WriteResult:
    lines = message_lines(body)
    _raise_for_auth(lines)
    notices = _notices(lines)
    ok = _first(lines, "SUCCESS", "LIST HAS BEEN ADDED")
    if ok:  # user|list_id|list_name|campaign_id (document: user|list_id|campaign_id)
        lid = list_id if list_id in ok.data else (ok.data[1] if len(ok.data) > 1 else list_id)
        return WriteResult("applied", str(ok), list_id=lid, notices=notices)
    err = _first(lines, "ERROR", "")
    if err:
        exists = "ALREADY EXISTS" in err.text.upper()
        return WriteResult("rejected", str(err), list_id=list_id if exists else None, notices=notices,
                           found=True if exists else None)
    return _unknown(body, "add_list")


_LIST_OK = ("LEADS IN LIST HAVE BEEN RESET", "LIST HAS BEEN DELETED", "LEADS IN LIST HAVE BEEN DELETED",
            "NO UPDATES DEFINED")
_LIST_BAD = ("FAILED", "DOES NOT HAVE PERMISSION", "NOT ALLOWED")


def parse_update_list(body: bytes | str, *, list_id: str | None) -> WriteResult:
    """SUCCESS LIST HAS BEEN UPDATED and the reset/delete NOTICEs are applied; a NOTICE that says
    a requested action failed (daily reset limit, no delete permission) is a rejection."""
    lines = message_lines(body)
    _raise_for_auth(lines)
    notices = _notices(lines)
    err = _first(lines, "ERROR", "")
    bad = next((ln for ln in lines if ln.kind == "NOTICE" and any(b in ln.text.upper() for b in _LIST_BAD)), None)
    if err or bad:
        culprit = err or bad
        assert culprit is not None
        return WriteResult("rejected", str(culprit), list_id=list_id, notices=notices,
                           found=False if "DOES NOT EXIST" in culprit.text.upper() else None)
    ok = _first(lines, "SUCCESS", "")
    if ok:
        return WriteResult("applied", str(ok), list_id=list_id, notices=notices)
    good = next((ln for ln in lines if ln.kind == "NOTICE" and any(g in ln.text.upper() for g in _LIST_OK)), None)
    if good:
        return WriteResult("applied", str(good), list_id=list_id, notices=notices,
                           nothing_changed="NO UPDATES DEFINED" in good.text.upper() and len(lines) == 1)
    return _unknown(body, "update_list")


def parse_list_info(body: bytes | str) -> dict[str, str] | None:
    """list_info (pipe, header=YES) → {column: value}; None when the list does not exist.

    The real server ends the data row with an extra delimiter (api-facts): trailing empties
    beyond the header are dropped.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes | bytearray) else body
    lines = message_lines(text)
    _raise_for_auth(lines)
    if any(ln.kind == "ERROR" for ln in lines):
        return None
    rows = [r for r in text.splitlines() if r.strip() and not _DATA_LINE.match(r)]
    if len(rows) < 2:
        return None
    header = rows[0].rstrip("|").split("|")
    values = rows[1].split("|")
    return {h: (values[i] if i < len(values) else "") for i, h in enumerate(header)}


def parser_for(req: Request) -> Callable[[bytes], WriteResult]:
    """The answer parser of one write, anchored on the values the request sent."""
    if req.function == "add_lead":
        return lambda b: parse_add_lead(b, phone=req.phone, list_id=req.list_id, alt_phone=req.alt_phone)
    if req.function == "update_lead":
        return lambda b: parse_update_lead(b, lead_id=req.lead_id, phone=req.phone, list_id=req.list_id)
    if req.function == "add_list":
        return lambda b: parse_add_list(b, list_id=req.list_id)
    if req.function == "update_list":
        return lambda b: parse_update_list(b, list_id=req.list_id)
    raise ValueError(f"no response parser for {req.function}")


def retry_delay(attempt: int, retry_after: float | None) -> float:
    """Seconds to wait before try ``attempt + 1`` of a write whose answer was lost or refused for
    now: exponential from 0.1 s, at most 5 s, longer when the dialer said so (Retry-After, ≤ 30 s)."""
    delay = min(5.0, 0.1 * (2 ** attempt))
    if retry_after:
        delay = max(delay, min(float(retry_after), 30.0))
    return delay
