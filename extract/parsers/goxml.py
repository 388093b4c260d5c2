"""goAPI XML (``responsetype=xml``) → the same nested Python structure the JSON form gives.

What the real server emits (GOautodial ``apiXMLOutput``), and how it is read back:

* prologue ``<?xml ... ?>\\n<goautodialapi version="4.0">(\\n<action>"x "</action>\\n" )`` with
  *literal* backslash-n sequences and stray text: everything before the root start tag is
  dropped (the declared encoding is honoured), stray text inside the root is ignored;
* one ``<key>value</key>`` per scalar, CDATA when the value has special characters, ``null``
  and ``""`` both print as an empty element (→ None);
* an object → ``<key>...</key>``; a list of objects → the key repeated once per element (a
  single element is indistinguishable from an object: callers wrap it); an empty list → nothing;
* keys that are not XML names (``<talk_+_avail>``) are renamed ``<_x n="talk_+_avail">`` and
  read back under their real name;
* a list of scalars → ``<0>a</0><1>b</1>`` directly inside the parent: invalid XML names. They
  are renamed to ``<_n i="0">`` and collected into runs (a new run starts at index 0). A single
  run inside an object is stored under ``"_list"`` at its position; all runs under ``"_lists"``.
  The list's own name is lost on the wire (see ``goapi.users`` / ``goapi.calltimes``).

Parsed with defusedxml (no entity expansion, no external entities).
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from extract.errors import ParseError

_ROOT = b"<goautodialapi"
_END = b"</goautodialapi>"
_DECL_ENC = re.compile(rb'<\?xml[^>]*encoding=["\']([A-Za-z0-9_.:-]+)["\']')
_TAG_OR_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)|<(/?)([^\s<>/!?]+)(/?)>", re.S)
_NAME_OK = re.compile(rb"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _fix_tag(m: re.Match[bytes]) -> bytes:
    """Rewrite a tag whose name is not a valid XML name: ``<0>`` → ``<_n i="0">``,
    ``<talk_+_avail>`` → ``<_x n="talk_+_avail">`` (CDATA sections are left alone)."""
    if m.group(1) or _NAME_OK.match(m.group(3)):
        return m.group(0)
    close, name, empty = m.group(2), m.group(3), m.group(4)
    tag, attr = (b"_n", b"i") if name.isdigit() else (b"_x", b"n")
    if close:
        return b"</" + tag + b">"
    value = name.replace(b"&", b"&amp;").replace(b'"', b"&quot;")
    return b"<" + tag + b" " + attr + b'="' + value + b'"' + empty + b">"


def _prepare(raw: bytes) -> bytes:
    start = raw.find(_ROOT)
    if start == -1:
        low = raw[:256].lower()
        if b"<html" in low or b"<!doctype" in low:
            raise ParseError("goAPI answered with an HTML page instead of XML")
        raise ParseError("goAPI XML body has no <goautodialapi> root")
    if not raw[-4096:].rstrip().endswith(_END):
        # A body cut short is never complete, even where the cut leaves well-formed XML; and
        # checking first keeps the tag-repair pass (regex) off unterminated CDATA, where it
        # would backtrack for minutes on a large report.
        raise ParseError("goAPI XML body does not end with </goautodialapi> (truncated?)")
    m = _DECL_ENC.search(raw, 0, start)
    doc = raw[start:]
    if m and m.group(1).lower() not in (b"utf-8", b"utf8"):
        doc = doc.decode(m.group(1).decode(), errors="replace").encode("utf-8")
    return doc


def _parse(doc: bytes) -> Element:
    try:
        return DET.fromstring(doc)
    except DefusedXmlException as exc:
        raise ParseError(f"goAPI XML refused (unsafe construct): {type(exc).__name__}") from exc
    except Exception as first:  # xml.etree.ElementTree.ParseError
        fixed = _TAG_OR_CDATA.sub(_fix_tag, doc)
        if fixed != doc:
            try:
                return DET.fromstring(fixed)
            except DefusedXmlException as exc:
                raise ParseError(f"goAPI XML refused (unsafe construct): {type(exc).__name__}") from exc
            except Exception:
                pass
        raise ParseError(f"invalid goAPI XML (truncated?): {first}") from first


def _value(el: Element) -> Any:
    children = list(el)
    if not children:
        return el.text if el.text else None
    if all(c.tag == "_n" for c in children):
        return [_value(c) for c in children]
    obj: dict[str, Any] = {}
    runs: list[list[Any]] = []
    prev_n = False
    for child in children:
        if child.tag == "_n":
            if not prev_n or child.get("i") == "0":
                runs.append([])
                if "_list" not in obj:
                    obj["_list"] = runs[-1]
            runs[-1].append(_value(child))
            prev_n = True
            continue
        prev_n = False
        val = _value(child)
        key = child.get("n", "") if child.tag == "_x" else child.tag
        if key in obj:
            cur = obj[key]
            if isinstance(cur, _Multi):
                cur.append(val)
            else:
                obj[key] = _Multi([cur, val])
        else:
            obj[key] = val
    if len(runs) > 1:
        del obj["_list"]
        obj["_lists"] = runs
    return {k: (list(v) if isinstance(v, _Multi) else v) for k, v in obj.items()}


class _Multi(list):  # type: ignore[type-arg]
    """Marks a key seen more than once (a list on the wire), unlike a value that is a list."""


def loads(raw: bytes) -> dict[str, Any]:
    """goAPI XML body → dict shaped like the JSON response (``action`` dropped)."""
    root = _parse(_prepare(raw))
    obj = _value(root)
    if not isinstance(obj, dict):
        obj = {"data": obj}
    obj.pop("action", None)
    return obj
