"""VICIdial ``non_agent_api.php`` (and Dialer360 ``/adminpanel/api.php``) text parsers.

Over 500 lines on purpose: one parser per function, all on the one line grammar and completeness
rules below; split, each module would restate them.

Responses are HTTP 200 text: either data lines (``stage`` = ``pipe`` | ``csv`` | ``tab``, no
quoting, header only with ``header=YES``) or message lines
``SUCCESS:|NOTICE:|ERROR: <function> <MESSAGE TEXT><sep><data>``, where ``<sep>`` is
`` - `` (`` – `` in the documents) or ``: `` and the data may be pipe-wrapped.

Error mapping (first ERROR line wins):

* ``NO RECORDS FOUND`` / ``NO RECORDINGS FOUND`` / ``NO RESULTS FOUND`` (ERROR or NOTICE) →
  empty table, not an error;
* ``Login incorrect`` (the server echoes the password: the data part is dropped and never
  reaches an exception) and the lockout line → ``AuthError``;
* ``USER DOES NOT HAVE PERMISSION`` → ``PermissionDeniedError``;
* anything else → ``ApiError`` with ``server_message`` = the redacted line.

Completeness (issue #11): a body that is not provably complete is a (retryable) ParseError.
The real script ends every printed line with ``\n`` except call_dispo_report's TOTAL row, so
a delimited export or record list whose last line lacks it was cut; a header with no data
line was cut (the server says NO RECORDS instead); a line with the wrong field count was cut.
call_dispo_report proves itself with its TOTAL row. A cut exactly at a line boundary of a
report without totals looks like a complete, shorter answer: no parser can reveal it.
agent_stats_export's is revealed one level up, by its declared cross check (the ungrouped
answer's per-user calls and pause_time; `extract.registry.CrossCheck`, `dialsync.service.sync`); still
undetectable are such cuts of phone_number_log, did_log_export, recording_lookup,
call_status_stats, and of lead_status_search between two records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from extract.errors import ApiError, AuthError, ParseError, PermissionDeniedError, redact
from extract.parsers.common import (
    SOURCE_ROW,
    Body,
    columns_to_table,
    empty_string_table,
    load_body,
    rows_to_table,
)

Tables = dict[str, pa.Table]

DELIMITERS = {"pipe": "|", "csv": ",", "tab": "\t"}

# ----------------------------------------------------------------- documented column lists

RECORDING_LOOKUP_COLUMNS = ("start_time", "user", "recording_id", "lead_id", "location")
DID_LOG_EXPORT_COLUMNS = ("did_number", "call_date", "caller_id_number", "length_in_sec")
PHONE_NUMBER_LOG_COLUMNS = ("phone_number", "call_date", "list_id", "length_in_sec", "lead_status",
                            "hangup_reason", "call_status", "source_id", "user")
AGENT_STATS_DOC_COLUMNS = (
    "user", "full_name", "user_group", "calls", "login_time", "total_talk_time", "avg_talk_time",
    "avg_wait_time", "pct_of_queue", "pause_time", "sessions", "avg_session", "pauses",
    "avg_pause_time", "pause_pct", "pauses_per_session", "total_wait_time",
)
"""agent_stats_export as documented (17 columns)."""
AGENT_STATS_REAL_COLUMNS = (
    "user", "full_name", "user_group", "calls", "login_time", "total_talk_time", "avg_talk_time",
    "avg_wait_time", "pct_of_queue", "pause_time", "sessions", "avg_session", "pauses",
    "avg_pause_time", "pause_pct", "pauses_per_session", "wait_time", "talk_time", "dispo_time",
    "dead_time",
)
"""agent_stats_export of the real 2.14 server (20 columns); ``group_by_campaign=YES`` puts
``campaign_id`` first in either form."""
AGENT_STATS_2017_HEADER = AGENT_STATS_REAL_COLUMNS[:16]
"""2.14-96 (2017, Dialer360): 16 names ending at ``pauses_per_session``, 17 values per row; the
17th is the agent's wait time (stored as ``wait_time``). No talk/dispo/dead columns."""
LIST_INFO_COLUMNS = ("list_id", "list_name", "campaign_id", "active", "list_changedate",
                     "list_lastcalldate", "expiration_date", "resets_today")
