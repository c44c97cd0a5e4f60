"""A comparison's reference is made unique by the database: at most one recommendation entry per
reference (re-ranks, advisors' outcomes and erasures share their comparison's reference, so the
index covers recommendations only). The comparison draws a reference and appends; a clash on this
index makes it draw again (app/comparison/references.py) instead of querying the log first.

Revision ID: a9c4e1d20008
Revises: d2b7e8f40007
Create Date: 2026-12-05 17:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "a9c4e1d20008"
down_revision = "d2b7e8f40007"
branch_labels = None
depends_on = None

RECOMMENDATIONS = sa.text("kind = 'recommendation'")


def upgrade():
    op.create_index("uq_audit_entries_reference", "audit_entries", ["reference"], unique=True,
                    postgresql_where=RECOMMENDATIONS, sqlite_where=RECOMMENDATIONS)


def downgrade():
    op.drop_index("uq_audit_entries_reference", table_name="audit_entries")
