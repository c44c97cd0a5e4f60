"""What a complaint is made of in the log: its entry kinds, categories, outcomes, and the fold that
turns its entries, in log order, into the queue's row. The live actions and `rebuild` both use
`apply`, so the queue is the same whether it was kept up as events happened or recomputed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.audit import ERASURE
from app.complaints.models import OPEN, RESOLVED, Complaint

RAISED = "complaint-raised"
ASSIGNED = "complaint-assigned"
NOTED = "complaint-noted"
RESOLVED_KIND = "complaint-resolved"
KINDS = (RAISED, ASSIGNED, NOTED, RESOLVED_KIND)

CATEGORIES = {
    "price-shown": "The price shown",
    "steering": "Steered towards an offer",
    "advice": "The advice given",
    "data": "Use of personal data",
    "service": "Service",
}
UPHELD = "upheld"
NOT_UPHELD = "not-upheld"
OUTCOMES = {UPHELD: "Upheld", NOT_UPHELD: "Not upheld"}


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def apply(session: Session, logged: Mapping[str, Any], subject: str | None) -> Complaint | None:
    """Applies one logged complaint entry (a flat document, `app.audit.document`) to the queue and
    returns the complaint's row (None for an entry about no complaint of ours)."""
    kind, index, time = logged["kind"], logged["index"], parse_time(logged["time"])
    if kind == RAISED:
        about = logged["about"]
        row = Complaint(
            id=logged["complaint"], about_reference=about["reference"], about_index=about["index"],
            product=(logged.get("product") or {}).get("key"), provider=logged.get("provider"),
            advisor_id=logged.get("advisor"), category=logged["category"], channel=logged["channel"],
            subject=subject, raised_at=time, raised_index=index, due_at=parse_time(logged["due"]), status=OPEN,
            notes=0, last_index=index)
        session.add(row)
        return row
    row = session.get(Complaint, logged["complaint"])
    if row is None:
        return None
    if kind == ASSIGNED:
        row.owner_id = logged["owner"]
    elif kind == NOTED:
        row.notes += 1
    elif kind == RESOLVED_KIND:
        redress = logged.get("redress")
        row.status, row.outcome, row.resolved_at = RESOLVED, logged["outcome"], time
        row.redress_amount = None if redress is None else Decimal(redress["amount"])
        row.redress_currency = None if redress is None else redress["currency"]
    row.last_index = index
    return row


def apply_erasure(session: Session, logged: Mapping[str, Any]) -> None:
    """An erasure of a complaint's sealed text (by retention or on request) marks its row."""
    if logged["kind"] != ERASURE:
        return
    row = session.query(Complaint).filter(Complaint.subject == logged.get("subject")).one_or_none()
    if row is not None and row.expired_at is None:
        row.expired_at = parse_time(logged["time"])
