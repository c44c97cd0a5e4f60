"""The compliance queue: complaints by status and owner, the nearest deadline first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.complaints.models import OPEN, RESOLVED, Complaint

QUEUE_LIMIT = 200


def queue(session: Session, *, status: str, owner: str, me: int, now: datetime,
          limit: int = QUEUE_LIMIT) -> list[Complaint]:
    statement = select(Complaint)
    if status in ("open", "overdue"):
        statement = statement.where(Complaint.status == OPEN).order_by(Complaint.due_at, Complaint.id)
        if status == "overdue":
            statement = statement.where(Complaint.due_at < now)
    else:
        if status == "resolved":
            statement = statement.where(Complaint.status == RESOLVED)
        statement = statement.order_by(Complaint.raised_at.desc(), Complaint.id)
    if owner == "mine":
        statement = statement.where(Complaint.owner_id == me)
    elif owner == "unassigned":
        statement = statement.where(Complaint.owner_id.is_(None))
    return list(session.scalars(statement.limit(limit)))


def is_overdue(complaint: Complaint, now: datetime) -> bool:
    return complaint.status == OPEN and complaint.due_at < now
