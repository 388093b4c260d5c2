"""Build the form parameters of each write-back call from a validated row.

Why a separate step: what is sent (and hashed, and stored in the ledger) must be exactly the
row's values plus the few settings this module adds, never credentials (the client adds
those to the POST body itself) and never a parameter that makes the server print SQL (`DB`).
Empty values are omitted: on update_* an omitted field is "leave as is"; to empty a field a
row says `--BLANK--` explicitly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import orjson

from extract.writeback.fields import LEAD_DATA, META_PREFIX, RESERVED

#: `source` on every call: the server keeps only [0-9a-zA-Z], at most 20 characters.
SOURCE = "dialsync"


@dataclass(frozen=True)
class Request:
    """One call: which surface and function, and its parameters (no credentials)."""

    operation: str  # add_lead | update_lead | add_list | update_list | lookup_lead | list_info
    surface: str  # non_agent_api | lmapi
    function: str
    params: dict[str, str]
    # values the response parser anchors on
    phone: str | None = None
    list_id: str | None = None
    lead_id: str | None = None
    alt_phone: str | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def form(self) -> dict[str, str]:
        return {"function": self.function, "source": SOURCE, **self.params}


def clean_params(row: Mapping[str, object]) -> dict[str, str]:
    """Non-empty field values as strings; metadata columns and reserved names dropped."""
    out: dict[str, str] = {}
    for k, v in row.items():
        if k.startswith(META_PREFIX) or k in RESERVED or v is None:
            continue
        s = str(v)
        if s == "":
            continue
        out[k] = s
    return out


def payload_hash(instance: str, operation: str, params: Mapping[str, str]) -> str:
    """Identity of a change: same instance, operation and parameters ⇒ same hash."""
    blob = orjson.dumps({"i": instance, "o": operation, "p": dict(sorted(params.items()))})
    return hashlib.sha256(blob).hexdigest()[:32]


def build_add_lead(row: Mapping[str, object], *, surface: str = "non_agent_api",
                   custom_fields: tuple[str, ...] = ()) -> Request:
    p = clean_params(row)
    if any(c in p for c in custom_fields):
        p["custom_fields"] = "Y"
    return Request("add_lead", surface, "add_lead", p, phone=p.get("phone_number"), list_id=p.get("list_id"),
                   alt_phone=p.get("alt_phone"))


def build_update_lead(row: Mapping[str, object], *, custom_fields: tuple[str, ...] = ()) -> Request:
    """By lead_id (default), vendor_lead_code or phone_number; fields, status, callbacks, hopper,
    insert_if_not_found, delete_lead, no_update — whatever the row carries."""
    p = clean_params(row)
    if "search_method" not in p and "lead_id" not in p:
        if "vendor_lead_code" in p and "phone_number" in p:
            p["search_method"] = "VENDOR_LEAD_CODE_PHONE_NUMBER"
        elif "vendor_lead_code" in p:
            p["search_method"] = "VENDOR_LEAD_CODE"
        elif "phone_number" in p:
            p["search_method"] = "PHONE_NUMBER"
    if any(c in p for c in custom_fields):
        p["custom_fields"] = "Y"
    return Request("update_lead", "non_agent_api", "update_lead", p, phone=p.get("phone_number"),
                   list_id=p.get("list_id"), lead_id=p.get("lead_id"))


def build_add_list(row: Mapping[str, object]) -> Request:
    p = clean_params(row)
    return Request("add_list", "non_agent_api", "add_list", p, list_id=p.get("list_id"))


def build_update_list(row: Mapping[str, object]) -> Request:
    """Fields, active, reset_list, delete_list, delete_leads, insert_if_not_found."""
    p = clean_params(row)
    return Request("update_list", "non_agent_api", "update_list", p, list_id=p.get("list_id"))


def build_list_info(list_id: str) -> Request:
    """Read-back of a list (exists? campaign? lead counts?)."""
    return Request("list_info", "non_agent_api", "list_info",
                   {"list_id": list_id, "leads_counts": "Y", "stage": "pipe", "header": "YES"}, list_id=list_id)


def build_lead_lookup(*, phone: str, list_id: str | None, vendor_lead_code: str | None = None) -> Request:
    """update_lead with no_update=Y: does a lead with this phone exist in this list? Changes nothing."""
    p = {"search_method": "PHONE_NUMBER", "phone_number": phone, "no_update": "Y",
         "search_location": "LIST" if list_id else "SYSTEM"}
    if list_id:
        p["list_id"] = list_id
    if vendor_lead_code:
        p["search_method"] = "VENDOR_LEAD_CODE_PHONE_NUMBER"
        p["vendor_lead_code"] = vendor_lead_code
    return Request("lookup_lead", "non_agent_api", "update_lead", p, phone=phone, list_id=list_id)


BUILDERS = {"add_lead": build_add_lead, "update_lead": build_update_lead, "add_list": build_add_list,
            "update_list": build_update_list}


def build(operation: str, row: Mapping[str, object], *, surface: str = "non_agent_api",
          custom_fields: tuple[str, ...] = ()) -> Request:
    if operation == "add_lead":
        return build_add_lead(row, surface=surface, custom_fields=custom_fields)
    if operation == "update_lead":
        return build_update_lead(row, custom_fields=custom_fields)
    if operation == "add_list":
        return build_add_list(row)
    if operation == "update_list":
        return build_update_list(row)
    raise ValueError(f"unknown write-back operation {operation!r}")


def add_lead_surface(platform: str, surfaces: Collection[str]) -> str:
    """croco-dial loads leads through its lmapi (`campaing`); everyone else via non_agent_api."""
    return "lmapi" if platform == "crocodial" and "lmapi" in surfaces else "non_agent_api"


def with_dup_guard(req: Request) -> Request:
    """Re-send of an add_lead whose first answer was lost: let the server refuse a second copy."""
    params = dict(req.params)
    dup = params.get("duplicate_check", "")
    if "DUPLIST" not in dup.split("-") and not any(x in dup for x in ("DUPCAMP", "DUPSYS")):
        params["duplicate_check"] = f"{dup}-DUPLIST" if dup else "DUPLIST"
    return Request(req.operation, req.surface, req.function, params, phone=req.phone, list_id=req.list_id,
                   lead_id=req.lead_id, alt_phone=req.alt_phone)


def as_update(req: Request, lead_id: str, sent: Mapping[str, str]) -> Request:
    """A changed lead-file row whose lead already exists (``lead_id``): update the data fields
    that differ from what was ``sent`` before, by lead_id, instead of adding a second lead."""
    changed = {k: v for k, v in req.params.items() if k in LEAD_DATA and sent.get(k) != v}
    up = build_update_lead({"lead_id": str(lead_id), **changed})
    return Request("add_lead", "non_agent_api", "update_lead", up.params, phone=req.phone, list_id=req.list_id,
                   lead_id=lead_id)
