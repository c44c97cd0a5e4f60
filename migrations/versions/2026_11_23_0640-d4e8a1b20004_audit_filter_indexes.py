"""Indexes for the compliance list's rarer filters, so a keyset page never reads the whole log.

Revision ID: d4e8a1b20004
Revises: b6a0c0000001
Create Date: 2026-11-23 06:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = "d4e8a1b20004"
down_revision = "b6a0c0000001"
branch_labels = None
depends_on = None

PAIRS = {
    "ix_audit_entries_channel_index": "channel",
    "ix_audit_entries_actor_index": "actor_id",
    "ix_audit_entries_recommended_index": "recommended_provider",
    "ix_audit_entries_house_rank_index": "house_rank",
    "ix_audit_entries_house_best_index": "house_best",
}


RESULTS = sa.text("kind IN ('recommendation', 're-rank')")


def upgrade():
    for name, column in PAIRS.items():
        op.create_index(name, "audit_entries", [column, "index"])
    op.create_index("ix_audit_entries_results", "audit_entries", ["index"],
                    postgresql_where=RESULTS, sqlite_where=RESULTS)
    op.create_index("ix_audit_entries_with_failures", "audit_entries", ["index"],
                    postgresql_where=sa.text("failure_count > 0"), sqlite_where=sa.text("failure_count > 0"))


def downgrade():
    op.drop_index("ix_audit_entries_results", table_name="audit_entries")
    op.drop_index("ix_audit_entries_with_failures", table_name="audit_entries")
    for name in PAIRS:
        op.drop_index(name, table_name="audit_entries")
