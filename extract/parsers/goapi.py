"""croco-dial / GOautodial goAPIv2 response parsers (``responsetype`` json or xml).

One public function per endpoint, named after its raw table or action, each
``(body, fmt) -> dict[raw_table_name, pa.Table]`` with all-string columns under the API's own
field names (server order) plus ``_source_row``. ``body`` may be bytes, a memoryview or a
path to a file holding the body (memory-mapped). Error bodies raise ``extract.errors``:

* ``{"result":"error","message":"Invalid Username/Password"}`` → ``AuthError``
* ``{"result":"error","message":"Command Not Found"}`` → ``UnsupportedError``
* any other ``result: error`` / ``{"code": "40001", ...}`` / ``{"code":"10004","result":"Error: ..."}``
  (``result`` absent or holding the error text) → ``ApiError`` (``server_message`` = the text)
* ``result=error;message=...`` plain text (bad ``responsetype``) → ``ApiError``
* empty, truncated or invalid JSON/XML, an HTML page → ``ParseError`` (retryable)

Large JSON row arrays (``data.rows``) are read by the Arrow fast path in ``jsonrows``.
"""

from __future__ import annotations

import datetime as dt
import mmap
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from extract.errors import ApiError, AuthError, ParseError, UnsupportedError
from extract.parsers import goxml, jsonrows
from extract.parsers.common import (
    SOURCE_ROW,
    Body,
    head_text,
    load_body,
    rows_to_table,
    stringify,
)

Tables = dict[str, pa.Table]

PAUSE_FIXED_COLUMNS: tuple[str, ...] = (
    "user", "logged_days", "pause_sec", "wait_sec", "talk_sec", "wp_sec", "dispo_sec",
    "dead_sec", "manual_talk", "billable_time", "no_billable_time", "total_time",
)
"""exportPauseReport columns that are *not* pause codes (from the document's field list).
Every other column is a pause code — they vary per installation."""

CALLTIMES_COLUMNS: tuple[str, ...] = (
    "call_time_id", "call_time_name", "ct_default_start", "ct_default_stop",
    "ct_sunday_start", "ct_sunday_stop", "ct_monday_start", "ct_monday_stop",
    "ct_tuesday_start", "ct_tuesday_stop", "ct_wednesday_start", "ct_wednesday_stop",
    "ct_thursday_start", "ct_thursday_stop", "ct_friday_start", "ct_friday_stop",
    "ct_saturday_start", "ct_saturday_stop", "user_group",
)
"""goGetAllCalltimes lists in server order: the real XML form loses the list names, so its
value runs are named by position."""


# --------------------------------------------------------------------------- envelope


def check_envelope(obj: Any) -> None:
    """Raise the matching ``extract.errors`` class if ``obj`` is a goAPI error response."""
    if not isinstance(obj, dict):
        raise ParseError(f"goAPI response is not an object but {type(obj).__name__}")
    result = obj.get("result")
    if result == "success":
        return
    code = obj.get("code")
    message = obj.get("message")
    text = " ".join(str(x).strip() for x in (message, result) if x not in (None, "", "error"))
    low = text.lower()
    if "invalid username" in low or "username/password" in low:
        raise AuthError("goAPI rejected the credentials (Invalid Username/Password)")
    if "command not found" in low:
        raise UnsupportedError("goAPI does not know this goAction (Command Not Found)")
    is_error = (result == "error" or code is not None
                or (isinstance(result, str) and result.lower().startswith("error")))
    if is_error:
        label = f"goAPI error {code}" if code is not None else "goAPI error"
        raise ApiError(f"{label}: {text or 'no message'}", server_message=text or None)
    if result is None and "data" not in obj:
        raise ParseError("goAPI response has neither result nor data")


def _sniff_errors(buf: Any) -> None:
    head = head_text(buf, 256).lstrip()
    if not head:
        raise ParseError("empty response body")
    if head.startswith("result=error"):
        m = re.search(r"message=([^;]*)", head_text(buf, 2048))
        msg = m.group(1) if m else head[:200]
        raise ApiError(f"goAPI error: {msg}", server_message=msg)
    low = head[:100].lower()
    if low.startswith(("<!doctype", "<html", "<head", "<body")):
        raise ParseError(f"HTML page instead of an API response: {head[:80]!r}")


