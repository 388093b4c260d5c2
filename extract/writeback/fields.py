"""Every documented field rule of the write-back functions, as data, and a columnar validator.

Why: VICIdial does not reject bad input, it *cleans* it (`preg_replace` drops characters it
does not allow, a `+` becomes a space, anything non-ASCII disappears when `non_latin` is
off) and then stores what is left. A lead loaded with a silently mangled name or phone is
worse than a lead not loaded, so each rule the documents state, plus each character class
the server strips, is checked here first and a breaking row is rejected with the field and
the rule named. Rules are a table (`RULES[dialect][operation][field] -> Rule`) so adding a
field means adding a row; `validate_table` applies them column-wise with `pyarrow.compute`.

Sources: `vicidial-non-agent-api.txt` (add_lead, update_lead, add_list, update_list),
`crocodial-lmapi-load-lead.txt` (add_lead on `/API/lmapi.php` with `campaing`), the input
filters of VICIdial's PHP (`non_latin=0`, the default) and `api-facts.md`.

(Past 500 lines on purpose: half of it is the rules table itself, data read next to the validator
that applies it.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

Operation = Literal["add_lead", "update_lead", "add_list", "update_list"]
Dialect = Literal["non_agent_api", "lmapi"]
OPERATIONS: tuple[str, ...] = ("add_lead", "update_lead", "add_list", "update_list")
UPDATES = frozenset({"update_lead", "update_list"})

#: On update_* an empty value means "leave unchanged"; this value means "set it to ''".
BLANK = "--BLANK--"

#: Request parameters a row may never carry: the client adds them (credentials, function) or
#: they change what the server prints (`DB` dumps SQL into the body).
RESERVED = frozenset({"user", "pass", "function", "source", "DB", "stage", "header", "goUser", "goPass"})

#: Row columns with a leading underscore are write-back metadata (`_row_key`, `_instance`, ...).
META_PREFIX = "_"


@dataclass(frozen=True)
class Rule:
    """One field's rule. Checks run in order charset → length → format; the first that fails
    is reported, so a row gets one clear reason per field."""

    min_len: int | None = None
    max_len: int | None = None
    charset: str | None = None  # allowed characters as a regex class body; others are stripped by the server
    charset_name: str = ""
    pattern: str | None = None  # full-match regex (RE2) on the value
    pattern_name: str = ""
    values: tuple[str, ...] = ()  # enum
    int_range: tuple[int, int] | None = None
    check_date: str | None = None  # strptime format the value must parse with (real calendar dates)
    blankable: bool = False  # `--BLANK--` allowed (update_* only)
    note: str = ""

    def describe(self) -> str:
        parts = []
        if self.values:
            parts.append("one of " + "|".join(self.values))
        if self.int_range:
            parts.append(f"integer {self.int_range[0]}..{self.int_range[1]}")
        if self.min_len is not None or self.max_len is not None:
            parts.append(f"length {self.min_len or 0}-{self.max_len if self.max_len is not None else '∞'}")
        if self.charset_name:
            parts.append(self.charset_name)
        if self.pattern_name:
            parts.append(self.pattern_name)
        return ", ".join(parts) or "any"


# --- character classes the server keeps (everything else it strips) ---------------------
DIGITS = "0-9"
WORD = r"\-_0-9a-zA-Z"  # campaign_id, status, callback_status, callback_user, script
NAME = r"\- '_.0-9a-zA-Z"  # first/last name, alt_phone, title (server turns '+' into a space)
ADDRESS = r"\- '.:/@_0-9a-zA-Z"  # address, city, security_phrase, owner
EMAIL = r"\- '.:/@%_0-9a-zA-Z"
PROVINCE = r"\- '._0-9a-zA-Z"
POSTAL = r"\- '0-9a-zA-Z"
STATE = r"\- 0-9a-zA-Z"
ALNUM = "0-9a-zA-Z"
UPPER = "A-Z"
GMT = r"\-_.0-9"
CB_TEXT = r"\- .:/@_0-9a-zA-Z"  # callback_datetime, callback_comments
MULTI_ALT = r"\- !:_0-9a-zA-Z"
# vendor_lead_code, source_id, comments: the server drops ';' and '#' and turns '+' into a space;
# the documents add "no apostrophes, double-quotes or ampersands"; non-ASCII is dropped.
FREE = r"\x20-\x21\x24-\x25\x28-\x2a\x2c-\x3a\x3c-\x5b\x5d-\x7e"
LIST_TEXT = r"\- .,_0-9a-zA-Z"  # list_name, list_description
# web form addresses: printable ASCII without quotes, < > ` \ (the doc: URL-encode the rest)
URL = r"\x21\x23-\x26\x28-\x3b\x3d\x3f-\x5b\x5d-\x5f\x61-\x7e"


def _cs(body: str, name: str) -> dict[str, str]:
    return {"charset": body, "charset_name": name}


def digits(lo: int, hi: int, **kw: object) -> Rule:
    return Rule(min_len=lo, max_len=hi, **_cs(DIGITS, "digits"), **kw)  # type: ignore[arg-type]


def text(lo: int, hi: int, charset: str = FREE, name: str = "", **kw: object) -> Rule:
    return Rule(min_len=lo, max_len=hi, charset=charset,
                charset_name=name or _CHARSET_NAMES.get(charset, "allowed characters"), **kw)  # type: ignore[arg-type]


def enum(*values: str, **kw: object) -> Rule:
    return Rule(values=values, **kw)  # type: ignore[arg-type]


_CHARSET_NAMES = {
    WORD: "letters, digits, - and _",
    NAME: "letters, digits, space and - ' _ .",
    ADDRESS: "letters, digits, space and - ' . : / @ _",
    EMAIL: "letters, digits, space and - ' . : / @ % _",
    PROVINCE: "letters, digits, space and - ' . _",
    POSTAL: "letters, digits, space, - and '",
    STATE: "letters, digits, space and -",
    ALNUM: "letters and digits",
    UPPER: "upper-case letters",
    GMT: "digits, - _ and .",
    CB_TEXT: "letters, digits, space and - . : / @ _",
    MULTI_ALT: "letters, digits, space and - ! : _",
    FREE: "printable ASCII without ; # + ' \" & \\",
    LIST_TEXT: "letters, digits, space and - . , _",
    URL: "printable ASCII without quotes, spaces, < > ` \\",
}

YN = ("Y", "N")
_ALT = r"\d{6,16}(_\d{1,4})?(_[\- :0-9a-zA-Z]*)?"  # one multi_alt_phones record: phone_code_note
DATE = Rule(min_len=10, max_len=10, charset=r"\-0-9", charset_name="digits and -",
            pattern=r"\d{4}-\d{2}-\d{2}", pattern_name="date YYYY-MM-DD", check_date="%Y-%m-%d")
_DT = r"\d{4}-\d{2}-\d{2}[ +]\d{2}:\d{2}:\d{2}"
CALLBACK_DT = Rule(charset=CB_TEXT + "+", charset_name="letters, digits, space and - + . : / @ _",
                   pattern=rf"NOW|{_DT}", pattern_name="YYYY-MM-DD+HH:MM:SS or NOW")
CALLBACK_DT_LMAPI = Rule(charset=CB_TEXT + "+", charset_name="letters, digits, space and - + . : / @ _",
                         pattern=rf"NOW|\d{{1,4}}DAYS|{_DT}",
                         pattern_name="YYYY-MM-DD+HH:MM:SS, NOW or xDAYS")
_DUP_BASE = ("DUPLIST", "DUPCAMP", "DUPSYS", "DUPTITLEALTPHONELIST", "DUPTITLEALTPHONECAMP",
             "DUPTITLEALTPHONESYS", "DUPNAMEPHONELIST", "DUPNAMEPHONECAMP", "DUPNAMEPHONESYS")
_DUP_LMAPI = (*_DUP_BASE, "DUPPHONEALTLIST", "DUPPHONEALTCAMP", "DUPPHONEALTSYS")


def _dup_rule(options: tuple[str, ...], days: str, days_name: str) -> Rule:
    one = "(" + "|".join(sorted(options, key=len, reverse=True)) + f")({days})?"
    return Rule(charset=r"A-Z0-9\-", charset_name="upper-case letters, digits and -",
                pattern=f"{one}(-{one})*", pattern_name=f"dash-joined {'/'.join(_DUP_BASE[:3])}/... {days_name}")


DUP_CHECK = _dup_rule(_DUP_BASE, "90DAY", "(+90DAY)")
DUP_CHECK_LMAPI = _dup_rule(_DUP_LMAPI, "(1|2|3|7|14|15|21|28|30|60|90|180|360)DAY", "(+NDAY)")
RESET_TIME = Rule(min_len=4, max_len=100, charset=r"\-0-9", charset_name="digits and -",
                  pattern=r"([01]\d|2[0-3])[0-5]\d(-([01]\d|2[0-3])[0-5]\d)*",
                  pattern_name="4-digit 24-hour times joined by - (0900-1700-2359)")
SEARCH_METHOD = Rule(pattern=r"(LEAD_ID)?_?(VENDOR_LEAD_CODE)?_?(PHONE_NUMBER)?",
                     pattern_name="LEAD_ID, VENDOR_LEAD_CODE, PHONE_NUMBER joined by _",
                     charset=r"A-Z_", charset_name="upper-case letters and _", min_len=7)

#: Lead data fields shared by add_lead and update_lead (blankable on update).
LEAD_DATA: dict[str, Rule] = {
    "vendor_lead_code": text(1, 20),
    "source_id": text(1, 50),
    "gmt_offset_now": Rule(charset=GMT, charset_name="digits, - _ and .", pattern=r"-?\d{1,2}(\.\d{1,2})?",
                           pattern_name="offset like -5 or 5.50"),
    "title": text(1, 4, NAME),
    "first_name": text(1, 30, NAME),
    "middle_initial": text(1, 1, ALNUM),
    "last_name": text(1, 30, NAME),
    "address1": text(1, 100, ADDRESS),
    "address2": text(1, 100, ADDRESS),
    "address3": text(1, 100, ADDRESS),
    "city": text(1, 50, ADDRESS),
    "state": text(2, 2, STATE),
    "province": text(1, 50, PROVINCE),
    "postal_code": text(1, 10, POSTAL),
    "country_code": text(3, 3, UPPER),
    "gender": enum("U", "M", "F"),
    "date_of_birth": DATE,
    "alt_phone": text(1, 12, NAME),
    "email": text(1, 70, EMAIL),
    "security_phrase": text(1, 100, ADDRESS),
    "comments": text(1, 255),
    "rank": digits(1, 5),
    "owner": text(1, 20, ADDRESS),
    "entry_list_id": digits(3, 12),
}

#: Settings shared by add_lead (all dialects) and update_lead.
CALLBACK: dict[str, Rule] = {
    "campaign_id": text(2, 8, WORD),
    "callback_status": text(1, 6, WORD),
    "callback_datetime": CALLBACK_DT,
    "callback_type": enum("USERONLY", "ANYONE"),
    "callback_user": text(1, 20, WORD),
    "callback_comments": text(1, 255, CB_TEXT),
}
HOPPER: dict[str, Rule] = {
    "add_to_hopper": enum(*YN),
    "hopper_priority": Rule(int_range=(-99, 99), pattern=r"-?\d{1,2}", pattern_name="integer -99..99",
                            charset=r"\-0-9", charset_name="digits and -"),
    "hopper_local_call_time_check": enum(*YN),
}

ADD_LEAD: dict[str, Rule] = {
    "phone_number": digits(6, 16),
    "phone_code": digits(1, 4),
    "list_id": digits(3, 12),
    "dnc_check": enum("Y", "N", "AREACODE"),
    "campaign_dnc_check": enum("Y", "N", "AREACODE"),
    "duplicate_check": DUP_CHECK,
    "usacan_prefix_check": enum(*YN),
    "usacan_areacode_check": enum(*YN),
    "nanpa_ac_prefix_check": enum(*YN),
    "custom_fields": enum(*YN),
    "tz_method": enum("POSTAL", "TZCODE", "NANPA"),
    "callback": enum(*YN),
    "lookup_state": enum(*YN),
    "multi_alt_phones": text(5, 1024, MULTI_ALT,
                             pattern=rf"{_ALT}(!{_ALT})*",
                             pattern_name="phone_code_note records joined by !"),
    **HOPPER,
    **CALLBACK,
    **LEAD_DATA,
}

ADD_LEAD_LMAPI: dict[str, Rule] = {
    **ADD_LEAD,
    "campaing": text(2, 8, WORD, note="croco lmapi's own spelling: the campaign to load the lead"),
    "duplicate_check": DUP_CHECK_LMAPI,
    "callback_datetime": CALLBACK_DT_LMAPI,
    "list_exists_check": enum(*YN),
}

UPDATE_LEAD: dict[str, Rule] = {
    "lead_id": digits(1, 9),
    "phone_number": digits(6, 16),
    "phone_code": digits(1, 4),
    "list_id": digits(3, 12),
    "search_method": SEARCH_METHOD,
    "search_location": enum("LIST", "CAMPAIGN", "SYSTEM"),
    "insert_if_not_found": enum(*YN),
    "records": digits(1, 6),
    "custom_fields": enum(*YN),
    "no_update": enum(*YN),
    "delete_lead": enum(*YN),
    "reset_lead": enum(*YN),
    "callback": enum("Y", "N", "REMOVE"),
    "update_phone_number": enum(*YN),
    "user_field": text(1, 20, WORD),
    "list_id_field": digits(3, 12),
    "status": text(1, 6, WORD, name="letters, digits, - and _ (no punctuation or spaces)"),
    "called_count": digits(1, 9),
    "force_entry_list_id": digits(3, 12),
    **HOPPER,
    **CALLBACK,
    **LEAD_DATA,
}

LIST_EDITABLE: dict[str, Rule] = {
    "list_name": text(6, 30, LIST_TEXT),
    "campaign_id": text(2, 8, WORD),
    "active": enum(*YN),
    "list_description": text(0, 255, LIST_TEXT),
    "outbound_cid": digits(6, 18, note="doc field list says 6-20, the server's own check says 6-18"),
    "script": text(1, 10, WORD),
    "am_message": text(2, 100, WORD),
    "drop_inbound_group": text(1, 10, WORD),
    "web_form_address": text(6, 100, URL),
    "web_form_address_two": text(6, 100, URL),
    "web_form_address_three": text(6, 100, URL),
    "reset_time": RESET_TIME,
    "expiration_date": DATE,
}

ADD_LIST: dict[str, Rule] = {
    "list_id": digits(2, 14),
    **LIST_EDITABLE,
    "custom_fields_copy": digits(2, 14),
}

UPDATE_LIST: dict[str, Rule] = {
    "list_id": digits(2, 14),
    "insert_if_not_found": enum(*YN),
    "reset_list": enum(*YN),
    "delete_list": enum(*YN),
    "delete_leads": enum(*YN),
    **LIST_EDITABLE,
}

#: Fields where `--BLANK--` is the documented way to empty them on update_*.
BLANKABLE_LEAD = frozenset(k for k in LEAD_DATA if k not in {"entry_list_id"}) | {"callback_comments"}
BLANKABLE_LIST = frozenset({"list_description", "outbound_cid", "script", "am_message", "drop_inbound_group",
                            "web_form_address", "web_form_address_two", "web_form_address_three",
                            "reset_time", "expiration_date"})

RULES: dict[str, dict[str, dict[str, Rule]]] = {
    "non_agent_api": {"add_lead": ADD_LEAD, "update_lead": UPDATE_LEAD, "add_list": ADD_LIST,
                      "update_list": UPDATE_LIST},
    "lmapi": {"add_lead": ADD_LEAD_LMAPI},
}
BLANKABLE: dict[str, frozenset[str]] = {"add_lead": frozenset(), "add_list": frozenset(),
                                        "update_lead": BLANKABLE_LEAD, "update_list": BLANKABLE_LIST}

#: Custom field labels (add_lead/update_lead with custom_fields=Y) and their values.
CUSTOM_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
CUSTOM_VALUE = text(0, 5000, FREE, note="custom field value")

REQUIRED: dict[str, tuple[str, ...]] = {
    "add_lead": ("phone_number", "list_id"),  # the server would default list_id to 999: require it
    "update_lead": (),  # lead_id / vendor_lead_code / phone_number per search_method: cross-field rule
    "add_list": ("list_id", "list_name", "campaign_id"),
    "update_list": ("list_id",),
}
REQUIRED_LMAPI_ADD = ("phone_number", "list_id", "campaing")


def rules_for(operation: str, dialect: str = "non_agent_api") -> dict[str, Rule]:
    try:
        return RULES[dialect][operation]
    except KeyError:
        raise ValueError(f"no field rules for {operation} on {dialect}") from None


def known_fields(operation: str, dialect: str = "non_agent_api") -> frozenset[str]:
    return frozenset(rules_for(operation, dialect))


# --- validation --------------------------------------------------------------------------
#: Metadata column with the row's number in its file (spreadsheet numbering: CSV header is row 1).
ROW_NUMBER = "_row_number"


@dataclass(frozen=True)
class Rejection:
    """Why a row is not sent (or was refused): the row (file row number and row_key), which field
    broke which rule, with a short, safe preview — enough to find and fix it without the ledger."""

    row_key: str
    field: str
    rule: str
    value_preview: str
    row: int | None = None  # row number in the lead file; None for model rows

    def __str__(self) -> str:
        where = f"row {self.row} " if self.row is not None else ""
        got = f" (got {self.value_preview})" if self.value_preview else ""
        return f"{where}[{self.row_key}] {self.field}: {self.rule}{got}"


@dataclass
class Validation:
    rejections: list[Rejection] = field(default_factory=list)
    valid: pa.BooleanArray | None = None  # per input row
    custom_fields: tuple[str, ...] = ()

    def by_row(self) -> dict[str, list[Rejection]]:
        out: dict[str, list[Rejection]] = {}
        for r in self.rejections:
            out.setdefault(r.row_key, []).append(r)
        return out


class SchemaError(ValueError):
    """The table itself is unusable (reserved or badly named column): nothing is sent."""


def preview(value: object, width: int = 40) -> str:
    """repr-style preview that cannot flood a log: control characters escaped, long values cut."""
    if value is None:
        return "NULL"
    s = str(value)
    shown = ascii(s[:width])
    return shown if len(s) <= width else f"{shown}… ({len(s)} chars)"


def _present(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.fill_null(pc.not_equal(col, ""), False)


def _field_failures(col: pa.ChunkedArray, rule: Rule, blankable: bool) -> list[tuple[pa.Array, str]]:
    """(mask, rule text) pairs in check order; a mask is True where that check fails."""
    present = _present(col)
    if blankable:
        present = pc.and_(present, pc.not_equal(col, BLANK))
    checks: list[tuple[pa.Array, str]] = []

    def bad(ok: pa.Array) -> pa.Array:
        return pc.and_(present, pc.invert(pc.fill_null(ok, False)))

    if not blankable:
        checks.append((pc.fill_null(pc.equal(col, BLANK), False),
                       f"{BLANK} only empties a field on update_lead/update_list"))
    if rule.charset:
        ok = pc.match_substring_regex(col, f"^[{rule.charset}]*$")
        checks.append((bad(ok), f"only {rule.charset_name} (the server would strip other characters)"))
    if rule.values:
        checks.append((bad(pc.is_in(col, value_set=pa.array(rule.values))), "one of " + "|".join(rule.values)))
    length = pc.utf8_length(col)
    if rule.min_len is not None and rule.min_len > 0:
        checks.append((bad(pc.greater_equal(length, rule.min_len)), f"at least {rule.min_len} characters"
                       if rule.charset != DIGITS else f"{rule.min_len}-{rule.max_len} digits"))
    if rule.max_len is not None:
        checks.append((bad(pc.less_equal(length, rule.max_len)), f"at most {rule.max_len} characters"
                       if rule.charset != DIGITS else f"{rule.min_len}-{rule.max_len} digits"))
    if rule.pattern:
        checks.append((bad(pc.match_substring_regex(col, f"^(?:{rule.pattern})$")), rule.pattern_name))
    if rule.check_date:
        parsed = pc.strptime(pc.if_else(present, col, pa.scalar(None, pa.string())), format=rule.check_date,
                             unit="s", error_is_null=True)
        # strptime normalises 02-30 to 03-02: a real date is one that formats back to itself
        same = pc.equal(pc.strftime(parsed, format=rule.check_date), col)
        checks.append((bad(same), f"a real calendar {rule.pattern_name or 'date'}"))
    if rule.int_range:
        as_int = pc.cast(pc.if_else(pc.and_(present, pc.fill_null(
            pc.match_substring_regex(col, r"^-?\d{1,9}$"), False)), col, pa.scalar(None, pa.string())), pa.int64())
        lo, hi = rule.int_range
        checks.append((bad(pc.and_(pc.greater_equal(as_int, lo), pc.less_equal(as_int, hi))),
                       f"integer {lo}..{hi}"))
    return checks


def _first_failure(n: int, checks: list[tuple[pa.Array, str]]) -> list[tuple[int, str]]:
    """Row index → first failing check's text."""
    out: dict[int, str] = {}
    for mask, text_ in checks:
        idx = pc.indices_nonzero(mask).to_pylist() if len(mask) else []
        for i in idx:
            out.setdefault(i, text_)
    return sorted(out.items())


