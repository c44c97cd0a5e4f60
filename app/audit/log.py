"""Appending to and reading the recommendation log. The caller owns the transaction: `append`
writes through the caller's session, so the entry, its tree nodes, any checkpoint it triggers and
any personal-data key it creates commit or roll back together with the recommendation.

Appends serialise on the head row, from its update to the commit. Everything that can be done
before taking that lock is done before it (serialising the entry, encrypting personal data), and
what is written under it goes in one statement on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from app.audit import checkpoints, merkle
from app.audit.canonical import canonical_json, leaf_hash, loggable
from app.audit.entries import InvalidEntry, check_kind, columns_of_header, flatten, header_of, product_key
from app.audit.keys import current_keys
from app.audit.models import AuditCheckpoint, AuditEntry, AuditHead, AuditTreeNode
from app.audit.personal import new_subject, seal
from app.db import utcnow

RESERVED_MEMBERS = ("index", "time", "kind", "channel", "reference")


class AuditWriteError(RuntimeError):
    pass


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
    of `subject` (a new customer when None) and only the ciphertext is logged."""
    check_kind(kind)
    clashing = [name for name in (*RESERVED_MEMBERS, "personal") if name in body]
    if clashing:
        raise InvalidEntry(f"the body may not set {', '.join(clashing)}: append sets them")
    record = dict(body)
    actor = record.pop("actor", None)
    if product is not None and product_key(record.setdefault("product", {"key": product})) != product:
        raise InvalidEntry(f"the body's product is not {product!r}")
    if personal is not None:
        record["personal"] = seal(session, subject or new_subject(), personal, now=created_at, new=subject is None)
    elif subject is not None:
        raise InvalidEntry("a subject is only given with the personal data sealed for it")
    header = header_of({**record, "actor": loggable(actor), "index": 0, "time": loggable(created_at), "kind": kind,
                        "channel": channel, "reference": reference})
    columns = columns_of_header(header)
    record_bytes = canonical_json(record)
    keys = current_keys()

    head = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(size=AuditHead.size + 1)
        .returning(AuditHead.size, AuditHead.frontier, AuditHead.checkpointed_at)
    ).one_or_none()
    if head is None:
        raise AuditWriteError("the audit log has no head row; run the migrations")
    index = head.size - 1
    header["index"] = index
    leaf = make_leaf(header, record_bytes)
    entry_hash = leaf_hash(leaf)
    frontier, completed = merkle.extend(merkle.unpack_frontier(bytes(head.frontier)), index, entry_hash)
    values = {**columns, "index": index, "leaf": leaf, "leaf_hash": entry_hash}
    nodes = [{"level": level, "index": node_index, "hash": node} for (level, node_index), node in completed]
    size = index + 1
    now = utcnow()
    note = None
    if size % keys.settings.checkpoint_every == 0 or checkpoints.due_by_age(head.checkpointed_at, now, keys):
        note = checkpoints.sign(keys, size, merkle.frontier_root(frontier))
    write = _write_in_one_statement if session.get_bind().dialect.name == "postgresql" else _write
    write(session, values, nodes, merkle.pack_frontier(frontier), size, merkle.frontier_root(frontier), now, note)
    # A plain object rather than one in the session: what was written is final, and reading it
    # must never go back to the database.
    return AuditEntry(**values)


# What an append writes once it holds the head, in as few round trips as the database allows:
# every round trip here is time all other appenders wait.
_APPEND_POSTGRESQL = """
WITH entry AS (
    INSERT INTO audit_entries ("index", created_at, kind, reference, channel, product, leaf, leaf_hash, subject,
                               actor_type, actor_id, recommended_provider, house_rank, house_best, failure_count)
    VALUES (:index, :created_at, :kind, :reference, :channel, :product, :leaf, :leaf_hash, :subject,
            :actor_type, :actor_id, :recommended_provider, :house_rank, :house_best, :failure_count)
), nodes AS (
    INSERT INTO audit_tree_nodes (level, "index", hash)
    SELECT * FROM unnest(CAST(:node_levels AS smallint[]), CAST(:node_indices AS integer[]), CAST(:node_hashes AS bytea[]))
), checkpoint AS (
    INSERT INTO audit_checkpoints (tree_size, root_hash, created_at, note)
    SELECT :size, :root, :now, :note WHERE :signed
)
UPDATE audit_head SET frontier = :frontier,
                      checkpointed_at = CASE WHEN :signed THEN :now ELSE checkpointed_at END
WHERE id = 1
"""


def _write_in_one_statement(session: Session, values: dict[str, Any], nodes: list[dict[str, Any]], frontier: bytes,
                            size: int, root: bytes, now: datetime, note: str | None) -> None:
    session.execute(text(_APPEND_POSTGRESQL), {
        **values,
        "node_levels": [node["level"] for node in nodes],
        "node_indices": [node["index"] for node in nodes],
        "node_hashes": [node["hash"] for node in nodes],
        "size": size, "root": root, "now": now, "note": note or "", "signed": note is not None,
        "frontier": frontier,
    })


def _write(session: Session, values: dict[str, Any], nodes: list[dict[str, Any]], frontier: bytes, size: int,
           root: bytes, now: datetime, note: str | None) -> None:
    session.execute(insert(AuditEntry), [values])
    if nodes:
        session.execute(insert(AuditTreeNode), nodes)
    new_head: dict[str, Any] = {"frontier": frontier}
    if note is not None:
        session.execute(insert(AuditCheckpoint), [{"tree_size": size, "root_hash": root, "created_at": now, "note": note}])
        new_head["checkpointed_at"] = now
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(**new_head))


def make_leaf(header: Mapping[str, Any], record: bytes) -> bytes:
    """The leaf: the canonical JSON of {"entry": header, "record": …}, the record already in
    canonical form ("entry" sorts before "record", so this is the canonical order)."""
    return b'{"entry":' + canonical_json(header) + b',"record":' + record + b"}"


def document(entry: AuditEntry) -> dict[str, Any]:
    """The entry as one flat document: its record with its index, time, kind, channel,
    reference and actor."""
    return flatten(json.loads(entry.leaf))


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