LIST_INFO_COUNTS_COLUMNS = (*LIST_INFO_COLUMNS, "all_leads_count", "new_leads_count")
CALL_STATUS_STATS_COLUMNS = ("campaign_id", "total_calls", "human_answered_calls",
                             "hourly_breakdown", "status_breakdown")
"""call_status_stats prints no header; names follow the documented line
``campaign_id/ingroup|total calls|human answered calls|hourly breakdown|status breakdown``.
One row per campaign/in-group; the breakdowns (``HH-count,...`` / ``STATUS-count,...``) are kept
verbatim for staging to unnest."""

NO_RECORDS = ("NO RECORDS FOUND", "NO RECORDINGS FOUND", "NO RESULTS FOUND")

# ----------------------------------------------------------------- message lines


@dataclass(frozen=True)
class Message:
    """One ``SUCCESS:|NOTICE:|ERROR:`` line. ``data`` is the pipe-split data part (empty for a
    login failure: that data holds the password)."""

    kind: str
    function: str | None
    text: str
    data: list[str] = field(default_factory=list)

    def render(self, secrets: Sequence[str] = ()) -> str:
        """The line rebuilt from its (already password-free) parts, ``secrets`` redacted."""
        head = f"{self.kind}: " + (f"{self.function} " if self.function else "") + self.text
        line = f"{head} - {'|'.join(self.data)}" if self.data else head
        return redact(line, list(secrets))

    @property
    def is_no_records(self) -> bool:
        return any(t in self.text.upper() for t in NO_RECORDS)


_KINDS = ("SUCCESS", "NOTICE", "ERROR")
_MSG_SPLIT = re.compile(r"\s+(?=(?:SUCCESS|NOTICE|ERROR): )")
_MSG = re.compile(r"^(SUCCESS|NOTICE|ERROR):\s*(.*)$", re.S)
_FUNC = re.compile(r"^[a-z][a-z0-9_]*$")
_SEPS = (" - ", " – ", " — ", ": ")
_LOGIN = "login incorrect"


def _split_message(kind: str, rest: str) -> Message:
    rest = rest.strip()
    function = None
    first, _, tail = rest.partition(" ")
    if tail and _FUNC.match(first):
        function, rest = first, tail.strip()
    if rest.lower().startswith(_LOGIN):
        # "Login incorrect, please try again: |user|PASSWORD|BAD|": never keep the data part.
        return Message(kind, function, "Login incorrect, please try again", [])
    cut = [(i, s) for s in _SEPS if (i := rest.find(s)) != -1]
    if not cut:
        text, data = rest, ""
    else:
        i, sep = min(cut)
        text, data = rest[:i].strip(), rest[i + len(sep):].strip()
    if data.startswith("|"):
        data = data[1:]
    if data.endswith("|"):
        data = data[:-1]
    return Message(kind, function, text, data.split("|") if data else [])


def parse_message_lines(body: Body | str) -> list[Message]:
    """All ``SUCCESS:/NOTICE:/ERROR:`` messages in a body, in order; other lines are ignored.

    Several messages printed on one line (as in the documents' examples) are split apart.
    Accepts the body as bytes (or a ``str`` of text — unlike the parsers, where a ``str`` is a
    path, message bodies are small and often already decoded)."""
    text = body if isinstance(body, str) else _decode(load_body(body))
    out: list[Message] = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith(_KINDS):
            continue
        for seg in _MSG_SPLIT.split(line):
            m = _MSG.match(seg)
            if m:
                out.append(_split_message(m.group(1), m.group(2)))
    return out