def _col(table: pa.Table, name: str) -> pa.ChunkedArray:
    if name in table.column_names:
        return table.column(name)
    return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])


def _cross_field(table: pa.Table, operation: str, dialect: str) -> list[tuple[pa.Array, str, str]]:
    """Rules that involve several fields: (failing mask, field, rule)."""
    has = {name: _present(_col(table, name)) for name in
           ("lead_id", "vendor_lead_code", "phone_number", "campaign_id", "callback_datetime", "callback_user",
            "list_id", "list_name", "entry_list_id")}

    def eq(name: str, value: str) -> pa.Array:
        return pc.fill_null(pc.equal(_col(table, name), value), False)

    def missing(name: str) -> pa.Array:
        return pc.invert(has[name])

    out: list[tuple[pa.Array, str, str]] = []
    if operation in ("add_lead", "update_lead"):
        callback_on = eq("callback", "Y")
        out.append((pc.and_(callback_on, missing("campaign_id")), "campaign_id", "required when callback=Y"))
        out.append((pc.and_(callback_on, missing("callback_datetime")), "callback_datetime",
                    "required when callback=Y"))
        out.append((pc.and_(eq("callback_type", "USERONLY"), missing("callback_user")), "callback_user",
                    "required when callback_type=USERONLY"))
        out.append((pc.and_(eq("custom_fields", "Y"), has["entry_list_id"]), "entry_list_id",
                    "does not work with custom_fields=Y"))
    if operation == "add_lead":
        dnc = pc.or_(eq("campaign_dnc_check", "Y"), eq("campaign_dnc_check", "AREACODE"))
        out.append((pc.and_(dnc, missing("campaign_id")), "campaign_id", "required with campaign_dnc_check"))
    if operation == "update_lead":
        method = pc.fill_null(_col(table, "search_method"), "LEAD_ID")
        ok = pa.array([False] * table.num_rows)
        for token, key in (("LEAD_ID", "lead_id"), ("VENDOR_LEAD_CODE", "vendor_lead_code"),
                           ("PHONE_NUMBER", "phone_number")):
            ok = pc.or_(ok, pc.and_(pc.match_substring(method, token), has[key]))
        out.append((pc.invert(ok), "search_method",
                    "needs the value it searches by (lead_id, vendor_lead_code or phone_number)"))
        # documented: "If no list_id is defined, the search_location will be assumed as SYSTEM"
        narrowed = pc.or_(eq("search_location", "LIST"), eq("search_location", "CAMPAIGN"))
        out.append((pc.and_(narrowed, missing("list_id")), "list_id",
                    "required with search_location LIST/CAMPAIGN (without it the server searches the whole "
                    "SYSTEM)"))
        insert = eq("insert_if_not_found", "Y")
        out.append((pc.and_(insert, missing("phone_number")), "phone_number", "required when insert_if_not_found=Y"))
        out.append((pc.and_(insert, missing("list_id")), "list_id", "required when insert_if_not_found=Y"))
    if operation == "update_list":
        insert = eq("insert_if_not_found", "Y")
        out.append((pc.and_(insert, missing("list_name")), "list_name", "required when insert_if_not_found=Y"))
        out.append((pc.and_(insert, missing("campaign_id")), "campaign_id", "required when insert_if_not_found=Y"))
    return out


