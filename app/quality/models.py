"""The review queue: a projection of the log's qa-sampled and qa-reviewed entries, one row per
drawn call, and the sampling watermark (how far through the log's decided calls the draw has got)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db

PASS = "pass"
FAIL = "fail"
NEEDS_COACHING = "needs-coaching"
OUTCOMES = (PASS, FAIL, NEEDS_COACHING)


class QaReview(db.Model):
    __tablename__ = "qa_reviews"

    decision_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    reference: Mapped[str] = mapped_column(String(32), nullable=False)
    advisor_id: Mapped[str] = mapped_column(String(64), nullable=False)
    product: Mapped[str | None] = mapped_column(String(32))
    override: Mapped[bool] = mapped_column(nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    rule: Mapped[str] = mapped_column(String(16), nullable=False)
    share: Mapped[Decimal] = mapped_column(Numeric(5, 4), nullable=False)
    sampled_index: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reviewer_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(16))
    review_index: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_subject: Mapped[str | None] = mapped_column(String(40))
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("outcome IS NULL OR outcome IN ('pass', 'fail', 'needs-coaching')", name="known_outcome"),
        CheckConstraint("(outcome IS NULL) = (reviewed_at IS NULL)", name="reviewed_has_time"),
        Index("ix_qa_reviews_advisor_id_decided_at", "advisor_id", "decided_at"),
        Index("ix_qa_reviews_outcome", "outcome"),
    )


class QaSamplingHead(db.Model):
    """One row: every advisor decision or override up to `considered_through` (an entry index) has
    had its draw; the next run starts after it."""

    __tablename__ = "qa_sampling_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    considered_through: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