def raise_for_message(msg: Message, secrets: Sequence[str] = ()) -> None:
    """Raise the ``extract.errors`` class for an ERROR message (no-op for other kinds and for
    "no records")."""
    if msg.kind != "ERROR" or msg.is_no_records:
        return
    upper = msg.text.upper()
    fn = msg.function or "?"
    if upper.startswith("LOGIN INCORRECT"):
        raise AuthError("VICIdial rejected the credentials (Login incorrect)")
    if "TOO MANY LOGIN ATTEMPTS" in upper:
        raise AuthError("VICIdial account locked: too many login attempts, try again in 15 minutes")
    line = msg.render(secrets)
    if "DOES NOT HAVE PERMISSION" in upper:
        raise PermissionDeniedError(f"VICIdial {fn}: {msg.text}")
    raise ApiError(f"VICIdial {fn}: {redact(msg.text, list(secrets))}", server_message=line)


def _decode(buf: bytes | bytearray | memoryview | object) -> str:
    raw = bytes(buf)  # type: ignore[call-overload]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _data_lines(body: Body, secrets: Sequence[str], *, terminated: bool = True) -> list[str] | None:
    """Non-empty lines of a report body; None if the server said "no records".

    Raises for ERROR lines, an HTML page, an empty body, a body whose last line lacks the
    ``\n`` the real server ends it with (``terminated``: cut in transit), and a body of message
    lines only that are neither an error nor "no records"."""
    text = _decode(load_body(body))
    if not text.strip():
        raise ParseError("empty response body")
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    lines = [ln for ln in lines if ln.strip()]
    if lines[0].lstrip().startswith("<"):
        raise ParseError(f"HTML page instead of a VICIdial response: {lines[0][:80]!r}")
    messages = parse_message_lines(text)
    for msg in messages:
        raise_for_message(msg, secrets)
    data = [ln for ln in lines if not ln.lstrip().startswith(_KINDS)]
    if not data and any(m.is_no_records for m in messages):
        return None  # whole or cut after "NO RECORDS", it says the same
    if terminated and not text.endswith("\n"):
        raise ParseError("response cut short: the last line has no newline (the server ends every line with one)")
    if not data:
        raise ParseError(f"no data and no 'no records' message: {lines[0][:80]!r}")
    return data


def _is_header(tokens: list[str], known: set[str]) -> bool:
    toks = [t.strip().lower() for t in tokens if t.strip()]
    return bool(toks) and all(t in known for t in toks)


def delimited(body: Body, fmt: str, variants: Sequence[Sequence[str]], function: str, *,
              secrets: Sequence[str] = (), unnamed: Mapping[tuple[str, ...], str] | None = None) -> pa.Table:
    """Parse a header-optional, unquoted delimited export into an all-string table.

    ``variants``: the column lists the function may print (documented and real forms); with
    a header its names are used as sent, without one the variant with the matching field
    count is used. ``unnamed``: headers whose rows carry one value more than they name, and
    the name to give it (2.14-96's agent_stats_export). A trailing delimiter (``list_info``)
    is dropped. A line with another field count is a ParseError (truncated body, or an
    unquoted delimiter inside a value: use ``stage=pipe``), and so is a header without a data
    line (the server prints a NO RECORDS message instead) or a last line without newline."""
    sep = DELIMITERS.get(fmt)
    if sep is None:
        raise ValueError(f"unknown VICIdial stage {fmt!r} (pipe|csv|tab)")
    lines = _data_lines(body, secrets)
    if not lines:
        return empty_string_table(variants[0])
    known = {c.lower() for v in variants for c in v} | {c.lower() for h in (unnamed or {}) for c in h}
    first = lines[0].split(sep)
    if _is_header(first, known):
        names = [t.strip() for t in first]
        while names and names[-1] == "":
            names.pop()
        lines = lines[1:]
        if not lines:
            raise ParseError(f"{function}: a header and no data line: response cut short")
        extra = (unnamed or {}).get(tuple(names))
        if extra is not None:
            names.append(extra)
    else:
        width = len(first) - (1 if first[-1] == "" else 0)
        match = [v for v in variants if len(v) in (width, len(first))]
        if not match:
            raise ParseError(f"{function}: {len(first)} fields per line without a header; "
                             f"expected one of {sorted({len(v) for v in variants})}")
        names = list(match[0])
    ncols = len(names)
    rows: list[list[str]] = []
    for i, line in enumerate(lines):
        parts = line.split(sep)
        while len(parts) > ncols and parts[-1] == "":
            parts.pop()
        if len(parts) != ncols:
            raise ParseError(f"{function}: line {i + 1} has {len(parts)} fields, expected "
                             f"{ncols} (truncated body, or a delimiter inside a value?)")
        rows.append(parts)
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in names]
    return columns_to_table(names, columns)


