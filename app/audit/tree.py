"""The Merkle tree as stored: leaf hashes in audit_entries, every complete subtree above them in
audit_tree_nodes, the right edge in audit_head. A proof reads the head and then, in one query, the
O(log n) nodes it needs that are not cached."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, SmallInteger, literal, select, text, tuple_, union_all
from sqlalchemy.orm import Session

from app.audit import merkle
from app.audit.models import AuditEntry, AuditHead, AuditTreeNode
from app.audit.merkle import MissingNodes, NodeKey, ProofError


@dataclass(frozen=True)
class Head:
    size: int
    frontier: list[bytes]

    @property
    def root_hash(self) -> bytes:
        return merkle.frontier_root(self.frontier)


# Core on the session's connection rather than an ORM select: a proof is the head and one query,
# and the ORM's statement handling was most of a proof's CPU (about 0.3 ms of 1.6 per query).
_HEAD = select(AuditHead.size, AuditHead.frontier).where(AuditHead.id == 1)


def read_head(session: Session) -> Head:
    row = session.connection().execute(_HEAD).one()
    return Head(row.size, merkle.unpack_frontier(bytes(row.frontier)))


# Tree nodes never change once written, and a node is fixed by any complete subtree above it:
# nodes of this level and up are kept in memory, under the hash of the subtree of the head's
# right edge (its frontier) that holds them. So a cached node is never served for another log
# (another database, a schema reused by tests) or another tree: a different tree has different
# frontier hashes. From a tile's height up, a log of a million entries has some 7,800 nodes, and
# every proof needs a dozen of them; the levels below (different for nearly every proof) are read.
CACHED_FROM_LEVEL = 8
CACHE_LIMIT = 8_192  # about 260 bytes each: at most some 2 MB per process
_cached_nodes: dict[tuple[bytes, int, int], bytes] = {}


class DatabaseNodeStore:
    """Reads the nodes a proof needs in one query. Given the head, nodes from CACHED_FROM_LEVEL up
    come from (and go into) the in-memory cache."""

    def __init__(self, session: Session, head: Head | None = None) -> None:
        self.session = session
        self.anchors = [] if head is None else _anchors(head)

    def get(self, keys: Iterable[NodeKey]) -> Mapping[NodeKey, bytes]:
        wanted = set(keys)
        found: dict[NodeKey, bytes] = {}
        to_cache: dict[NodeKey, tuple[bytes, int, int]] = {}
        for key in wanted:
            anchor = self._anchor(key)
            if anchor is not None:
                cached = _cached_nodes.get((anchor, *key))
                if cached is None:
                    to_cache[key] = (anchor, *key)
                else:
                    found[key] = cached
        unread = wanted - found.keys()
        if unread:
            found.update(_read_nodes(self.session, unread))
        missing = wanted - found.keys()
        if missing:
            raise MissingNodes(missing)
        if len(_cached_nodes) + len(to_cache) > CACHE_LIMIT:
            _cached_nodes.clear()  # rare (a log of millions); what proofs need comes back at once
        _cached_nodes.update((cache_key, found[key]) for key, cache_key in to_cache.items())
        return found

    def _anchor(self, key: NodeKey) -> bytes | None:
        level, index = key
        if level < CACHED_FROM_LEVEL:
            return None
        start, end = index << level, (index + 1) << level
        for anchor_start, anchor_end, anchor_hash in self.anchors:
            if anchor_start <= start and end <= anchor_end:
                return anchor_hash
        return None


def _anchors(head: Head) -> list[tuple[int, int, bytes]]:
    """The leaf ranges of the complete subtrees on the head's right edge, with their hashes: every
    complete node of the tree lies under one of them."""
    return [(index << level, (index + 1) << level, node)
            for (level, index), node in zip(merkle.perfect_blocks(0, head.size), head.frontier)]


# PostgreSQL: one statement text whatever the keys (arrays, not a bind per key), so it is
# compiled once and the server prepares it; every key is one probe of a primary key.
_NODES_POSTGRESQL = text(
    'SELECT 0 AS level, "index", leaf_hash FROM audit_entries WHERE "index" = ANY(CAST(:leaves AS integer[])) '
    "UNION ALL "
    'SELECT nodes.level, nodes."index", nodes.hash FROM audit_tree_nodes AS nodes '
    "JOIN unnest(CAST(:levels AS smallint[]), CAST(:positions AS integer[])) AS wanted(level, position) "
    'ON nodes.level = wanted.level AND nodes."index" = wanted.position')


def _read_nodes(session: Session, keys: set[NodeKey]) -> dict[NodeKey, bytes]:
    """Leaf hashes (level 0, in audit_entries) and inner nodes (audit_tree_nodes) in one round trip."""
    leaves = sorted(index for level, index in keys if level == 0)
    inner = sorted(key for key in keys if key[0] > 0)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.execute(_NODES_POSTGRESQL, {"leaves": leaves, "levels": [level for level, _ in inner],
                                                      "positions": [index for _, index in inner]})
        return {(level, index): bytes(value) for level, index, value in rows}
    parts: list[Select[Any]] = []
    if leaves:
        parts.append(select(literal(0, SmallInteger).label("level"), AuditEntry.index, AuditEntry.leaf_hash)
                     .where(AuditEntry.index.in_(leaves)))
    if inner:
        parts.append(select(AuditTreeNode.level, AuditTreeNode.index, AuditTreeNode.hash)
                     .where(tuple_(AuditTreeNode.level, AuditTreeNode.index).in_(inner)))
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    return {(level, index): bytes(value) for level, index, value in connection.execute(statement)}


def root_hash(session: Session, size: int) -> bytes:
    current = read_head(session)
    if not 0 <= size <= current.size:
        raise ProofError(f"the log has {current.size} entries, so it has no tree of {size}")
    if size == current.size:
        return current.root_hash
    return merkle.root_hash(size, DatabaseNodeStore(session, current))


def inclusion_proof(session: Session, index: int, tree_size: int) -> list[bytes]:
    return merkle.inclusion_proof(index, tree_size, DatabaseNodeStore(session, _head_with(session, tree_size)))


def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    return merkle.consistency_proof(first, second, DatabaseNodeStore(session, _head_with(session, second)))


def _head_with(session: Session, tree_size: int) -> Head:
    head = read_head(session)
    if tree_size > head.size:
        raise ProofError(f"the log has {head.size} entries, so it has no tree of {tree_size}")
    return head