def validate_table(
    table: pa.Table,
    operation: str,
    dialect: str = "non_agent_api",
    *,
    key_column: str = "_row_key",
    custom_fields: Mapping[str, str] | None = None,
) -> Validation:
    """Check every row of ``table`` (string columns named like the API fields) column-wise.

    Columns starting with ``_`` are metadata. A column that is not a known field of
    ``operation`` is a custom field (needs a valid label); ``custom_fields`` may also name
    them explicitly. Returns all rejections plus a per-row ``valid`` mask; rows with any
    rejection must not be sent.
    """
    rules = rules_for(operation, dialect)
    blankable = BLANKABLE.get(operation, frozenset())
    n = table.num_rows
    keys = (table.column(key_column).to_pylist() if key_column in table.column_names
            else [str(i) for i in range(n)])
    keys = [str(k) if k is not None else f"row {i}" for i, k in enumerate(keys)]
    row_numbers: list[int | None] = (table.column(ROW_NUMBER).to_pylist() if ROW_NUMBER in table.column_names
                                     else [None] * n)
    fields = [c for c in table.column_names if not c.startswith(META_PREFIX)]
    reserved = [c for c in fields if c in RESERVED]
    if reserved:
        raise SchemaError(f"column(s) {reserved} are reserved request parameters and may not come from data")
    customs = tuple(c for c in fields if c not in rules)
    if customs and operation in ("add_list", "update_list"):
        raise SchemaError(f"{operation} has no field(s) {list(customs)}")
    bad_labels = [c for c in customs if not CUSTOM_LABEL.match(c)]
    if bad_labels:
        raise SchemaError(f"custom field label(s) {bad_labels} must be lower-case letters, digits and _")
    del custom_fields  # labels are the columns themselves; kept for call-site symmetry

    # cast every field column to string once (Parquet may carry ints/dates)
    cols = {c: _as_string(table.column(c)) for c in fields}
    failures: dict[tuple[int, str], str] = {}

    for name in fields:
        rule = rules.get(name, CUSTOM_VALUE)
        checks = _field_failures(cols[name], rule, name in blankable)
        if operation in UPDATES:
            quoted = pc.fill_null(pc.match_substring_regex(cols[name], r"['\"&]"), False)
            checks.insert(0, (quoted, "no apostrophes, quotes or ampersands on update_* (documented)"))
        for i, rule_text in _first_failure(n, checks):
            failures.setdefault((i, name), rule_text)

    required = REQUIRED_LMAPI_ADD if (dialect == "lmapi" and operation == "add_lead") else REQUIRED[operation]
    for name in required:
        col = cols.get(name, _col(table, name))
        for i in pc.indices_nonzero(pc.invert(_present(col))).to_pylist():
            failures.setdefault((i, name), "required")

    typed = pa.table({c: cols[c] for c in fields}) if fields else pa.table({"_": pa.nulls(n)})
    for mask, name, rule_text in _cross_field(typed, operation, dialect):
        for i in pc.indices_nonzero(mask).to_pylist():
            failures.setdefault((i, name), rule_text)

    rejections = []
    invalid = set()
    for (i, name), rule_text in sorted(failures.items()):
        value = cols[name][i].as_py() if name in cols else None
        rejections.append(Rejection(keys[i], name, rule_text, preview(value), row=row_numbers[i]))
        invalid.add(i)
    valid = pa.array([i not in invalid for i in range(n)], pa.bool_())
    return Validation(rejections, valid, customs)


def _as_string(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_string(col.type):
        return col
    if pa.types.is_large_string(col.type) or pa.types.is_string_view(col.type):
        return pc.cast(col, pa.string())
    if pa.types.is_date(col.type):
        return pc.strftime(col, format="%Y-%m-%d")
    if pa.types.is_timestamp(col.type):
        return pc.strftime(col, format="%Y-%m-%d %H:%M:%S")
    if pa.types.is_boolean(col.type):
        return pc.if_else(col, "Y", "N")
    return pc.cast(col, pa.string())


def normalize_table(table: pa.Table) -> pa.Table:
    """Every field column as string (dates as YYYY-MM-DD, booleans as Y/N)."""
    return pa.table({c: (table.column(c) if c.startswith(META_PREFIX) else _as_string(table.column(c)))
                     for c in table.column_names})