# ----------------------------------------------------------------- functions


def agent_stats_export(body: Body, fmt: str, *, secrets: Sequence[str] = ()) -> Tables:
    """agent_stats_export → ``agent_stats_export``: the documented 17-column form, the real
    20-column one, each optionally with ``campaign_id`` first (``group_by_campaign=YES``), and
    2.14-96's 16-name header over 17 values (17th → ``wait_time``). A cut inside a line is
    detected here (newline, field count); a cut at a line boundary is not (no totals), but the
    sync's cross check against the ungrouped answer reveals it (the endpoint's ``verify``)."""
    variants = [AGENT_STATS_REAL_COLUMNS, AGENT_STATS_DOC_COLUMNS,
                ("campaign_id", *AGENT_STATS_REAL_COLUMNS), ("campaign_id", *AGENT_STATS_DOC_COLUMNS)]
    return {"agent_stats_export": delimited(body, fmt, variants, "agent_stats_export", secrets=secrets,
                                            unnamed={AGENT_STATS_2017_HEADER: "wait_time"})}


def phone_number_log(body: Body, fmt: str, *, secrets: Sequence[str] = ()) -> Tables:
    """phone_number_log → ``phone_number_log`` (no records is a NOTICE line: empty)."""
    return {"phone_number_log": delimited(body, fmt, [PHONE_NUMBER_LOG_COLUMNS],
                                          "phone_number_log", secrets=secrets)}


def recording_lookup(body: Body, fmt: str, *, secrets: Sequence[str] = ()) -> Tables:
    """recording_lookup → ``recording_lookup``."""
    return {"recording_lookup": delimited(body, fmt, [RECORDING_LOOKUP_COLUMNS],
                                          "recording_lookup", secrets=secrets)}


_DATETIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"


def did_log_export(body: Body, fmt: str, *, secrets: Sequence[str] = ()) -> Tables:
    """did_log_export → ``did_log_export``. The real server prints caller_id_number in column
    2 and call_date in column 3, the opposite of its header: per row, when ``call_date`` does
    not look like a datetime but ``caller_id_number`` does, the two values are swapped back."""
    t = delimited(body, fmt, [DID_LOG_EXPORT_COLUMNS], "did_log_export", secrets=secrets)
    if t.num_rows and {"call_date", "caller_id_number"} <= set(t.column_names):
        cd, cid = t["call_date"], t["caller_id_number"]
        swap = pc.and_(pc.invert(pc.fill_null(pc.match_substring_regex(cd, _DATETIME), False)),
                       pc.fill_null(pc.match_substring_regex(cid, _DATETIME), False))
        t = t.set_column(t.schema.get_field_index("call_date"), "call_date",
                         pc.if_else(swap, cid, cd))
        t = t.set_column(t.schema.get_field_index("caller_id_number"), "caller_id_number",
                         pc.if_else(swap, cd, cid))
    return {"did_log_export": t}


def call_status_stats(body: Body, fmt: str = "pipe", *, secrets: Sequence[str] = ()) -> Tables:
    """call_status_stats (always pipe, no header, trailing pipe) → ``call_status_stats``, one
    row per campaign/in-group, breakdown strings verbatim."""
    return {"call_status_stats": delimited(body, "pipe", [CALL_STATUS_STATS_COLUMNS],
                                           "call_status_stats", secrets=secrets)}


