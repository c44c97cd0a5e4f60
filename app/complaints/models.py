"""The complaints queue: a projection of the log's complaint entries, one row per complaint.
The log is the record; a row holds nothing that is not in its entries (the free text stays sealed
in the log) and `app.complaints.service.rebuild` recomputes every row from them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db

OPEN = "open"
RESOLVED = "resolved"


class Complaint(db.Model):
    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    about_reference: Mapped[str] = mapped_column(String(32), nullable=False)
    about_index: Mapped[int] = mapped_column(Integer, nullable=False)
    product: Mapped[str | None] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(64))
    advisor_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    subject: Mapped[str] = mapped_column(String(40), nullable=False)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    raised_index: Mapped[int] = mapped_column(Integer, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    outcome: Mapped[str | None] = mapped_column(String(16))
    redress_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    redress_currency: Mapped[str | None] = mapped_column(String(3))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_index: Mapped[int] = mapped_column(Integer, nullable=False)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved')", name="known_status"),
        CheckConstraint("(status = 'resolved') = (resolved_at IS NOT NULL)", name="resolved_has_time"),
        Index("ix_complaints_status_due_at", "status", "due_at"),
        Index("ix_complaints_raised_at", "raised_at"),
        Index("ix_complaints_about_reference", "about_reference"),
    )
