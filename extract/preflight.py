"""Before an instance's first report request: is its circuit closed and its clock ours?

VICIdial prints every date in the server's local time with no offset; dialsync turns them
into UTC with the configured `timezone`. A zone that disagrees with the server shifts every
timestamp silently, so each sync asks `function=version` (no login needed, so no failed
login can be spent on it) and compares the server's current offset (`TZNOW`) with the
configured zone's offset at the server's own clock (`EPOCH`: a simulator or a server with a
fixed or skewed clock is judged at its own moment, DST included).

goAPI and lmapi have no such function: an instance without the non_agent_api surface cannot
be checked, and the check says so instead of guessing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from extract.client import DialerClient
from extract.errors import ParseError, TimezoneMismatchError, TransientError
from extract.parsers import vicidial

log = logging.getLogger(__name__)

#: Offsets closer than this (hours) are equal; real zones differ by at least 15 minutes.
TOLERANCE_H = 0.01


def parse_version(body: bytes | bytearray) -> dict[str, str]:
    """The `function=version` fields ({"VERSION": ..., "EPOCH": ..., "TZNOW": "-5.00"}), TZNOW checked."""
    rows = vicidial.version(body)["version"].to_pylist()
    fields = {str(k).upper(): str(v) for k, v in (rows[0] if rows else {}).items() if v is not None}
    try:
        float(fields["TZNOW"])
    except (KeyError, ValueError):
        raise ParseError(f"function=version answer has no numeric TZNOW: {fields.get('TZNOW')!r}") from None
    return fields


def _fmt(hours: float) -> str:
    sign = "-" if hours < 0 else "+"
    minutes = round(abs(hours) * 60)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def check_timezone(client: DialerClient, zone: str) -> str:
    """Raise `TimezoneMismatchError` when the server's offset is not ``zone``'s; else a note.

    A server that cannot answer (no non_agent_api surface, or a failed/garbled answer after
    the client's retries) is reported in the note, not stopped: its report requests will
    fail or succeed on their own, and a real mismatch is still caught whenever it answers.
    """
    if "non_agent_api" not in client.settings.surfaces:
        return f"instance {client.name}: no non_agent_api surface, server time zone not checked"
    try:
        fields = client.call("non_agent_api", {"function": "version"}, lambda raw: parse_version(raw.body),
                             endpoint="version", credentials=False)
    except (TransientError, ParseError) as exc:
        note = f"instance {client.name}: server time zone not checked ({exc.message})"
        log.warning("%s", note)
        return note
    server = float(fields["TZNOW"])
    try:
        at = datetime.fromtimestamp(int(fields["EPOCH"]), UTC)
    except (KeyError, ValueError):
        at = datetime.now(UTC)
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    ours = offset.total_seconds() / 3600 if offset is not None else 0.0
    if abs(server - ours) > TOLERANCE_H:
        raise TimezoneMismatchError(
            f"server time zone mismatch: the dialer says its offset is {_fmt(server)} (function=version "
            f"TZNOW {fields['TZNOW']}) but the configured timezone {zone} is {_fmt(ours)} at "
            f"{at:%Y-%m-%d %H:%M} UTC; fix `timezone` of this instance (every timestamp would be shifted)",
            instance=client.name, endpoint="version")
    return f"instance {client.name}: server offset {_fmt(server)} matches {zone}"
