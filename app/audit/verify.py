"""`flask audit verify`: recompute everything from the stored leaves, in one pass.

For each entry in index order: its leaf hash from its leaf bytes, the columns copied out of its
leaf, the tree nodes it completes against the stored ones; at each stored checkpoint, its
signature and its root against the recomputed tree; between consecutive checkpoints, an RFC 9162
consistency proof built from the recomputed nodes and checked against the two signed roots. Then
the head. Nothing trusts what it is checking: leaf hashes, nodes, the head and the checkpoints'
roots are all recomputed from the leaves.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from app.audit import merkle
from app.audit.checkpoints import SignedCheckpoint, all_checkpoints, open_checkpoint
from app.audit.key_chain import KeyChain
from app.audit.keys import AuditKeys
from app.audit.merkle import MissingNodes, NodeKey, ProofError
from app.audit.models import AuditEntry, AuditTreeNode
from app.audit.note import NoteError
from app.audit.signing_keys import checked_chain
from app.audit.tree import DatabaseNodeStore, read_head
from app.audit.verify_entries import checked_rows
from app.audit.verify_parallel import parallel_entry_batches
from app.audit.verify_reading import entry_batches


@dataclass(frozen=True)
class Problem:
    """What is wrong, where. `index` is the entry concerned (or the first entry a damaged node or
    checkpoint covers); `area` is "entry", "tree", "checkpoint" or "head"."""

    area: str
    index: int | None
    message: str


@dataclass
class Report:
    size: int = 0
    entries: int = 0
    nodes: int = 0
    checkpoints: int = 0
    consistency_proofs: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    problems_left_out: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_entry(self) -> int | None:
        indices = [problem.index for problem in self.problems if problem.area == "entry" and problem.index is not None]
        return min(indices) if indices else None

    @property
    def entries_per_second(self) -> float:
        return self.entries / self.seconds if self.seconds else 0.0


class _Problems:
    def __init__(self, report: Report, limit: int) -> None:
        self.report, self.limit = report, limit

    def add(self, area: str, index: int | None, message: str) -> None:
        if len(self.report.problems) < self.limit:
            self.report.problems.append(Problem(area, index, message))
        else:
            self.report.problems_left_out += 1


class _CapturedNodes:
    """The recomputed nodes that consistency proofs between checkpoints will need, kept only
    until the last proof that needs them is checked."""

    def __init__(self, sizes: list[int]) -> None:
        self.needed_until: dict[NodeKey, int] = {}
        for first, second in zip(sizes, sizes[1:]):
            for key in merkle.nodes_for(merkle.consistency_ranges(first, second)):
                self.needed_until[key] = max(self.needed_until.get(key, 0), second)
        self.nodes: dict[NodeKey, bytes] = {}

    def get(self, keys: Any) -> Mapping[NodeKey, bytes]:
        wanted = set(keys)
        missing = wanted - self.nodes.keys()
        if missing:
            raise merkle.MissingNodes(missing)
        return {key: self.nodes[key] for key in wanted}

    def release(self, size: int) -> None:
        for key in [key for key in self.nodes if self.needed_until[key] <= size]:
            del self.nodes[key]


def _checked_checkpoints(checkpoints: list[SignedCheckpoint], keys: AuditKeys, chain: KeyChain, head_size: int,
                         problems: _Problems) -> dict[int, SignedCheckpoint]:
    """The checkpoints whose signature verifies and whose note matches its row."""
    good: dict[int, SignedCheckpoint] = {}
    for checkpoint in checkpoints:
        label = f"checkpoint of {checkpoint.tree_size} entries"
        try:
            text = open_checkpoint(checkpoint.note, keys, chain)
        except NoteError as error:
            problems.add("checkpoint", None, f"{label}: {error}")
            continue
        if text.size != checkpoint.tree_size or text.root_hash != checkpoint.root_hash:
            problems.add("checkpoint", None, f"{label}: the signed note says {text.size} entries with root "
                                             f"{text.root_hash.hex()}, its row says otherwise")
            continue
        if checkpoint.tree_size > head_size:
            lost = (f"entry {head_size} it covers is" if checkpoint.tree_size == head_size + 1
                    else f"entries {head_size}–{checkpoint.tree_size - 1} it covers are")
            problems.add("entry", head_size, f"{label}: the log has only {head_size} entries, so {lost} missing")
            continue
        good[checkpoint.tree_size] = checkpoint
    return good


class _CheckpointWalk:
    """Meets each signed checkpoint as the recomputed tree reaches its size."""

    def __init__(self, signed: dict[int, SignedCheckpoint], report: Report, problems: _Problems) -> None:
        self.signed, self.report, self.problems = signed, report, problems
        sizes = sorted(signed)
        self.captured = _CapturedNodes(sizes)
        self.previous: SignedCheckpoint | None = None
        self.last_good_size = 0
        if 0 in signed:
            self.reach(0, [])

    def reach(self, size: int, frontier: list[bytes]) -> None:
        checkpoint = self.signed.get(size)
        if checkpoint is None:
            return
        if merkle.frontier_root(frontier) != checkpoint.root_hash:
            self.problems.add("checkpoint", self.last_good_size,
                              f"checkpoint of {size} entries: its signed root does not match entries 0–{size - 1}; "
                              f"one of entries {self.last_good_size}–{size - 1} was changed after it was signed")
        else:
            self.last_good_size = size
        if self.previous is not None:
            first = self.previous.tree_size
            try:
                proof = merkle.consistency_proof(first, size, self.captured)
                merkle.verify_consistency(first, size, self.previous.root_hash, checkpoint.root_hash, proof)
                self.report.consistency_proofs += 1
            except ProofError as error:
                self.problems.add("checkpoint", first,
                                  f"checkpoints of {first} and {size} entries are not consistent: {error}")
            except MissingNodes:
                self.problems.add("checkpoint", first, f"checkpoints of {first} and {size} entries could not be "
                                                       "compared: entries between them are missing")
            self.captured.release(size)
        self.previous = checkpoint

    def unchecked(self, size: int, gap: _Gap) -> None:
        """A checkpoint met while the recomputed tree has a hole: named, not silently passed."""
        if size in self.signed:
            self.problems.add("checkpoint", gap.first, f"checkpoint of {size} entries could not be checked against "
                                                       f"the entries: {gap.describe()} missing")


class _Gap:
    """Missing entries leave a hole in the recomputed tree. The stored subtree that covers the
    hole lets the walk take the tree up again where that subtree ends (the hole is reported, what
    the subtree says of it is taken on trust), so damage further on is still found and named."""

    def __init__(self, session: Session, head_size: int, first: int, last: int) -> None:
        self.session, self.head_size = session, head_size
        self.first, self.last = first, last
        self.level = 0
        self.gave_up = False
        self.widen(last)

    def describe(self) -> str:
        return f"entry {self.first} is" if self.first == self.last else f"entries {self.first}–{self.last} are"

    def widen(self, last: int) -> None:
        self.last = last
        self.level = max(self.level, 1, (self.first ^ self.last).bit_length())

    @property
    def resumes_at(self) -> int:
        return ((self.last >> self.level) + 1) << self.level

    def frontier(self, size: int, problems: _Problems) -> list[bytes] | None:
        """The stored frontier of the tree of `size` entries, once `size` is where the hole's
        covering subtree ends and that subtree is stored; else None (the walk goes on without)."""
        if self.gave_up or size != self.resumes_at:
            return None
        while self.resumes_at <= self.head_size:
            keys = merkle.perfect_blocks(0, self.resumes_at)
            try:
                nodes = DatabaseNodeStore(self.session).get(keys)
            except MissingNodes:
                self.level += 1
                continue
            return [nodes[key] for key in keys] if self.resumes_at == size else None
        self.gave_up = True
        problems.add("tree", self.first, f"the tree could not be taken up again after the hole where {self.describe()} "
                                         "missing: the stored nodes over it are missing too; tree nodes, checkpoints "
                                         "and the head after it were not checked")
        return None


def verify_log(session: Session, keys: AuditKeys, *, batch_size: int = 2000, check_columns: bool = True,
               max_problems: int = 50, processes: int = 1) -> Report:
    """Verifies the log as it was when the head was read; run it in a REPEATABLE READ
    transaction on PostgreSQL (the CLI does) so every query sees that same moment. On PostgreSQL,
    `processes` > 1 shares the entries' own checks among that many processes (never from a web
    request: the CLI asks for it)."""
    started = time.perf_counter()
    report = Report()
    problems = _Problems(report, max_problems)
    # Checkpoints before the head: any checkpoint read is then within the head read, even while
    # appends go on, so one beyond it is damage, not news.
    stored_checkpoints = all_checkpoints(session)
    head = _head(session, problems)
    report.size = head.size
    report.checkpoints = len(stored_checkpoints)
    chain = checked_chain(session, keys, stored_checkpoints)
    for message in chain.problems:
        problems.add("checkpoint", None, message)
    signed = _checked_checkpoints(stored_checkpoints, keys, chain.chain, head.size, problems)
    walk = _CheckpointWalk(signed, report, problems)
    rebuild = _Rebuild(session, head.size, walk, signed)
    if processes > 1 and session.get_bind().dialect.name == "postgresql":
        for checked, found, stored in parallel_entry_batches(session, head.size, batch_size, processes,
                                                                  check_columns, max_problems):
            for area, index, message in found:
                problems.add(area, index, message)
            rebuild.batch(checked, stored)
    else:
        for rows, stored in entry_batches(session, head.size, batch_size):
            rebuild.batch(checked_rows(rows, check_columns, problems), stored)
    _check_the_end(session, head, rebuild, problems)
    report.seconds = time.perf_counter() - started
    return report


class _Rebuild:
    """The tree rebuilt bottom-up in one pass, as a stack of the complete subtrees so far
    (merkle.extend, inlined: `batch` runs once per entry and is most of the work)."""

    def __init__(self, session: Session, head_size: int, walk: _CheckpointWalk, signed: dict[int, SignedCheckpoint]) -> None:
        self.session, self.head_size, self.walk, self.signed = session, head_size, walk, signed
        self.report, self.problems = walk.report, walk.problems
        self.frontier: list[bytes] = []
        self.expected = 0
        self.gap: _Gap | None = None
        self.holes = False

    def batch(self, checked: list[tuple[int, bytes]], stored: dict[NodeKey, bytes]) -> None:
        """Takes the tree on over entries already checked on their own: (index, recomputed leaf hash)."""
        # Locals rather than attributes inside the loop: attribute reads per entry cost real time.
        frontier, expected, gap = self.frontier, self.expected, self.gap
        walk, signed, report, problems = self.walk, self.signed, self.report, self.problems
        sha256, node_prefix = hashlib.sha256, merkle.NODE_PREFIX
        needed, captured = walk.captured.needed_until, walk.captured.nodes
        for index, node in checked:
            if index != expected:
                gap = self._across_hole(gap, expected, index)
                expected = index
                resumed = _take_up(gap, expected, walk, problems)
                if resumed is not None:
                    frontier, gap = resumed, None
            report.entries += 1
            expected = index + 1
            if gap is not None:
                resumed = _take_up(gap, expected, walk, problems)
                if resumed is not None:
                    frontier, gap = resumed, None
                continue
            if (0, index) in needed:
                captured[(0, index)] = node
            level, position = 0, index
            while position & 1:
                node = sha256(node_prefix + frontier.pop() + node).digest()
                level += 1
                position >>= 1
                key = (level, position)
                report.nodes += 1
                found = stored.get(key)
                if found != node:
                    _wrong_node(problems, level, position, found)
                if key in needed:
                    captured[key] = node
            frontier.append(node)
            if expected in signed:
                walk.reach(expected, frontier)
        self.frontier, self.expected, self.gap = frontier, expected, gap

    def _across_hole(self, gap: _Gap | None, expected: int, index: int) -> _Gap:
        """Entries `expected` to `index - 1` are missing: named, and the hole they leave widened or opened."""
        self.problems.add("entry", expected, f"entries {expected}–{index - 1} are missing" if index - 1 > expected
                          else f"entry {expected} is missing")
        self.holes = True
        if gap is None:
            return _Gap(self.session, self.head_size, expected, index - 1)
        gap.widen(index - 1)
        return gap


def _wrong_node(problems: _Problems, level: int, position: int, found: bytes | None) -> None:
    first, last = position << level, ((position + 1) << level) - 1
    problems.add("tree", first, f"the tree node over entries {first}–{last} is missing" if found is None
                 else f"the stored tree node over entries {first}–{last} does not match them")


def _check_the_end(session: Session, head: _StoredHead, rebuild: _Rebuild, problems: _Problems) -> None:
    """After the last entry: the head against the rebuilt tree, and no tree node stored beyond the entries."""
    expected, frontier = rebuild.expected, rebuild.frontier
    if expected < head.size:
        problems.add("entry", expected, f"the log should have {head.size} entries but entries from {expected} are missing")
    tree_whole = rebuild.gap is None and head.frontier is not None
    if tree_whole and expected == head.size and merkle.pack_frontier(frontier) != merkle.pack_frontier(head.frontier):
        problems.add("head", None, "the head's right edge does not match the entries")
    expected_nodes = sum(expected >> level for level in range(1, expected.bit_length()))
    stored_count = session.scalar(select(func.count()).select_from(AuditTreeNode).where(
        ((AuditTreeNode.index + 1).op("<<")(AuditTreeNode.level)) <= expected)) or 0
    if not rebuild.holes and stored_count != expected_nodes:
        problems.add("tree", None, f"{stored_count} tree nodes are stored where {expected_nodes} belong")


def _take_up(gap: _Gap, size: int, walk: _CheckpointWalk, problems: _Problems) -> list[bytes] | None:
    """The tree of `size` entries taken up again past the hole, if it can be here, its checkpoint
    (if any) checked; else None, and a checkpoint at this size is named as unchecked."""
    resumed = gap.frontier(size, problems)
    if resumed is None:
        walk.unchecked(size, gap)
    else:
        walk.reach(size, resumed)
    return resumed


@dataclass(frozen=True)
class _StoredHead:
    size: int
    frontier: list[bytes] | None  # None: unreadable, so not compared


def _head(session: Session, problems: _Problems) -> _StoredHead:
    """The stored head; if it is gone or garbled, that is named and the entries stored are
    checked all the same, up to the last one."""
    try:
        head = read_head(session)
        return _StoredHead(head.size, head.frontier)
    except (NoResultFound, ValueError) as error:
        last = session.scalar(select(func.max(AuditEntry.index)))
        size = 0 if last is None else last + 1
        problems.add("head", None, f"the head cannot be read ({error}); the {size} entries stored are checked")
        return _StoredHead(size, None)
