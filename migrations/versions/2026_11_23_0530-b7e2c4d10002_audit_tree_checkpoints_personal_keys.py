"""The log's Merkle tree (stored subtree hashes and the head's right edge), signed checkpoints,
per-customer personal-data keys, and the columns copied out of each leaf for finding entries.

Existing entries are backfilled: their copied columns (with the append-only triggers lifted for
the duration, which only the table's owner can do) and the tree nodes over them.

Revision ID: b7e2c4d10002
Revises: a1c0f0000001
Create Date: 2026-11-23 05:30:00
"""
import json

from alembic import op
import sqlalchemy as sa

from app.audit import merkle
from app.audit.entries import columns_of
from app.db import UTCDateTime

revision = "b7e2c4d10002"
down_revision = "a1c0f0000001"
branch_labels = None
depends_on = None

NEW_APPEND_ONLY_TABLES = ("audit_tree_nodes", "audit_checkpoints")
COPIED_COLUMNS = ("subject", "actor_type", "actor_id", "recommended_provider", "house_rank", "house_best",
                  "failure_count")
ENTRIES_MESSAGE = "audit_entries is append-only: entries are never updated or deleted"
BATCH = 5000

POSTGRESQL_FUNCTION = """
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: its rows are never updated or deleted', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def _postgresql_triggers(table):
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
    ]


def _sqlite_triggers(table, message):
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


def _backfill(connection, dialect):
    entries = sa.table("audit_entries", sa.column("index", sa.Integer), sa.column("leaf", sa.LargeBinary),
                       sa.column("leaf_hash", sa.LargeBinary), *(sa.column(name) for name in COPIED_COLUMNS))
    nodes = sa.table("audit_tree_nodes", sa.column("level", sa.SmallInteger), sa.column("index", sa.Integer),
                     sa.column("hash", sa.LargeBinary))
    head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("size", sa.Integer),
                    sa.column("frontier", sa.LargeBinary))
    size = connection.execute(sa.select(head.c.size).where(head.c.id == 1)).scalar_one()
    if size == 0:
        return
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update")
    else:
        op.execute("DROP TRIGGER audit_entries_no_update")
    frontier, expected, after = [], 0, -1
    while True:
        rows = connection.execute(
            sa.select(entries.c.index, entries.c.leaf, entries.c.leaf_hash)
            .where(entries.c.index > after).order_by(entries.c.index).limit(BATCH)).all()
        if not rows:
            break
        completed_nodes = []
        for index, leaf, stored_hash in rows:
            if index != expected:
                raise RuntimeError(f"audit_entries has no entry {expected}; the log must be repaired before upgrading")
            leaf = bytes(leaf)
            if merkle.leaf_hash(leaf) != bytes(stored_hash):
                raise RuntimeError(f"audit entry {index} does not match its leaf hash; the log has been altered")
            frontier, completed = merkle.extend(frontier, index, bytes(stored_hash))
            completed_nodes.extend({"level": level, "index": node_index, "hash": value}
                                   for (level, node_index), value in completed)
            copied = columns_of(json.loads(leaf))
            connection.execute(entries.update().where(entries.c.index == index)
                               .values({name: copied[name] for name in COPIED_COLUMNS}))
            expected += 1
        if completed_nodes:
            connection.execute(nodes.insert(), completed_nodes)
        after = rows[-1][0]
    if expected != size:
        raise RuntimeError(f"audit_head says {size} entries but audit_entries holds {expected}")
    connection.execute(head.update().where(head.c.id == 1).values(frontier=merkle.pack_frontier(frontier)))
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_update")
    else:
        op.execute(_sqlite_triggers("audit_entries", ENTRIES_MESSAGE)[0])


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"append-only triggers are written for PostgreSQL and SQLite, not {dialect}")
    op.add_column("audit_entries", sa.Column("subject", sa.String(length=40), nullable=True))
    op.add_column("audit_entries", sa.Column("actor_type", sa.String(length=16), nullable=True))
    op.add_column("audit_entries", sa.Column("actor_id", sa.String(length=64), nullable=True))
    op.add_column("audit_entries", sa.Column("recommended_provider", sa.String(length=64), nullable=True))
    op.add_column("audit_entries", sa.Column("house_rank", sa.Integer(), nullable=True))
    op.add_column("audit_entries", sa.Column("house_best", sa.Boolean(), nullable=True))
    op.add_column("audit_entries", sa.Column("failure_count", sa.Integer(), nullable=True))
    op.create_index("ix_audit_entries_kind_index", "audit_entries", ["kind", "index"])
    op.create_index("ix_audit_entries_subject", "audit_entries", ["subject"])
    empty_bytes = sa.text("''::bytea") if dialect == "postgresql" else sa.text("X''")
    op.add_column("audit_head", sa.Column("frontier", sa.LargeBinary(), nullable=False, server_default=empty_bytes))
    op.add_column("audit_head", sa.Column("checkpointed_at", UTCDateTime(), nullable=True))

    op.create_table(
        "audit_tree_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.CheckConstraint("level >= 1", name=op.f("ck_audit_tree_nodes_level_above_leaves")),
        sa.CheckConstraint('"index" >= 0', name=op.f("ck_audit_tree_nodes_index_not_negative")),
        sa.PrimaryKeyConstraint("level", "index", name=op.f("pk_audit_tree_nodes")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("tree_size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("tree_size >= 0", name=op.f("ck_audit_checkpoints_tree_size_not_negative")),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_checkpoints")),
    )
    op.create_table(
        "audit_personal_keys",
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=False),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
        sa.Column("erased_by_type", sa.String(length=16), nullable=True),
        sa.Column("erased_by_id", sa.String(length=64), nullable=True),
        sa.Column("erasure_reason", sa.String(length=200), nullable=True),
        sa.Column("erasure_index", sa.Integer(), nullable=True),
        sa.CheckConstraint("(wrapped_key IS NULL) = (erased_at IS NOT NULL)",
                           name=op.f("ck_audit_personal_keys_erased_xor_key")),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_audit_personal_keys")),
    )
    op.create_index("ix_audit_personal_keys_last_used_at", "audit_personal_keys", ["last_used_at"])

    _backfill(op.get_bind(), dialect)

    if dialect == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        for table in NEW_APPEND_ONLY_TABLES:
            for statement in _postgresql_triggers(table):
                op.execute(statement)
    else:
        for table in NEW_APPEND_ONLY_TABLES:
            for statement in _sqlite_triggers(table, f"{table} is append-only: its rows are never updated or deleted"):
                op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_audit_personal_keys_last_used_at", table_name="audit_personal_keys")
    op.drop_table("audit_personal_keys")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_tree_nodes")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION audit_append_only()")
    op.drop_column("audit_head", "checkpointed_at")
    op.drop_column("audit_head", "frontier")
    op.drop_index("ix_audit_entries_subject", table_name="audit_entries")
    op.drop_index("ix_audit_entries_kind_index", table_name="audit_entries")
    for name in reversed(COPIED_COLUMNS):
        op.drop_column("audit_entries", name)
