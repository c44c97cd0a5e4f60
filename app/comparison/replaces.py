"""Which comparison a re-quote replaces. "Change your answers" and "Get fresh quotes" log a new
recommendation under a new reference whose record says `replaces: {"reference", "index"}` (the
entry shown when the shopper asked). A re-rank of the new comparison is ranked from that record
but does not repeat the pointer, so the pointer is read from the reference's recommendation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.entries import RECOMMENDATION
from app.audit.log import document
from app.audit.models import AuditEntry

REPLACES = "replaces"


def pointer_to(result: Mapping[str, Any]) -> dict[str, Any]:
    """The pointer a re-quote of `result` (as load_result returns it) records."""
    return {"reference": result["reference"], "index": result["index"]}


def replaced_comparison(session: Session, result: Mapping[str, Any]) -> dict[str, Any] | None:
    """The comparison `result` replaces, {"reference", "index"}, or None when it is a first one."""
    if REPLACES in result:
        return result[REPLACES]
    if result.get("reranks") is None:
        return None
    recommendation = session.scalars(
        select(AuditEntry).where(AuditEntry.reference == result["reference"], AuditEntry.kind == RECOMMENDATION)
        .order_by(AuditEntry.index).limit(1)
    ).first()
    return None if recommendation is None else document(recommendation).get(REPLACES)


def with_replaces(session: Session, result: Mapping[str, Any]) -> dict[str, Any]:
    return {**result, REPLACES: replaced_comparison(session, result)}
