"""Reading a result back: the latest one shown under a reference, with its profile decrypted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.canonical import loggable
from app.audit.entries import RESULT_KINDS
from app.audit.log import document
from app.audit.models import AuditEntry
from app.audit.personal import reveal
from app.comparison.derived import sealed_of, with_personal
from app.comparison.errors import ComparisonError


def appended_result(entry: AuditEntry, profile: Mapping[str, Any]) -> dict[str, Any]:
    """What load_result returns for an entry this request has just appended and committed,
    without reading it back: the record is parsed from the very bytes that were logged, and the
    profile is the one that was sealed in it."""
    sealed = sealed_of(entry)
    logged = document(entry) if sealed is None else with_personal(document(entry), loggable(sealed))
    return {**logged, "leaf_hash": entry.leaf_hash.hex(), "profile": loggable(dict(profile)), "erasure": None}


def load_result(session: Session, reference: str) -> dict[str, Any] | None:
    """The latest result shown under a reference: the recommendation or its latest re-rank, with
    its profile decrypted — or, once erased, `profile` None and `erasure` saying when and by whom."""
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.reference == reference, AuditEntry.kind.in_(RESULT_KINDS))
        .order_by(AuditEntry.index.desc())
        .limit(1)
    ).first()
    return None if entry is None else _revealed(session, entry, reference)


def load_result_at(session: Session, reference: str, index: int) -> dict[str, Any] | None:
    """The result logged as entry `index` under `reference` (a recommendation or a re-rank, perhaps
    not the latest), as load_result reads it; None when that entry is no result of `reference`."""
    entry = session.get(AuditEntry, index)
    if entry is None or entry.kind not in RESULT_KINDS or entry.reference != reference:
        return None
    return _revealed(session, entry, reference)


def _revealed(session: Session, entry: AuditEntry, reference: str) -> dict[str, Any]:
    logged = document(entry)
    if logged.get("reference") != reference:
        raise ComparisonError(f"log entry {entry.index} is filed under {reference} but records another reference")
    revealed = reveal(session, logged)
    return {
        **with_personal(logged, revealed.data),
        "leaf_hash": entry.leaf_hash.hex(),
        "profile": None if revealed.data is None else revealed.data["profile"],
        "erasure": None if revealed.erasure is None else revealed.erasure.as_record(),
    }
