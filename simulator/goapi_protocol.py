"""goAPIv2 wire format: error payloads, the JSON/XML envelope and report headers.

Where api-facts.md describes the real server (XML default, PHP `\\/` escapes, literal `\\n`
in the XML prologue, text/html content type, trailing `;` on the responsetype error) that is
the default, and `realism="docs"` switches to the documented form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response, StreamingResponse

from simulator.context import Params, SimContext
from simulator.encode import coalesce, json_stream, prefetch, xml_stream

ERR_AUTH = {"result": "error", "message": "Invalid Username/Password"}
ERR_COMMAND = {"result": "error", "message": "Command Not Found"}
ERR_ACCESS = {"code": "10004", "result": "Error: No such resource or access is restricted "}
ERR_MISSING = {"code": "40001", "message": "Error: Missing required parameters"}
RESPONSETYPE_ERROR = "result=error;message=This API function only accepts XML or JSON value on responsetype"
TS_FMT = "%Y-%m-%d %H:%M:%S"


class ApiError(Exception):
    """Raised by an action to answer with one of the error payloads."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(str(payload))
        self.payload = payload


Action = Callable[[Params, SimContext], dict[str, Any]]


def render(payload: dict[str, Any], rtype: str, action: str, real: bool) -> Response:
    if rtype == "json":
        media = "text/html; charset=UTF-8" if real else "application/json"
        return StreamingResponse(prefetch(coalesce(json_stream(payload, php=real))), media_type=media)
    nl = "\\n" if real else "\n"
    head = f'<?xml version="1.0" encoding="UTF-8"?>{nl}<goautodialapi version="4.0">{nl}<action>{action}</action>\n'

    def gen() -> Any:
        yield head.encode()
        yield from xml_stream(payload, php=real)
        yield b"</goautodialapi>"

    media = "text/html; charset=UTF-8" if real else "application/xml"
    return StreamingResponse(prefetch(coalesce(gen())), media_type=media)


def headers(fields: list[str], **extra: Any) -> list[dict[str, Any]]:
    out = []
    for i, f in enumerate(fields):
        h: dict[str, Any] = {"title": f.replace("_", " ").upper() if extra.get("upper") else
                             f.replace("_", " ").title(), "field": f}
        if i == 0 and extra.get("frozen"):
            h["frozen"] = True
        if extra.get("formatter"):
            h["formatter"] = extra["formatter"]
        out.append(h)
    return out
