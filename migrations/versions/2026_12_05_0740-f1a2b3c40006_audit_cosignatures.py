"""Witness cosignatures of our checkpoints (C2SP tlog-cosignature), append-only like the
checkpoints they vouch for.

Revision ID: f1a2b3c40006
Revises: e7b3d5c60005
Create Date: 2026-12-05 07:40:00
"""
from alembic import op
import sqlalchemy as sa

from app.db import UTCDateTime

revision = "f1a2b3c40006"
down_revision = "e7b3d5c60005"
branch_labels = None
depends_on = None

TABLE = "audit_cosignatures"
MESSAGE = f"{TABLE} is append-only: its rows are never updated or deleted"


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"append-only triggers are written for PostgreSQL and SQLite, not {dialect}")
    op.create_table(
        TABLE,
        sa.Column("tree_size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("cosigned_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["tree_size"], ["audit_checkpoints.tree_size"],
                                name=op.f("fk_audit_cosignatures_tree_size_audit_checkpoints")),
        sa.PrimaryKeyConstraint("tree_size", "witness", "key_id", name=op.f("pk_audit_cosignatures")),
    )
    op.create_index("ix_audit_cosignatures_witness_size", TABLE, ["witness", "key_id", "tree_size"])
    if dialect == "postgresql":
        # audit_append_only() is the function the checkpoints' triggers already use (b7e2c4d10002).
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
                       "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
        op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade():
    op.drop_index("ix_audit_cosignatures_witness_size", table_name=TABLE)
    op.drop_table(TABLE)
