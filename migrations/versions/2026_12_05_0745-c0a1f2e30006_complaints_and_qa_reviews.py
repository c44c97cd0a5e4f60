"""Complaints and quality-assurance reviews: projections of their log entries (the log is the
record), and the QA sampling watermark.

Revision ID: c0a1f2e30006
Revises: f1a2b3c40006
Create Date: 2026-12-05 07:45:00
"""
from alembic import op
import sqlalchemy as sa

from app.db import UTCDateTime

revision = "c0a1f2e30006"
down_revision = "f1a2b3c40006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "complaints",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("about_reference", sa.String(length=32), nullable=False),
        sa.Column("about_index", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=32), nullable=True),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("advisor_id", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("raised_index", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("redress_amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("redress_currency", sa.String(length=3), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("notes", sa.Integer(), nullable=False),
        sa.Column("last_index", sa.Integer(), nullable=False),
        sa.Column("expired_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_complaints_known_status")),
        sa.CheckConstraint("(status = 'resolved') = (resolved_at IS NOT NULL)",
                           name=op.f("ck_complaints_resolved_has_time")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index("ix_complaints_status_due_at", "complaints", ["status", "due_at"])
    op.create_index("ix_complaints_raised_at", "complaints", ["raised_at"])
    op.create_index("ix_complaints_about_reference", "complaints", ["about_reference"])
    op.create_table(
        "qa_reviews",
        sa.Column("decision_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("advisor_id", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=32), nullable=True),
        sa.Column("override", sa.Boolean(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("share", sa.Numeric(5, 4), nullable=False),
        sa.Column("sampled_index", sa.Integer(), nullable=False),
        sa.Column("sampled_at", UTCDateTime(), nullable=False),
        sa.Column("reviewer_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("review_index", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("review_subject", sa.String(length=40), nullable=True),
        sa.Column("expired_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('pass', 'fail', 'needs-coaching')",
                           name=op.f("ck_qa_reviews_known_outcome")),
        sa.CheckConstraint("(outcome IS NULL) = (reviewed_at IS NULL)", name=op.f("ck_qa_reviews_reviewed_has_time")),
        sa.PrimaryKeyConstraint("decision_index", name=op.f("pk_qa_reviews")),
        sa.UniqueConstraint("sampled_index", name=op.f("uq_qa_reviews_sampled_index")),
    )
    op.create_index("ix_qa_reviews_advisor_id_decided_at", "qa_reviews", ["advisor_id", "decided_at"])
    op.create_index("ix_qa_reviews_outcome", "qa_reviews", ["outcome"])
    op.create_table(
        "qa_sampling_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("considered_through", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_qa_sampling_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_sampling_head")),
    )
    op.execute("INSERT INTO qa_sampling_head (id, considered_through) VALUES (1, -1)")


def downgrade():
    op.drop_table("qa_sampling_head")
    op.drop_index("ix_qa_reviews_outcome", table_name="qa_reviews")
    op.drop_index("ix_qa_reviews_advisor_id_decided_at", table_name="qa_reviews")
    op.drop_table("qa_reviews")
    op.drop_index("ix_complaints_about_reference", table_name="complaints")
    op.drop_index("ix_complaints_raised_at", table_name="complaints")
    op.drop_index("ix_complaints_status_due_at", table_name="complaints")
    op.drop_table("complaints")
