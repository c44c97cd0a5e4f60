"""Finding entries, for the compliance console and exports: filters on the columns copied from
each entry's header, and keyset pagination on the index (newest first), so a page costs the same
at entry 10 as at entry 10,000,000. The leaf is not loaded; `document(entry)` loads it on use."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer

from app.audit.models import AuditEntry

MAX_PAGE = 500


@dataclass(frozen=True)
class EntryFilter:
    """Every field left None does not filter. Times are UTC-aware; `until` is exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    kinds: Sequence[str] | None = None
    product: str | None = None
    channel: str | None = None
    actor_type: str | None = None
    actor_id: str | None = None
    recommended_provider: str | None = None
    house_rank: int | None = None
    house_best: bool | None = None
    with_failures: bool | None = None
    reference: str | None = None
    subject: str | None = None

    def apply(self, statement: Select[Any]) -> Select[Any]:
        for value, condition in (
            (self.since, lambda v: AuditEntry.created_at >= v),
            (self.until, lambda v: AuditEntry.created_at < v),
            (self.kinds, lambda v: AuditEntry.kind.in_(list(v))),
            (self.product, lambda v: AuditEntry.product == v),
            (self.channel, lambda v: AuditEntry.channel == v),
            (self.actor_type, lambda v: AuditEntry.actor_type == v),
            (self.actor_id, lambda v: AuditEntry.actor_id == v),
            (self.recommended_provider, lambda v: AuditEntry.recommended_provider == v),
            (self.house_rank, lambda v: AuditEntry.house_rank == v),
            (self.house_best, lambda v: AuditEntry.house_best.is_(v)),
            (self.with_failures, lambda v: AuditEntry.failure_count > 0 if v else AuditEntry.failure_count == 0),
            (self.reference, lambda v: AuditEntry.reference == v),
            (self.subject, lambda v: AuditEntry.subject == v),
        ):
            if value is not None:
                statement = statement.where(condition(value))
        return statement


@dataclass(frozen=True)
class EntryPage:
    """Entries newest first; `older_than` / `newer_than` are the cursors for the neighbouring
    pages (None when there is nothing there)."""

    entries: list[AuditEntry]
    older_than: int | None
    newer_than: int | None


def list_entries(session: Session, filters: EntryFilter = EntryFilter(), *, older_than: int | None = None,
                 newer_than: int | None = None, limit: int = 50) -> EntryPage:
    """A page of entries matching `filters`: the newest, or those just older than index
    `older_than`, or just newer than `newer_than` (one cursor at most)."""
    if older_than is not None and newer_than is not None:
        raise ValueError("page from one cursor: older_than or newer_than")
    limit = max(1, min(limit, MAX_PAGE))
    statement = filters.apply(select(AuditEntry).options(defer(AuditEntry.leaf)))
    if newer_than is not None:
        rows = list(session.scalars(statement.where(AuditEntry.index > newer_than)
                                    .order_by(AuditEntry.index.asc()).limit(limit + 1)))
        more_newer = len(rows) > limit
        entries = list(reversed(rows[:limit]))
        more_older = True
    else:
        if older_than is not None:
            statement = statement.where(AuditEntry.index < older_than)
        rows = list(session.scalars(statement.order_by(AuditEntry.index.desc()).limit(limit + 1)))
        more_older = len(rows) > limit
        entries = rows[:limit]
        more_newer = older_than is not None
    if not entries:
        return EntryPage([], None, None)
    older = entries[-1].index if more_older and _exists(session, filters, below=entries[-1].index) else None
    newer = entries[0].index if more_newer and _exists(session, filters, above=entries[0].index) else None
    return EntryPage(entries, older, newer)


def _exists(session: Session, filters: EntryFilter, *, below: int | None = None, above: int | None = None) -> bool:
    statement = filters.apply(select(AuditEntry.index))
    if below is not None:
        statement = statement.where(AuditEntry.index < below)
    if above is not None:
        statement = statement.where(AuditEntry.index > above)
    return session.scalar(statement.limit(1)) is not None


def iter_entries(session: Session, filters: EntryFilter = EntryFilter(), *, batch_size: int = 1000) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, in batches with their leaves: for streamed exports."""
    after = -1
    while True:
        batch = list(session.scalars(filters.apply(select(AuditEntry)).where(AuditEntry.index > after)
                                     .order_by(AuditEntry.index).limit(batch_size)))
        if not batch:
            return
        yield from batch
        after = batch[-1].index
