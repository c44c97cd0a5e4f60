"""Keeping a comparison's log entry within bounds.ENTRY_BUDGET_BYTES, whatever providers send.

The limits in app/comparison/bounds.py keep every entry measured so far well within the budget
(docs/audit-log.md gives the figures). As a last guard, an entry that would still be larger is
built again with tighter limits (fewer unusable offers listed, then fewer offers compared from
each provider) until it fits; the limits used are recorded in it, so a replay ranks the same offers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.audit.canonical import canonical_json
from app.comparison import bounds
from app.comparison.bounds import Limits
from app.comparison.derived import split_personal

AES_GCM_TAG_BYTES = 16
HEADER_ALLOWANCE_BYTES = 1024
"""The entry's header (index, time, kind, reference, actor, …) and the sealed part's own members."""
# Parts of a result's explanation that only add to what the shopper is shown (where the rates sit
# among those offered: app/products/rate_distribution.py): an entry that would outgrow the budget
# leaves them out, and so shows nothing of them, before it compares or lists one offer fewer.
DROPPED_FIRST = ("rate_distribution",)


def entry_bytes(clear: Mapping[str, Any], personal: Mapping[str, Any]) -> int:
    """At least what the leaf of an entry logging `clear` with `personal` sealed takes."""
    sealed = len(canonical_json(personal)) + AES_GCM_TAG_BYTES
    return len(canonical_json(clear)) + 4 * -(-sealed // 3) + HEADER_ALLOWANCE_BYTES


def within_budget(build: Callable[[Limits | None], dict[str, Any]],
                  limits: Limits | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The clear and personal parts of the body `build(limits)` makes, with the first limits
    (from `limits`, tightening) that keep its entry within the budget."""
    body = build(limits)
    clear, personal = split_personal(body)
    while entry_bytes(clear, personal) > bounds.ENTRY_BUDGET_BYTES:
        if any(name in body["explanation"] for name in DROPPED_FIRST):
            body = {**body, "explanation": {key: value for key, value in body["explanation"].items()
                                            if key not in DROPPED_FIRST}}
            clear, personal = split_personal(body)
            continue
        tighter = Limits.from_record(body["limits"]).tighter()
        if tighter is None:
            break
        body = build(tighter)
        clear, personal = split_personal(body)
    return clear, personal
