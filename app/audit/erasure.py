"""Erasure: destroying a customer's personal-data key, by request or when the retention period
(CANDOR_RETENTION_DAYS, counted from the last time the data was used) ends. Each erasure is
itself logged, naming who erased what and why, never the data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.actors import Actor
from app.audit.entries import ERASURE, RETENTION_ACTOR
from app.audit.log import append
from app.audit.models import AuditEntry, PersonalDataKey
from app.audit.personal import PersonalDataErased, UnknownSubject, erasure_of


def erase(session: Session, subject: str, *, actor: Actor | Mapping[str, Any], reason: str, now: datetime,
          channel: str = "console") -> AuditEntry:
    """Destroys the subject's data key and logs the erasure, in the caller's transaction. The
    entry names the references whose personal data went, never the data itself."""
    row = session.scalars(select(PersonalDataKey).where(PersonalDataKey.subject == subject)
                          .with_for_update()).first()
    if row is None:
        raise UnknownSubject(subject)
    if row.wrapped_key is None:
        raise PersonalDataErased(erasure_of(row))
    actor_record = dict(actor) if isinstance(actor, Mapping) else actor.as_record()
    references = sorted(set(session.scalars(
        select(AuditEntry.reference).where(AuditEntry.subject == subject, AuditEntry.reference.is_not(None)))))
    entry = append(session, {"subject": subject, "references": references, "reason": reason[:200],
                             "actor": actor_record},
                   kind=ERASURE, channel=channel, created_at=now,
                   reference=references[0] if len(references) == 1 else None)
    row.wrapped_key = None
    row.erased_at = now
    row.erased_by_type = actor_record.get("type")
    row.erased_by_id = None if actor_record.get("id") is None else str(actor_record["id"])
    row.erasure_reason = reason[:200]
    row.erasure_index = entry.index
    session.flush()
    return entry


def subject_of_reference(session: Session, reference: str) -> str:
    subject = session.scalar(select(AuditEntry.subject).where(AuditEntry.reference == reference,
                                                              AuditEntry.subject.is_not(None)).limit(1))
    if subject is None:
        raise UnknownSubject(reference)
    return subject


def expired_subjects(session: Session, *, now: datetime, retention_days: int, limit: int = 1000) -> list[str]:
    """Subjects whose personal data has not been used for longer than the retention period."""
    cutoff = now - timedelta(days=retention_days)
    return list(session.scalars(
        select(PersonalDataKey.subject)
        .where(PersonalDataKey.wrapped_key.is_not(None), PersonalDataKey.last_used_at < cutoff)
        .order_by(PersonalDataKey.last_used_at).limit(limit)))


def erase_expired(session: Session, *, now: datetime, retention_days: int) -> list[AuditEntry]:
    return [erase(session, subject, actor=RETENTION_ACTOR, reason=f"retention period of {retention_days} days ended",
                  now=now, channel="system")
            for subject in expired_subjects(session, now=now, retention_days=retention_days)]
