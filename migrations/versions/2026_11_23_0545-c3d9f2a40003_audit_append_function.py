"""PostgreSQL: the part of an append that runs while the log's head is locked, as one function,
so appenders wait for each other only as long as the server works and the commit takes — never
for a client process to be scheduled between two statements.

audit_append() numbers the entry, builds its leaf from the parts around the index (the client
serialised everything else beforehand), hashes it (RFC 9162 leaf hash), stores it with its
columns, extends the tree's right edge storing every subtree it completes, and returns what the
client needs. SQLite runs the same steps in Python (app/audit/log.py); the tests hold both to a
naive RFC 9162 tree.

Revision ID: c3d9f2a40003
Revises: b7e2c4d10002
Create Date: 2026-11-23 05:45:00
"""
from alembic import op

revision = "c3d9f2a40003"
down_revision = "b7e2c4d10002"
branch_labels = None
depends_on = None

FUNCTION = r"""
CREATE FUNCTION audit_append(
    leaf_prefix bytea, leaf_suffix bytea, entry_created_at timestamptz, entry_kind text, entry_reference text,
    entry_channel text, entry_product text, entry_subject text, entry_actor_type text, entry_actor_id text,
    entry_recommended_provider text, entry_house_rank integer, entry_house_best boolean,
    entry_failure_count integer,
    OUT entry_index integer, OUT entry_leaf_hash bytea, OUT new_frontier bytea,
    OUT last_checkpointed_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    entry_leaf bytea;
    node bytea;
    node_level integer := 0;
    node_position integer;
BEGIN
    UPDATE audit_head SET size = size + 1 WHERE id = 1
        RETURNING size - 1, frontier, checkpointed_at INTO entry_index, new_frontier, last_checkpointed_at;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the audit log has no head row; run the migrations';
    END IF;
    entry_leaf := leaf_prefix || convert_to(entry_index::text, 'UTF8') || leaf_suffix;
    entry_leaf_hash := sha256('\x00'::bytea || entry_leaf);
    INSERT INTO audit_entries ("index", created_at, kind, reference, channel, product, leaf, leaf_hash, subject,
                               actor_type, actor_id, recommended_provider, house_rank, house_best, failure_count)
    VALUES (entry_index, entry_created_at, entry_kind, entry_reference, entry_channel, entry_product, entry_leaf,
            entry_leaf_hash, entry_subject, entry_actor_type, entry_actor_id, entry_recommended_provider,
            entry_house_rank, entry_house_best, entry_failure_count);
    node := entry_leaf_hash;
    node_position := entry_index;
    WHILE node_position % 2 = 1 LOOP
        node := sha256('\x01'::bytea || substring(new_frontier FROM length(new_frontier) - 31 FOR 32) || node);
        new_frontier := substring(new_frontier FROM 1 FOR length(new_frontier) - 32);
        node_level := node_level + 1;
        node_position := node_position / 2;
        INSERT INTO audit_tree_nodes (level, "index", hash) VALUES (node_level, node_position, node);
    END LOOP;
    new_frontier := new_frontier || node;
    UPDATE audit_head SET frontier = new_frontier WHERE id = 1;
END;
$$;
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_append(bytea, bytea, timestamptz, text, text, text, text, text, text, text, "
                   "text, integer, boolean, integer)")
