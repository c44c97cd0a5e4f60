"""Which advisor ran which comparison. The log is the record; this table lets an advisor list their
own calls quickly and makes "one outcome per call" a constraint rather than a search of the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db


class AdvisorCall(db.Model):
    __tablename__ = "advisor_calls"

    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    product: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    outcome_index: Mapped[int | None] = mapped_column(Integer)
    outcome_kind: Mapped[str | None] = mapped_column(String(32))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_advisor_calls_advisor_id_created_at", "advisor_id", "created_at"),)
