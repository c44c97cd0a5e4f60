"""The QA entries of the log and the fold that makes the review queue from them, in log order. The
live actions and `rebuild` both use `apply`, so the queue is the same either way."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.audit import ERASURE, AuditEntry, document
from app.quality.models import QaReview, QaSamplingHead

SAMPLED = "qa-sampled"
SAMPLING_RUN = "qa-sampling-run"
REVIEWED = "qa-reviewed"
KINDS = (SAMPLED, SAMPLING_RUN, REVIEWED)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def apply(session: Session, logged: Mapping[str, Any], subject: str | None) -> QaReview | None:
    """Applies one logged QA entry (a flat document) to the queue; the row it concerns, if any."""
    kind = logged["kind"]
    if kind == SAMPLING_RUN:
        head = session.get_one(QaSamplingHead, 1)
        head.considered_through = max(head.considered_through, logged["considered"]["through"])
        return None
    call = logged["call"]
    if kind == SAMPLED:
        row = QaReview(decision_index=call["decision_index"], reference=call["reference"], advisor_id=logged["advisor"],
                       product=(logged.get("product") or {}).get("key"), override=logged["override"],
                       decided_at=_time(logged["decided_at"]), rule=logged["rule"], share=Decimal(logged["share"]),
                       sampled_index=logged["index"], sampled_at=_time(logged["time"]))
        session.add(row)
        return row
    row = session.get(QaReview, call["decision_index"])
    if row is not None and kind == REVIEWED:
        row.outcome, row.reviewer_id = logged["outcome"], (logged.get("actor") or {}).get("id")
        row.review_index, row.reviewed_at, row.review_subject = logged["index"], _time(logged["time"]), subject
    return row


def apply_erasure(session: Session, logged: Mapping[str, Any]) -> None:
    row = session.scalars(select(QaReview).where(QaReview.review_subject == logged.get("subject"))).one_or_none()
    if row is not None and row.expired_at is None:
        row.expired_at = _time(logged["time"])


def rebuild(session: Session) -> int:
    """Recomputes the queue and the sampling watermark from the log; the number of drawn calls."""
    session.execute(delete(QaReview))
    session.get_one(QaSamplingHead, 1).considered_through = -1
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.kind.in_((*KINDS, ERASURE)))
                                 .order_by(AuditEntry.index)):
        session.flush()
        if entry.kind == ERASURE:
            apply_erasure(session, document(entry))
        else:
            apply(session, document(entry), entry.subject)
    session.flush()
    return session.query(QaReview).count()
