"""What makes a write-back row destructive, and how it is shown: the pieces of the write-back guard.

Why: a wrong model (or a snapshot misread) must not switch a call center off. The service caps
destructive rows per run and refuses a list change that reverses another row's recent one;
this module says which rows those are and renders each as `field: before → after` from the
model's `_before_<field>` / `_after_<field>` columns, so a dry run reads like a diff.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

#: A list change reversing another row's change applied this recently is refused (plan fight).
REVERSAL_WINDOW = timedelta(hours=24)
#: Flags whose value before the change is "N" (the API default) when a row says nothing else.
_FLAGS = ("reset_list", "delete_list", "delete_leads", "delete_lead")


def destructive_changes(operation: str, params: Mapping[str, str]) -> tuple[str, list[str]]:
    """(unit, kinds): what a row takes away — `lists` (deactivate, reset, delete list, delete leads)
    or `leads` (delete lead). ``kinds`` is empty for a harmless row."""
    if operation == "update_list":
        kinds = [k for k, on in (("deactivate", params.get("active") == "N"),
                                 ("reset", params.get("reset_list") == "Y"),
                                 ("delete list", params.get("delete_list") == "Y"),
                                 ("delete leads", params.get("delete_leads") == "Y")) if on]
        return "lists", kinds
    if operation == "update_lead" and params.get("delete_lead") == "Y":
        return "leads", ["delete lead"]
    return "", []


def row_diff(row: Mapping[str, object], params: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(field, before, after) for a row: `_before_<f>` against the value sent for `<f>` (or
    `_after_<f>`); destructive flags the row sets count as `N → Y`."""
    out: list[tuple[str, str, str]] = []
    for k, v in row.items():
        if not k.startswith("_before_"):
            continue
        name = k[len("_before_"):]
        after = params.get(name, row.get(f"_after_{name}"))
        if after is None or (name not in params and str(after) == str(v)):
            continue
        out.append((name, "?" if v is None else str(v), str(after)))
    shown = {f for f, _, _ in out}
    out += [(f, "N", params[f]) for f in _FLAGS if f in params and f not in shown]
    return out


def format_diff(diff: Sequence[tuple[str, str, str]]) -> str:
    """`field: before → after; ...`, how the dry run and refusal messages show a change."""
    return "; ".join(f"{f}: {b} → {a}" for f, b, a in diff)


def reverses(new: Mapping[str, str], applied: Mapping[str, str]) -> bool:
    """Would update_list params ``new`` undo the applied params ``applied`` of the same list?
    Deactivate after an activation or a reset; re-activate or reset after a deactivation."""
    return ((new.get("active") == "N" and (applied.get("active") == "Y" or applied.get("reset_list") == "Y"))
            or (new.get("active") == "Y" and applied.get("active") == "N")
            or (new.get("reset_list") == "Y" and applied.get("active") == "N"))


def cap(share: float, total: int) -> int:
    """Destructive changes one run may make: ``share`` of ``total``, at least one."""
    return max(1, int(share * total)) if total else 1
