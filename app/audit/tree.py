"""The Merkle tree as stored: leaf hashes in audit_entries, every complete subtree above them in
audit_tree_nodes, the right edge in audit_head. A proof or a tree head reads O(log n) rows in at
most two queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app.audit import merkle
from app.audit.models import AuditEntry, AuditHead, AuditTreeNode
from app.audit.merkle import MissingNodes, NodeKey, ProofError


class DatabaseNodeStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, keys: Iterable[NodeKey]) -> Mapping[NodeKey, bytes]:
        wanted = set(keys)
        found: dict[NodeKey, bytes] = {}
        leaves = sorted(index for level, index in wanted if level == 0)
        if leaves:
            rows = self.session.execute(
                select(AuditEntry.index, AuditEntry.leaf_hash).where(AuditEntry.index.in_(leaves)))
            found.update(((0, index), bytes(value)) for index, value in rows)
        inner = sorted(key for key in wanted if key[0] > 0)
        if inner:
            rows = self.session.execute(
                select(AuditTreeNode.level, AuditTreeNode.index, AuditTreeNode.hash)
                .where(tuple_(AuditTreeNode.level, AuditTreeNode.index).in_(inner)))
            found.update(((level, index), bytes(value)) for level, index, value in rows)
        missing = wanted - found.keys()
        if missing:
            raise MissingNodes(missing)
        return found


@dataclass(frozen=True)
class Head:
    size: int
    frontier: list[bytes]

    @property
    def root_hash(self) -> bytes:
        return merkle.frontier_root(self.frontier)


def read_head(session: Session) -> Head:
    row = session.execute(select(AuditHead.size, AuditHead.frontier).where(AuditHead.id == 1)).one()
    return Head(row.size, merkle.unpack_frontier(bytes(row.frontier)))


def root_hash(session: Session, size: int) -> bytes:
    current = read_head(session)
    if not 0 <= size <= current.size:
        raise ProofError(f"the log has {current.size} entries, so it has no tree of {size}")
    if size == current.size:
        return current.root_hash
    return merkle.root_hash(size, DatabaseNodeStore(session))


def inclusion_proof(session: Session, index: int, tree_size: int) -> list[bytes]:
    _check_size(session, tree_size)
    return merkle.inclusion_proof(index, tree_size, DatabaseNodeStore(session))


def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    _check_size(session, second)
    return merkle.consistency_proof(first, second, DatabaseNodeStore(session))


def _check_size(session: Session, tree_size: int) -> None:
    size = read_head(session).size
    if tree_size > size:
        raise ProofError(f"the log has {size} entries, so it has no tree of {tree_size}")