def list_info(body: Body, fmt: str, *, secrets: Sequence[str] = ()) -> Tables:
    """list_info → ``list_info`` (with or without lead counts; the data row's trailing
    delimiter is dropped). ``LIST DOES NOT EXIST`` → empty: a deleted list has no snapshot row."""
    try:
        t = delimited(body, fmt, [LIST_INFO_COLUMNS, LIST_INFO_COUNTS_COLUMNS], "list_info",
                      secrets=secrets)
    except ApiError as exc:
        if "LIST DOES NOT EXIST" not in (exc.server_message or ""):
            raise
        t = empty_string_table(LIST_INFO_COLUMNS)
    return {"list_info": t}


_RECORD = re.compile(r"START OF RECORD\s+(\d+)")
LEAD_RECORD_DOC_FIELDS = ("lead_id", "status", "user", "vendor_lead_code", "source_id", "list_id",
                          "gmt_offset_now", "phone_code", "phone_number")
"""The fields of the documented record block, in its order (custom fields may follow)."""
LEAD_RECORD_REAL_FIELDS = (
    "lead_id", "entry_date", "modify_date", "status", "user", "vendor_lead_code", "source_id", "list_id",
    "gmt_offset_now", "called_since_last_reset", "phone_code", "phone_number", "title", "first_name",
    "middle_initial", "last_name", "address1", "address2", "address3", "city", "state", "province",
    "postal_code", "country_code", "gender", "date_of_birth", "alt_phone", "email", "security_phrase",
    "comments", "called_count", "last_local_call_time", "rank", "owner", "entry_list_id")
"""The real record block: every vicidial_list column (custom fields may follow)."""


def lead_status_search(body: Body, fmt: str = "pipe", *, secrets: Sequence[str] = ()) -> Tables:
    """lead_status_search (``;---------- START OF RECORD n ----------`` then ``field => value``
    lines) → ``lead_status_search``, one row per lead; custom fields become extra columns.

    Complete only if: the body ends with a newline, records are numbered 1..n, and every
    record has the whole standard block of the body's form (the real vicidial_list columns
    when record 1 has ``entry_date``, else the documented ones). Custom fields differ per list,
    so what cannot be seen is a cut exactly between two records or among the custom fields
    at the end of the last record."""
    lines = _data_lines(body, secrets)
    rows: list[dict[str, str]] = []
    for line in lines or []:
        m = _RECORD.search(line)
        if m:
            if int(m.group(1)) != len(rows) + 1:
                raise ParseError(f"lead_status_search: record {m.group(1)} follows record {len(rows)}")
            rows.append({})
            continue
        key, sep, value = line.partition(" =>")
        if not sep or not rows:
            raise ParseError(f"lead_status_search: not a record line: {line[:60]!r}")
        rows[-1][key.strip()] = value.strip()
    if rows:
        standard = LEAD_RECORD_REAL_FIELDS if "entry_date" in rows[0] else LEAD_RECORD_DOC_FIELDS
        missing = [f for f in standard if f not in rows[0]]
        if missing:
            raise ParseError(f"lead_status_search: record 1 lacks {missing[:3]}: response cut short")
        for i, row in enumerate(rows[1:], start=2):
            if any(f not in row for f in standard):
                raise ParseError(f"lead_status_search: record {i} lacks fields of record 1: response cut short")
    return {"lead_status_search": rows_to_table(rows)}


def version(body: Body, fmt: str = "pipe") -> Tables:
    """version (no auth) → ``version``: one row, columns VERSION, BUILD, DATE, EPOCH, DST, TZ,
    TZNOW as printed (``TZ`` tells the server's UTC offset)."""
    text = _decode(load_body(body)).strip()
    if not text.upper().startswith("VERSION"):
        raise ParseError(f"unexpected version answer: {text[:80]!r}")
    row: dict[str, str] = {}
    for part in text.split("|"):
        key, sep, value = part.partition(":")
        if sep:
            row[key.strip()] = value.strip()
    return {"version": rows_to_table([row])}


# ----------------------------------------------------------------- call_dispo_report

_COUNT = re.compile(r"^\s*(-?\d+)(\s*\(\s*-?[\d.]+%\s*\))?\s*$")
_NAT_CHUNK = re.compile(r"\d+|\D")


