"""Appending to and reading the recommendation log. The caller owns the transaction: `append`
adds to the session and flushes, so the entry commits or rolls back with the recommendation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit.canonical import canonical_json, leaf_hash
from app.audit.models import AuditEntry, AuditHead


class AuditWriteError(RuntimeError):
    pass


def append(
    session: Session,
    body: Mapping[str, Any],
    *,
    kind: str,
    channel: str,
    created_at: datetime,
    reference: str | None = None,
    product: str | None = None,
) -> AuditEntry:
    index = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(size=AuditHead.size + 1).returning(AuditHead.size)
    ).scalar_one_or_none()
    if index is None:
        raise AuditWriteError("the audit log has no head row; run the migrations")
    index -= 1
    document = {
        **body,
        "index": index,
        "time": created_at,
        "kind": kind,
        "channel": channel,
        "reference": reference,
    }
    leaf = canonical_json(document)
    entry = AuditEntry(
        index=index,
        created_at=created_at,
        kind=kind,
        reference=reference,
        channel=channel,
        product=product,
        leaf=leaf,
        leaf_hash=leaf_hash(leaf),
    )
    session.add(entry)
    session.flush()
    return entry


def document(entry: AuditEntry) -> dict[str, Any]:
    return json.loads(entry.leaf)


def latest_for_reference(session: Session, reference: str, kinds: tuple[str, ...]) -> AuditEntry | None:
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.reference == reference, AuditEntry.kind.in_(kinds))
        .order_by(AuditEntry.index.desc())
        .limit(1)
    ).first()


def size(session: Session) -> int:
    return session.execute(select(AuditHead.size).where(AuditHead.id == 1)).scalar_one()
