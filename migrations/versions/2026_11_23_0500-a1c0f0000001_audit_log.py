"""The recommendation log: append-only entries and the single-row head that numbers them.

Revision ID: a1c0f0000001
Revises:
Create Date: 2026-11-23 05:00:00
"""
from alembic import op
import sqlalchemy as sa

from app.db import UTCDateTime

revision = "a1c0f0000001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "audit_entries is append-only: entries are never updated or deleted"

POSTGRESQL_UP = f"""
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
"""

SQLITE_UP = (
    f"""CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
)


def upgrade():
    op.create_table(
        "audit_entries",
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("product", sa.String(length=32), nullable=True),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.CheckConstraint('"index" >= 0', name=op.f("ck_audit_entries_index_not_negative")),
        sa.PrimaryKeyConstraint("index", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_reference_index", "audit_entries", ["reference", "index"])
    op.create_index("ix_audit_entries_created_at", "audit_entries", ["created_at"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.execute("INSERT INTO audit_head (id, size) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(POSTGRESQL_UP)
    elif dialect == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    else:
        raise RuntimeError(f"append-only triggers are written for PostgreSQL and SQLite, not {dialect}")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TABLE audit_entries CASCADE")
        op.execute("DROP FUNCTION audit_entries_append_only()")
    else:
        op.drop_table("audit_entries")
    op.drop_table("audit_head")