def natural_case_key(name: str) -> tuple[tuple[int, int], ...]:
    """Sort key equal to PHP ``strnatcasecmp`` order: case-insensitive (upper-cased, as PHP
    folds), digit runs compared by value, whitespace ignored. Digits sort between ``/`` and
    ``:`` like the bytes they are. (PHP's leading-zero "fraction" rule is not modelled: no
    status starts a digit run with 0.)"""
    out: list[tuple[int, int]] = []
    for chunk in _NAT_CHUNK.findall(name):
        if chunk.isdigit():
            out.append((ord("0"), int(chunk)))
        elif not chunk.isspace():
            out.append((ord(chunk.upper()), 0))
    return tuple(out)


@dataclass(frozen=True)
class DispoTotalCheck:
    """call_dispo_report's ``TOTAL`` row reconciled against the per-row values.

    ``ok`` is False when a row's statuses do not add up to its TOTAL CALLS
    (``rows_not_matching``), or a column's sum over the rows differs from the TOTAL row
    (``column_mismatches``: column → (TOTAL row value, sum of rows)), or the TOTAL row is
    missing. The parser raises for the last two (the body was cut); a row that does not add
    up is only flagged (``row_sum_matches``).
    """

    ok: bool
    has_total_row: bool
    rows_not_matching: tuple[str, ...]
    column_mismatches: dict[str, tuple[int | None, int]]

    def to_json(self) -> bytes:
        return orjson.dumps({"ok": self.ok, "has_total_row": self.has_total_row,
                             "rows_not_matching": list(self.rows_not_matching),
                             "column_mismatches": {k: list(v) for k, v in
                                                   self.column_mismatches.items()}})


def _count(value: str, where: str, pct: bool | None) -> tuple[int, bool]:
    """(count, has a percentage) of one cell; ``pct`` is the form the body uses (None: any)."""
    m = _COUNT.match(value)
    if not m:
        raise ParseError(f"call_dispo_report: {where}: not a count: {value[:40]!r}")
    has_pct = m.group(2) is not None
    if pct is not None and has_pct != pct:
        raise ParseError(f"call_dispo_report: {where}: {value[:40]!r} breaks the body's "
                         f"{'show_percentages' if pct else 'plain'} form: response cut short")
    return int(m.group(1)), has_pct


def _dispo(body: Body, secrets: Sequence[str]) -> tuple[pa.Table, DispoTotalCheck]:
    lines = _data_lines(body, secrets, terminated=False)
    names = ["campaign", "status", "calls", "total_calls", "row_sum_matches"]
    if not lines:
        return empty_string_table(names), DispoTotalCheck(True, False, (), {})
    header = [h.strip() for h in lines[0].split(",")]
    if len(header) < 2 or header[0].upper() != "CAMPAIGN":
        raise ParseError(f"call_dispo_report: unexpected header {lines[0][:80]!r}")
    printed = header[2:]
    statuses = sorted(printed, key=natural_case_key)  # the order of the values (see call_dispo_report)
    width = len(header)
    cols: dict[str, list[str | None]] = {n: [] for n in names}
    src: list[int] = []
    sums = [0] * (width - 1)
    total_row: list[int] | None = None
    bad_rows: list[str] = []
    pct: bool | None = None
    for pos, line in enumerate(lines[1:]):
        parts = [p.strip() for p in line.split(",")]
        campaign = parts[0]
        if total_row is not None:
            raise ParseError(f"call_dispo_report: a row after TOTAL: {line[:60]!r}")
        if len(parts) != width:
            raise ParseError(f"call_dispo_report: row {campaign!r} has {len(parts)} fields, header {width}: "
                             "response cut short")
        total, _ = _count(parts[1], campaign, False)
        counts = []
        for p in parts[2:]:
            c, has_pct = _count(p, campaign, pct)
            pct = has_pct
            counts.append(c)
        if campaign.upper() == "TOTAL":
            total_row = [total, *counts]
            continue
        sums = [a + b for a, b in zip(sums, [total, *counts], strict=True)]
        matches = sum(counts) == total if statuses else None
        if matches is False:
            bad_rows.append(campaign)
        flag = None if matches is None else ("true" if matches else "false")
        if not statuses:
            for n, v in zip(names, (campaign, None, None, str(total), None), strict=True):
                cols[n].append(v)
            src.append(pos)
            continue
        for status, c in zip(statuses, counts, strict=True):
            for n, v in zip(names, (campaign, status, str(c), str(total), flag), strict=True):
                cols[n].append(v)
            src.append(pos)
    mismatches: dict[str, tuple[int | None, int]] = {}
    if total_row is not None:
        for name, got, want in zip(["TOTAL CALLS", *statuses], total_row, sums, strict=True):
            if got != want:
                mismatches[name] = (got, want)
    check = DispoTotalCheck(ok=not bad_rows and not mismatches and total_row is not None,
                            has_total_row=total_row is not None, rows_not_matching=tuple(bad_rows),
                            column_mismatches=mismatches)
    table = columns_to_table(names, [cols[n] for n in names], src)
    return table.replace_schema_metadata({b"total_check": check.to_json()}), check


