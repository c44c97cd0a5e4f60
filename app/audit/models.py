from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db


class AuditEntry(db.Model):
    """One log entry. Append-only: database triggers reject UPDATE and DELETE (and TRUNCATE on
    PostgreSQL). `leaf` holds the exact bytes the Merkle tree hashes."""

    __tablename__ = "audit_entries"

    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    reference: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    product: Mapped[str | None] = mapped_column(String(32))
    leaf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)

    __table_args__ = (
        CheckConstraint('"index" >= 0', name="index_not_negative"),
        Index("ix_audit_entries_reference_index", "reference", "index"),
        Index("ix_audit_entries_created_at", "created_at"),
    )


class AuditHead(db.Model):
    """The log's size, in a single row. Appends increment it first, which serialises concurrent
    appends (a row lock on PostgreSQL, the write lock on SQLite) and keeps indices dense."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
