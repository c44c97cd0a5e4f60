"""Appending to and reading the recommendation log. The caller owns the transaction: `append`
writes through the caller's session, so the entry, its tree nodes, any checkpoint it triggers and
any personal-data key it creates commit or roll back together with the recommendation.

Appends serialise on the head row, from locking it to the commit (on PostgreSQL they queue for
it on an advisory lock first). Everything that can be done before taking that lock is done
before it (serialising the entry, encrypting personal data, making a new customer's key), and
what is written under it goes in one statement on PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from app.audit import checkpoints, merkle
from app.audit.canonical import canonical_json, leaf_hash, loggable
from app.audit.entries import RECOMMENDATION, InvalidEntry, check_kind, columns_of_header, flatten, header_of, product_key
from app.audit.keys import AuditKeys, current_keys
from app.audit.models import AuditCheckpoint, AuditEntry, AuditHead, AuditTreeNode
from app.audit.personal import NewKey, new_key, new_subject, seal, seal_with, store_key
from app.db import utcnow

RESERVED_MEMBERS = ("index", "time", "kind", "channel", "reference")


class AuditWriteError(RuntimeError):
    pass


class ReferenceTaken(Exception):
    """A recommendation's reference is already logged: nothing was written, and the caller's
    transaction goes on as it was (it may append again under another reference)."""


def append(
    session: Session,
    body: Mapping[str, Any],
    *,
    kind: str,
    channel: str,
    created_at: datetime,
    reference: str | None = None,
    product: str | None = None,
    personal: Mapping[str, Any] | None = None,
    subject: str | None = None,
) -> AuditEntry:
    """Appends an entry. `body` is the record of what happened; its "actor", if any, goes to the
    header. `personal` holds the fields that are personal data: they are sealed with the data key
    of `subject` (a new customer when None) and only the ciphertext is logged. A recommendation
    under a reference already logged raises ReferenceTaken and writes nothing."""
    check_kind(kind)
    record, actor = _record_of(body, product)
    keys = current_keys()
    new_customer_key = _seal_personal(session, record, personal, subject, keys, created_at)
    header = header_of({**record, "actor": loggable(actor), "index": 0, "time": loggable(created_at), "kind": kind,
                        "channel": channel, "reference": reference})
    columns = columns_of_header(header)
    prefix, suffix = leaf_parts(header, canonical_json(record))
    # A plain object rather than one in the session: what was written is final, and reading it
    # must never go back to the database. Built now, so that only the index, leaf and leaf hash
    # are set on it while the log is locked.
    entry = AuditEntry(**columns)
    if session.get_bind().dialect.name == "postgresql":
        index, entry_hash, frontier, checkpointed_at = _numbered_by_the_server(session, prefix, suffix, columns,
                                                                               new_customer_key)
        leaf = prefix + str(index).encode("ascii") + suffix
        if entry_hash != leaf_hash(leaf):
            raise AuditWriteError(f"the database hashed entry {index} differently from us; nothing was logged")
    else:
        if new_customer_key is not None:
            store_key(session, new_customer_key, now=created_at)
        index, leaf, entry_hash, frontier, checkpointed_at = _numbered_here(session, prefix, suffix, columns)
    _checkpoint_if_due(session, index + 1, frontier, checkpointed_at, keys)
    entry.index, entry.leaf, entry.leaf_hash = index, leaf, entry_hash
    return entry


def _record_of(body: Mapping[str, Any], product: str | None) -> tuple[dict[str, Any], Any]:
    """The body as logged, and its actor (which goes to the header instead)."""
    clashing = [name for name in (*RESERVED_MEMBERS, "personal") if name in body]
    if clashing:
        raise InvalidEntry(f"the body may not set {', '.join(clashing)}: append sets them")
    record = dict(body)
    actor = record.pop("actor", None)
    if product is not None and product_key(record.setdefault("product", {"key": product})) != product:
        raise InvalidEntry(f"the body's product is not {product!r}")
    return record, actor


def _seal_personal(session: Session, record: dict[str, Any], personal: Mapping[str, Any] | None,
                   subject: str | None, keys: AuditKeys, created_at: datetime) -> NewKey | None:
    """Puts the sealed personal data into `record`; returns a new customer's key, which the append stores."""
    if personal is not None and subject is None:
        subject = new_subject()
        data_key, new_customer_key = new_key(subject, keys)
        record["personal"] = seal_with(data_key, subject, personal)
        return new_customer_key
    if personal is not None:
        record["personal"] = seal(session, subject, personal, now=created_at)
    elif subject is not None:
        raise InvalidEntry("a subject is only given with the personal data sealed for it")
    return None


def _checkpoint_if_due(session: Session, size: int, frontier: list[bytes], checkpointed_at: datetime | None,
                       keys: AuditKeys) -> None:
    now = utcnow()
    if size % keys.settings.checkpoint_every == 0 or checkpoints.due_by_age(checkpointed_at, now, keys):
        root = merkle.frontier_root(frontier)
        session.execute(insert(AuditCheckpoint.__table__).values(
            tree_size=size, root_hash=root, created_at=now, note=checkpoints.sign(keys, size, root)))
        session.execute(update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1).values(checkpointed_at=now))


