"""Which parts of a logged result are personal data, and putting them back together.

Personal, and so sealed under the customer's key (app/audit/personal.py) and gone with it on
erasure: the profile itself, and everything worked out from it — the criteria's scales and units
(a mortgage's are scaled to the loan and the years it is kept), each ranked offer's values, facts,
per-criterion contributions and "why this rank" sentences, each exclusion's reason and facts, and
the whole explanation (reasons, notices about our offer, assumptions, what other presets would do).

In clear, because compliance must show them for years and they are about offers, not about who
asked: what each provider was asked and answered, exactly as it answered (its quotes' terms are
the provider's words: a lender may echo the loan amount it quoted for), provider failures, the
preferences, which offer ranked where with what score, what was recommended, our offer's rank, and
the disclosures. After erasure nothing readable says who the customer was or what they asked for.

Entries sealed before this split (sealed version 1: the profile alone) keep their derived text in
clear, as entries from before encryption keep their profile: their leaves cannot change.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from app.audit.entries import RESULT_KINDS

# Per list in the result: the members of its items that are worked out from the profile.
SEALED_ITEM_MEMBERS: dict[str, tuple[str, ...]] = {
    "criteria": ("unit", "worst", "best"),
    "ranking": ("values", "facts", "contributions", "why"),
    "excluded": ("facts", "reason"),
}
SEALED_WHOLE = ("explanation",)
ERASED_ITEM_MEMBERS: dict[str, dict[str, Any]] = {
    "criteria": {"unit": "", "worst": None, "best": None},
    "ranking": {"values": {}, "facts": {}, "contributions": {}, "why": []},
    "excluded": {"facts": {}, "reason": "The reason was worked out from your details, which were erased."},
}
ERASED_EXPLANATION: dict[str, Any] = {
    "top_reasons": [], "house_notice": None, "house_gap": None, "house_comparison": None,
    "presets": [], "presets_summary": None, "assumptions": [],
}

_sealed_by_entry: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def split_personal(result: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The result to log in clear, and its personal data to log sealed: the profile the customer
    gave and what was worked out from it."""
    clear = dict(result)
    derived: dict[str, Any] = {name: clear.pop(name) for name in SEALED_WHOLE}
    for name, members in SEALED_ITEM_MEMBERS.items():
        items = clear[name]
        derived[name] = [{member: item[member] for member in members if member in item} for item in items]
        clear[name] = [{key: value for key, value in item.items() if key not in members} for item in items]
    return clear, {"profile": clear.pop("profile"), "derived": derived}


def with_personal(logged: Mapping[str, Any], data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The logged result whole again: its clear part with the sealed part `data` put back, or,
    when `data` is None (erased), with neutral stand-ins where the derived parts were. Entries
    that sealed the profile alone come back as they were logged."""
    merged = dict(logged)
    derived = data.get("derived") if data is not None else None
    if data is not None and derived is None:
        return merged
    if derived is None:
        if not _derived_was_sealed(logged):
            return merged
        for name, stand_in in ERASED_ITEM_MEMBERS.items():
            merged[name] = [{**item, **stand_in} for item in logged.get(name, [])]
        merged["explanation"] = dict(ERASED_EXPLANATION)
        return merged
    for name in SEALED_ITEM_MEMBERS:
        merged[name] = [{**item, **extra} for item, extra in zip(logged.get(name, []), derived[name], strict=True)]
    for name in SEALED_WHOLE:
        merged[name] = derived[name]
    return merged


def _derived_was_sealed(logged: Mapping[str, Any]) -> bool:
    return (logged.get("kind") in RESULT_KINDS and isinstance(logged.get("personal"), Mapping)
            and all(name not in logged for name in SEALED_WHOLE))


def remember_sealed(entry: Any, personal: dict[str, Any]) -> None:
    """Keeps what an entry appended in this request sealed, so the request can show it without
    reading and decrypting it back."""
    _sealed_by_entry[entry] = personal


def sealed_of(entry: Any) -> dict[str, Any] | None:
    return _sealed_by_entry.get(entry)