def load(body: Body, fmt: str) -> Any:
    """Parse a whole (small) goAPI body into Python objects and check the envelope."""
    buf = load_body(body)
    _sniff_errors(buf)
    fmt = fmt.lower()
    if fmt == "json":
        try:
            obj = orjson.loads(memoryview(buf) if isinstance(buf, mmap.mmap) else buf)
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"invalid JSON from goAPI (truncated?): {exc}") from exc
    elif fmt == "xml":
        obj = goxml.loads(bytes(buf))
    else:
        raise ValueError(f"unknown goAPI responsetype {fmt!r} (json|xml)")
    check_envelope(obj)
    return obj


def _as_rows(value: Any, where: str) -> list[dict[str, Any]]:
    """A JSON list of objects, or the XML forms of it (one element → a dict, none → absent)."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(r, dict) for r in value):
        return value
    raise ParseError(f"goAPI {where} is not a list of objects")


def _table_at(obj: Any, path: Sequence[str]) -> pa.Table:
    return rows_to_table(_as_rows(jsonrows.get_path(obj, path), ".".join(path)))


def _load_with_rows(body: Body, fmt: str, path: Sequence[str], fast: bool | None
                    ) -> tuple[Any, pa.Table]:
    """Envelope + the row table at ``path``; JSON ``data.rows`` of big bodies via Arrow."""
    buf = load_body(body)
    if fmt.lower() == "json" and path and path[-1] == "rows":
        use_fast = len(buf) >= jsonrows.FAST_PATH_MIN_BYTES if fast is None else fast
        if use_fast:
            found = jsonrows.locate(buf, path)
            if found is not None:
                open_, close, env = found
                check_envelope(env)
                return env, jsonrows.parse_rows_array(buf, open_, close)
    obj = load(buf, fmt)
    return obj, _table_at(obj, path)


# --------------------------------------------------------------------------- endpoints


def rows(body: Body, fmt: str, path: Sequence[str] = ("data", "rows"), *,
         fast: bool | None = None) -> pa.Table:
    """Generic: the list of row objects at ``path`` as an all-string table.

    ``fast``: None = Arrow fast path for JSON bodies ≥ ``jsonrows.FAST_PATH_MIN_BYTES``;
    True/False forces it (tests compare both).
    """
    return _load_with_rows(body, fmt, tuple(path), fast)[1]


def outbound_cdr(body: Body, fmt: str, *, fast: bool | None = None) -> Tables:
    """goReports outbound_cdr → ``outbound_cdr`` (data.rows) + ``outbound_cdr_summary``
    (data.summary_rows, per campaign: kept for reconciliation)."""
    env, table = _load_with_rows(body, fmt, ("data", "rows"), fast)
    return {"outbound_cdr": table,
            "outbound_cdr_summary": _table_at(env, ("data", "summary_rows"))}


def inbound_cdr(body: Body, fmt: str, *, fast: bool | None = None) -> Tables:
    """goReports inbound_cdr → ``inbound_cdr``."""
    return {"inbound_cdr": rows(body, fmt, fast=fast)}


def agent_cdr(body: Body, fmt: str, *, fast: bool | None = None) -> Tables:
    """goReports agent_cdr → ``agent_cdr`` (``lead_id`` arrives as a JSON number: stringified)."""
    return {"agent_cdr": rows(body, fmt, fast=fast)}


def agent_report(body: Body, fmt: str) -> Tables:
    """goReports exportAgentReport → ``agent_report`` (user × portfolio) and
    ``agent_report_summary`` (Summary/Average/Max/Min rows, column ``type``)."""
    obj = load(body, fmt)
    out = {"agent_report": _table_at(obj, ("data", "rows")),
           "agent_report_summary": _table_at(obj, ("data", "summary_rows"))}
    check_totals(out["agent_report"], out["agent_report_summary"], "exportAgentReport")
    return out


#: additive columns the `Summary` row totals over the data rows (exportAgentReport)
SUMMED = ("total_calls", "talk", "login_time")


def check_totals(rows: pa.Table, summary: pa.Table, report: str) -> None:
    """A Summary row that disagrees with the sum of the data rows means rows are missing (or
    extra): the body is not the whole report, whatever its syntax says. Only columns the
    server sums (`SUMMED`) are compared, and only when both sides have them."""
    if "type" not in summary.column_names or summary.num_rows == 0:
        return
    types = summary.column("type").to_pylist()
    if "Summary" not in types:
        return
    total = summary.slice(types.index("Summary"), 1)
    for col in SUMMED:
        if col not in rows.column_names or col not in total.column_names:
            continue
        want = _number(total.column(col)[0].as_py())
        if want is None:
            continue
        got = sum(v for v in (_number(x) for x in rows.column(col).to_pylist()) if v is not None)
        if abs(got - want) > 0.5:
            raise ParseError(f"goAPI {report}: Summary {col} = {want:g} but the {rows.num_rows} data rows "
                             f"sum to {got:g} (incomplete or inconsistent response)")


def _number(v: Any) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


export_agent_report = agent_report


def agent_calls_report(body: Body, fmt: str) -> Tables:
    """goReports agent_calls_report → ``agent_calls_report`` (nested ``data.agent_report.rows``;
    the always-empty ``frequency_report`` is ignored)."""
    obj = load(body, fmt)
    return {"agent_calls_report": _table_at(obj, ("data", "agent_report", "rows"))}


def inbound_summary_stats(body: Body, fmt: str) -> Tables:
    """goReports inbound_summary_stats → ``inbound_summary_stats`` (one row per day)."""
    return {"inbound_summary_stats": _table_at(load(body, fmt), ("data", "rows"))}


_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def partition_date_from_dates(dates: str | None) -> dt.date | None:
    """``"'2025-05-06' AND '2025-05-06 23:59:59'"`` → ``date(2025, 5, 6)`` (the first date)."""
    if not dates:
        return None
    m = _DATE_RE.search(dates)
    return dt.date.fromisoformat(m.group(1)) if m else None


def agent_summary_stats(body: Body, fmt: str) -> Tables:
    """goReports agent_summary_stats (a snapshot of the server's current day) →
    ``agent_summary_stats`` with the envelope's ``dates`` string as an extra last column and
    the parsed day in the schema metadata ``partition_date`` (ISO; absent if unparseable).
    Use ``partition_date_of(table)`` or ``partition_date_from_dates``."""
    obj = load(body, fmt)
    table = _table_at(obj, ("data", "rows"))
    dates = jsonrows.get_path(obj, ("data", "dates"))
    dates = stringify(dates) if dates is not None else None
    col = pa.array([dates] * table.num_rows, type=pa.string())
    idx = table.schema.get_field_index(SOURCE_ROW)
    table = table.add_column(idx, "dates", col)
    day = partition_date_from_dates(dates)
    meta = {b"dates": (dates or "").encode()}
    if day is not None:
        meta[b"partition_date"] = day.isoformat().encode()
    return {"agent_summary_stats": table.replace_schema_metadata(meta)}


def partition_date_of(table: pa.Table) -> dt.date | None:
    """The partition day an ``agent_summary_stats`` table reported (from its metadata)."""
    meta = table.schema.metadata or {}
    raw = meta.get(b"partition_date")
    return dt.date.fromisoformat(raw.decode()) if raw else None


def melt(table: pa.Table, id_columns: Sequence[str], value_columns: Sequence[str],
         name_column: str, value_column: str) -> pa.Table:
    """Wide → long, vectorised: one output row per (input row, value column), row-major.

    Output columns: ``id_columns`` (repeated), ``name_column``, ``value_column``,
    ``_source_row`` of the wide row.
    """
    n, k = table.num_rows, len(value_columns)
    row_idx = pa.array(np.repeat(np.arange(n, dtype=np.int64), k))
    cols: dict[str, pa.Array | pa.ChunkedArray] = {c: table[c].take(row_idx) for c in id_columns}
    if k:
        stacked = pa.concat_arrays([table[c].combine_chunks().cast(pa.string())
                                    for c in value_columns])
        order = (np.arange(k, dtype=np.int64)[None, :] * n
                 + np.arange(n, dtype=np.int64)[:, None]).ravel()
        values = stacked.take(pa.array(order))
        names = pa.array(np.tile(np.array(list(value_columns), dtype=object), n), pa.string())
    else:
        values = pa.array([], pa.string())
        names = pa.array([], pa.string())
    cols[name_column] = names
    cols[value_column] = values
    cols[SOURCE_ROW] = table[SOURCE_ROW].take(row_idx)
    return pa.table(cols)


def pause_report(body: Body, fmt: str) -> Tables:
    """goReports exportPauseReport (wide, pause-code columns vary per installation) →
    ``pause_report`` long: ``user, pause_code, seconds``, then the fixed per-user columns
    (``logged_days, pause_sec, ... total_time``) repeated on each of the user's rows.

    A column is a pause code unless it is one of ``PAUSE_FIXED_COLUMNS``. Repeated fixed
    columns must be read once per user downstream (``any_value``), never summed over codes.
    A user with no pause-code columns at all keeps one row with ``pause_code`` NULL.
    """
    wide = _table_at(load(body, fmt), ("data", "rows"))
    present = [c for c in wide.column_names if c != SOURCE_ROW]
    fixed = [c for c in PAUSE_FIXED_COLUMNS if c in present]
    codes = [c for c in present if c not in PAUSE_FIXED_COLUMNS]
    if "user" not in fixed:
        if wide.num_rows:
            raise ParseError("exportPauseReport rows have no 'user' column")
        fixed = ["user", *fixed]
        wide = wide.add_column(0, "user", pa.array([], pa.string()))
    rest = [c for c in fixed if c != "user"]
    if codes:
        long = melt(wide, ["user"], codes, "pause_code", "seconds")
        row_idx = pa.array(np.repeat(np.arange(wide.num_rows, dtype=np.int64), len(codes)))
    else:
        long = pa.table({"user": wide["user"],
                         "pause_code": pa.nulls(wide.num_rows, pa.string()),
                         "seconds": pa.nulls(wide.num_rows, pa.string()),
                         SOURCE_ROW: wide[SOURCE_ROW]})
        row_idx = pa.array(np.arange(wide.num_rows, dtype=np.int64))
    for c in rest:
        long = long.add_column(long.num_columns - 1, c, wide[c].take(row_idx))
    return {"pause_report": long}


export_pause_report = pause_report


def calltimes(body: Body, fmt: str) -> Tables:
    """goCalltimes goGetAllCalltimes (column-oriented: one list per field) → ``calltimes``
    rows. The real XML form loses the list names; its runs are named by ``CALLTIMES_COLUMNS``
    (ParseError if the run count differs)."""
    obj = load(body, fmt)
    src = obj.get("data") if isinstance(obj.get("data"), dict) else obj
    if "_lists" in src or "_list" in src:
        runs = src.get("_lists") or [src["_list"]]
        if len(runs) != len(CALLTIMES_COLUMNS):
            raise ParseError(f"goGetAllCalltimes XML has {len(runs)} unnamed lists, expected "
                             f"{len(CALLTIMES_COLUMNS)}: use responsetype=json")
        columns = dict(zip(CALLTIMES_COLUMNS, runs, strict=True))
    else:
        columns = {k: v for k, v in src.items() if k not in ("result", "message", "code")}
        if any(isinstance(v, list) for v in columns.values()):
            columns = {k: v for k, v in columns.items() if isinstance(v, list)}
        else:  # XML with a single call time: scalars
            columns = {k: [v] for k, v in columns.items()}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ParseError(f"goGetAllCalltimes lists differ in length: {sorted(lengths)}")
    n = lengths.pop() if lengths else 0
    arrays = [pa.array([stringify(x) for x in v], pa.string()) for v in columns.values()]
    table = pa.Table.from_arrays([*arrays, pa.array(range(n), pa.int64())],
                                 names=[*columns, SOURCE_ROW])
    return {"calltimes": table}


def _rename_list(rows_: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Give an XML unnamed scalar list (``_list``) its field name back, in place."""
    out = []
    for row in rows_:
        if "_list" in row:
            row = {(name if k == "_list" else k): v for k, v in row.items()}
        out.append(row)
    return out


def users(body: Body, fmt: str) -> Tables:
    """goUsers goGetAllUsers → ``users`` (data.user_list; ``allowed_companys`` is a JSON list,
    kept as JSON text)."""
    obj = load(body, fmt)
    rows_ = _rename_list(_as_rows(jsonrows.get_path(obj, ("data", "user_list")), "data.user_list"),
                         "allowed_companys")
    return {"users": rows_to_table(rows_)}


def portfolios(body: Body, fmt: str) -> Tables:
    """goUsers getAllPortfolios → ``portfolios`` (``data`` is the list itself)."""
    return {"portfolios": _table_at(load(body, fmt), ("data",))}


def profiles(body: Body, fmt: str) -> Tables:
    """goUsers getAllProfiles → ``profiles``: the richer top-level ``profiles.rows`` (with
    ``disposition_set``) when present, else the ``data`` list (id and name only)."""
    obj = load(body, fmt)
    if _as_rows(jsonrows.get_path(obj, ("profiles", "rows")), "profiles.rows"):
        return {"profiles": _table_at(obj, ("profiles", "rows"))}
    return {"profiles": _table_at(obj, ("data",))}


def campaigns(body: Body, fmt: str) -> Tables:
    """goCampaigns goGetAllCampaigns → ``campaigns``."""
    return {"campaigns": _table_at(load(body, fmt), ("data", "rows"))}


def hopper(body: Body, fmt: str, campaign_id: str | None = None) -> Tables:
    """goCampaigns getLeadsOnHopper (one campaign per request) → ``hopper``. The rows do not
    say which campaign they belong to: pass ``campaign_id`` to add it as a last column."""
    table = _table_at(load(body, fmt), ("data", "rows"))
    if campaign_id is not None:
        idx = table.schema.get_field_index(SOURCE_ROW)
        table = table.add_column(idx, "campaign_id",
                                 pa.array([campaign_id] * table.num_rows, pa.string()))
    return {"hopper": table}


def agent_time_usage(body: Body, fmt: str) -> Tables:
    """goDashboard agentTimeUsage → ``agent_time_usage`` (``data.breakdown``, one row per agent
    of the server's current day). ``data.general`` (averages over the agents) is not stored: it
    is derived from the rows."""
    return {"agent_time_usage": _table_at(load(body, fmt), ("data", "breakdown"))}


#: getUserInfo ``user_info`` fields that are credentials: never parsed into a table
USER_INFO_SECRETS = frozenset({"pass", "pass_hash", "phone_pass", "voicemail_pass"})


def user_stats(body: Body, fmt: str) -> Tables:
    """goUsers getUserInfo (one user per request) → ``user_stats``: the user's login and today's
    ``user_stats`` figures. The rest of ``user_info`` is the users snapshot's business, and its
    credentials (``pass``, ``pass_hash``, ``phone_pass``, ``voicemail_pass``) are never read
    into a row."""
    obj = load(body, fmt)
    info = jsonrows.get_path(obj, ("data", "user_info"))
    stats = jsonrows.get_path(obj, ("data", "user_stats"))
    if not isinstance(info, dict) or not isinstance(stats, dict):
        raise ParseError("getUserInfo: data.user_info and data.user_stats must be objects")
    if "user" not in info:
        raise ParseError("getUserInfo: data.user_info has no `user`")
    return {"user_stats": rows_to_table([{"user": info["user"], **stats}])}