_INDEX_PLACEHOLDER = "\x00index\x00"


def leaf_parts(header: Mapping[str, Any], record: bytes) -> tuple[bytes, bytes]:
    """The leaf's bytes before and after the index's digits: the leaf is the canonical JSON of
    {"entry": header, "record": record}, and everything but the index is known before the log
    is locked."""
    marker = canonical_json(_INDEX_PLACEHOLDER)
    before, found, after = canonical_json({**header, "index": _INDEX_PLACEHOLDER}).partition(marker)
    if not found or marker in after:
        raise AuditWriteError("the entry's header cannot be numbered")
    return b'{"entry":' + before, after + b',"record":' + record + b"}"


def make_leaf(header: Mapping[str, Any], record: bytes) -> bytes:
    """The leaf of a header that already has its index, the record already in canonical form."""
    prefix, suffix = leaf_parts(header, record)
    return prefix + str(header["index"]).encode("ascii") + suffix


# PostgreSQL: one call does everything that happens while the head is locked (the migration
# e7b3d5c60005 creates it), so appenders wait only for the server and the commit, never for a
# client process to be scheduled between two statements. A new customer's key goes in the same
# call, stored before the head is locked.
_APPEND = text(
    "SELECT entry_index, entry_leaf_hash, new_frontier, last_checkpointed_at FROM audit_append("
    ":prefix, :suffix, :created_at, :kind, :reference, :channel, :product, :subject, :actor_type, :actor_id, "
    ":recommended_provider, :house_rank, :house_best, :failure_count, :new_wrapped_key, :new_data_key_id)"
)


def _numbered_by_the_server(session: Session, prefix: bytes, suffix: bytes, columns: Mapping[str, Any],
                            new_customer_key: NewKey | None) -> tuple[int, bytes, list[bytes], datetime | None]:
    parameters = {**columns, "prefix": prefix, "suffix": suffix, "new_wrapped_key": None, "new_data_key_id": None}
    if new_customer_key is not None:
        parameters.update(new_wrapped_key=new_customer_key.wrapped_key, new_data_key_id=new_customer_key.data_key_id)
    # session.execute flushes the caller's pending changes first, so they are written before the
    # head is locked, not at the commit while it is held.
    row = session.execute(_APPEND, parameters).one()
    if row.entry_index is None:
        raise ReferenceTaken(columns["reference"])
    frontier = merkle.unpack_frontier(bytes(row.new_frontier))
    return row.entry_index, bytes(row.entry_leaf_hash), frontier, row.last_checkpointed_at


def _numbered_here(session: Session, prefix: bytes, suffix: bytes,
                   columns: Mapping[str, Any]) -> tuple[int, bytes, bytes, list[bytes], datetime | None]:
    """The same steps as audit_append(), for SQLite, where the head's update takes the database's
    write lock."""
    head_table = AuditHead.__table__
    if columns["kind"] == RECOMMENDATION and session.execute(
            select(AuditEntry.index).where(AuditEntry.kind == RECOMMENDATION,
                                           AuditEntry.reference == columns["reference"]).limit(1)).first():
        raise ReferenceTaken(columns["reference"])
    head = session.execute(
        update(head_table).where(head_table.c.id == 1).values(size=head_table.c.size + 1)
        .returning(head_table.c.size, head_table.c.frontier, head_table.c.checkpointed_at)
    ).one_or_none()
    if head is None:
        raise AuditWriteError("the audit log has no head row; run the migrations")
    index = head.size - 1
    leaf = prefix + str(index).encode("ascii") + suffix
    entry_hash = leaf_hash(leaf)
    frontier, completed = merkle.extend(merkle.unpack_frontier(bytes(head.frontier)), index, entry_hash)
    session.execute(insert(AuditEntry.__table__).values(**{**columns, "index": index}, leaf=leaf, leaf_hash=entry_hash))
    if completed:
        session.execute(insert(AuditTreeNode.__table__),
                        [{"level": level, "index": position, "hash": node} for (level, position), node in completed])
    session.execute(update(head_table).where(head_table.c.id == 1).values(frontier=merkle.pack_frontier(frontier)))
    return index, leaf, entry_hash, frontier, head.checkpointed_at


def document(entry: AuditEntry) -> dict[str, Any]:
    """The entry as one flat document: its record with its index, time, kind, channel,
    reference and actor. Parsed by orjson: a leaf is canonical JSON (safe integers, no floats or
    duplicate keys), which it reads into the very objects json.loads would, some 3x faster."""
    return flatten(orjson.loads(entry.leaf))


def latest_for_reference(session: Session, reference: str, kinds: tuple[str, ...]) -> AuditEntry | None:
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.reference == reference, AuditEntry.kind.in_(kinds))
        .order_by(AuditEntry.index.desc())
        .limit(1)
    ).first()


def entries_for_reference(session: Session, reference: str) -> list[AuditEntry]:
    return list(session.scalars(
        select(AuditEntry).where(AuditEntry.reference == reference).order_by(AuditEntry.index)))


def size(session: Session) -> int:
    return session.execute(select(AuditHead.size).where(AuditHead.id == 1)).scalar_one()