def call_dispo_report(body: Body, fmt: str = "csv", *, secrets: Sequence[str] = ()) -> Tables:
    """call_dispo_report (CSV whatever the stage, ``CAMPAIGN,TOTAL CALLS,<STATUS>...``, a
    ``TOTAL`` row, maybe ``5 (4.2%)`` values, no trailing newline) → ``call_dispo_report``
    long: ``campaign, status, calls, total_calls, row_sum_matches`` (``"true"``/``"false"``:
    do this row's statuses add up to its TOTAL CALLS?). Without status columns each campaign
    keeps one row with NULL status.

    Pairing rule: the values of every row are paired with the header's statuses sorted by
    ``natural_case_key`` (PHP strnatcasecmp), never as printed. The real server (the function
    exists only since 2.14, 2018) prints the header first-seen but the values in that natural
    order; the documented form cannot be told apart from it, so the parser trusts the real
    one. Where the header is already in natural order — the simulator's ``realism=docs`` form
    prints it so — printed and natural pairing agree, so both forms give the same table.

    Completeness: the TOTAL row must be the last line and equal the column sums; every row has
    the header's field count; percentages are on every status cell or on none. So every cut is
    detected: a lost row breaks the sums, a lost TOTAL row or a cut inside it breaks its own
    check. Its reconciliation is also in the schema metadata ``total_check``."""
    table, check = _dispo(body, secrets)
    if not check.has_total_row and not check.ok:
        raise ParseError("call_dispo_report: no TOTAL row: response cut short")
    if check.column_mismatches:
        raise ParseError(f"call_dispo_report: TOTAL row disagrees with the rows {check.column_mismatches}: "
                         "response cut short")
    return {"call_dispo_report": table}


def dispo_total_check(body: Body, fmt: str = "csv", *, secrets: Sequence[str] = ()
                      ) -> DispoTotalCheck:
    """Reconcile a call_dispo_report body's rows against its TOTAL row (see DispoTotalCheck)."""
    return _dispo(body, secrets)[1]


def total_check_of(table: pa.Table) -> DispoTotalCheck | None:
    """The DispoTotalCheck stored in a parsed ``call_dispo_report`` table's metadata."""
    raw = (table.schema.metadata or {}).get(b"total_check")
    if raw is None:
        return None
    d = orjson.loads(raw)
    return DispoTotalCheck(d["ok"], d["has_total_row"], tuple(d["rows_not_matching"]),
                           {k: (v[0], v[1]) for k, v in d["column_mismatches"].items()})


__all__ = [
    "SOURCE_ROW", "DispoTotalCheck", "Message", "agent_stats_export", "call_dispo_report",
    "call_status_stats", "delimited", "did_log_export", "dispo_total_check", "lead_status_search",
    "list_info", "parse_message_lines", "phone_number_log", "raise_for_message", "recording_lookup",
    "total_check_of", "version",
]
