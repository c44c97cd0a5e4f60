"""What the entries table adds to each row from the logged entry itself: the recommended
provider's name as it was shown (not its internal key), and the providers that declined to quote
counted apart from those that failed (a decline is a provider's answer, not a fault)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import RESULT_KINDS, AuditEntry, flatten

DECLINED = "declined"


def row_details(session: Session, entries: Iterable[AuditEntry]) -> dict[int, dict[str, Any]]:
    """For each result entry (by index): recommended_name, declined and failed."""
    indices = [entry.index for entry in entries if entry.kind in RESULT_KINDS]
    if not indices:
        return {}
    leaves = session.execute(select(AuditEntry.index, AuditEntry.leaf).where(AuditEntry.index.in_(indices)))
    return {index: _details(flatten(json.loads(bytes(leaf)))) for index, leaf in leaves}


def _details(document: Mapping[str, Any]) -> dict[str, Any]:
    failures = document.get("failures") if isinstance(document.get("failures"), list) else []
    declined = sum(1 for failure in failures if isinstance(failure, Mapping) and failure.get("kind") == DECLINED)
    return {"recommended_name": _recommended_name(document), "declined": declined, "failed": len(failures) - declined}


def _recommended_name(document: Mapping[str, Any]) -> str | None:
    recommended = document.get("recommended")
    if not isinstance(recommended, Mapping):
        return None
    if isinstance(recommended.get("status_quo"), str):  # what the customer has already (keep your loan)
        label = recommended.get("label")
        return label if isinstance(label, str) else None
    for offer in document.get("ranking") or []:
        if (isinstance(offer, Mapping) and offer.get("provider") == recommended.get("provider")
                and offer.get("quote_id") == recommended.get("quote_id")):
            name = offer.get("provider_name")
            return name if isinstance(name, str) else None
    return None
