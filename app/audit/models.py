from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db

# Named as the "uq" naming convention would name it (app/db.py): a clash is recognised by this name.
UNIQUE_REFERENCE = "uq_audit_entries_reference"


class AuditEntry(db.Model):
    """One log entry. Append-only: database triggers reject UPDATE and DELETE (and TRUNCATE on
    PostgreSQL). `leaf` holds the exact bytes the Merkle tree hashes; every other column is a copy
    of something in the leaf, kept for finding entries, and `flask audit verify` checks each one
    against the leaf."""

    __tablename__ = "audit_entries"

    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    reference: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    product: Mapped[str | None] = mapped_column(String(32))
    leaf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(40))
    actor_type: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    recommended_provider: Mapped[str | None] = mapped_column(String(64))
    house_rank: Mapped[int | None] = mapped_column(Integer)
    house_best: Mapped[bool | None] = mapped_column(Boolean)
    failure_count: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint('"index" >= 0', name="index_not_negative"),
        Index("ix_audit_entries_reference_index", "reference", "index"),
        # A reference names one comparison: a fresh one is drawn and appended, and a clash on this
        # index draws again (app/comparison/references.py). Its other entries share the reference.
        Index(UNIQUE_REFERENCE, "reference", unique=True, postgresql_where=text("kind = 'recommendation'"),
              sqlite_where=text("kind = 'recommendation'")),
        Index("ix_audit_entries_created_at", "created_at"),
        Index("ix_audit_entries_kind_index", "kind", "index"),
        Index("ix_audit_entries_subject", "subject"),
        # Keyset pages of the compliance list walk an index in entry order; a filter that matches
        # few entries needs its own, or the walk reads the whole log to fill a page.
        Index("ix_audit_entries_channel_index", "channel", "index"),
        Index("ix_audit_entries_actor_index", "actor_id", "index"),
        Index("ix_audit_entries_recommended_index", "recommended_provider", "index"),
        Index("ix_audit_entries_house_rank_index", "house_rank", "index"),
        Index("ix_audit_entries_house_best_index", "house_best", "index"),
        Index("ix_audit_entries_results", "index",
              postgresql_where=text("kind IN ('recommendation', 're-rank')"),
              sqlite_where=text("kind IN ('recommendation', 're-rank')")),
        Index("ix_audit_entries_with_failures", "index", postgresql_where=text("failure_count > 0"),
              sqlite_where=text("failure_count > 0")),
    )


class AuditHead(db.Model):
    """The log's size and right edge, in a single row. Appends lock it first, which serialises
    concurrent appends (a row lock on PostgreSQL, the write lock on SQLite) and keeps indices
    dense. `frontier` is the hashes of the complete subtrees that make up the tree, largest first:
    enough to extend the tree and compute its head without reading anything else.
    `checkpointed_at` is when an append last signed a checkpoint."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    frontier: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, default=b"")
    checkpointed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class AuditTreeNode(db.Model):
    """The hash of every complete subtree of level ≥ 1 (level 0, the leaf hashes, live in
    audit_entries), written in the transaction of the append that completes it. Append-only."""

    __tablename__ = "audit_tree_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)

    __table_args__ = (
        CheckConstraint("level >= 1", name="level_above_leaves"),
        CheckConstraint('"index" >= 0', name="index_not_negative"),
    )


class AuditCheckpoint(db.Model):
    """A signed tree head: `note` is the C2SP signed note exactly as published. Append-only."""

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (CheckConstraint("tree_size >= 0", name="tree_size_not_negative"),)


class PersonalDataKey(db.Model):
    """A customer's personal-data key, wrapped by CANDOR_DATA_KEY. Not append-only: erasure
    destroys `wrapped_key`, which makes the personal data in that customer's entries unreadable
    while the entries themselves, and the proofs over them, stay exactly as they were."""

    __tablename__ = "audit_personal_keys"

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_by_type: Mapped[str | None] = mapped_column(String(16))
    erased_by_id: Mapped[str | None] = mapped_column(String(64))
    erasure_reason: Mapped[str | None] = mapped_column(String(200))
    erasure_index: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("(wrapped_key IS NULL) = (erased_at IS NOT NULL)", name="erased_xor_key"),
        Index("ix_audit_personal_keys_last_used_at", "last_used_at"),
    )


class AuditCosignature(db.Model):
    """A witness's cosignature of one of our checkpoints (C2SP tlog-cosignature, cosignature/v1):
    `line` is the signature line exactly as the witness sent it, checked against the witness's key
    before it was stored; `cosigned_at` is the time inside it. Append-only."""

    __tablename__ = "audit_cosignatures"

    tree_size: Mapped[int] = mapped_column(Integer, ForeignKey("audit_checkpoints.tree_size"), primary_key=True,
                                           autoincrement=False)
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    cosigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    line: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (Index("ix_audit_cosignatures_witness_size", "witness", "key_id", "tree_size"),)
