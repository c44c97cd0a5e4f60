"""RFC 9162 §2.1 Merkle tree hashing: tree heads, inclusion and consistency proofs, and the
verification algorithms, written over *stored subtree hashes* so that nothing here ever rehashes
the log.

Every complete ("perfect") subtree of the log is addressed by a `NodeKey` (level, index): the
subtree of 2**level leaves starting at leaf index * 2**level. Level 0 is a leaf hash. Any range of
leaves that the RFC's recursion visits is a run of such subtrees, largest first (its binary
decomposition), so a proof needs O(log n) stored hashes and no more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]
LeafRange = tuple[int, int]


class ProofError(ValueError):
    """A proof was asked for sizes or indices that do not exist, or a proof did not verify."""


class MissingNodes(LookupError):
    """The node store lacks hashes the tree should have: the store is incomplete or damaged."""

    def __init__(self, keys: Iterable[NodeKey]) -> None:
        self.keys = sorted(keys)
        super().__init__(f"missing tree nodes (level, index): {self.keys[:5]}{' …' if len(self.keys) > 5 else ''}")


class NodeStore(Protocol):
    def get(self, keys: Iterable[NodeKey]) -> Mapping[NodeKey, bytes]:
        """The hashes of the given complete subtrees; raises MissingNodes if any is absent."""


def leaf_hash(leaf: bytes) -> bytes:
    digest = hashlib.sha256(LEAF_PREFIX)
    digest.update(leaf)  # rather than hashing LEAF_PREFIX + leaf: no copy of a large leaf
    return digest.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162: the largest power of two smaller than n (n > 1)."""
    if n < 2:
        raise ValueError("n must be at least 2")
    return 1 << ((n - 1).bit_length() - 1)


def perfect_blocks(start: int, end: int) -> list[NodeKey]:
    """The complete subtrees that make up leaves [start, end), largest first. `start` must be
    aligned as the RFC's recursion aligns it (a multiple of the first block's size)."""
    blocks: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"leaf range [{start}, {end}) is not a subtree of a Merkle tree")
        blocks.append((level, start >> level))
        start += 1 << level
    return blocks


def fold_blocks(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its blocks' hashes, largest first: MTH(D[n]) = HASH(0x01 || MTH(D[0:k])
    || MTH(D[k:n])) unrolls to a right fold over the binary decomposition."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for block in reversed(hashes[:-1]):
        result = node_hash(block, result)
    return result


def range_hash(leaf_range: LeafRange, nodes: Mapping[NodeKey, bytes]) -> bytes:
    return fold_blocks([nodes[key] for key in perfect_blocks(*leaf_range)])


def inclusion_ranges(index: int, size: int) -> list[LeafRange]:
    """The leaf ranges whose MTHs form PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf to root."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[LeafRange] = []
    low, high = 0, size
    while high - low > 1:
        k = largest_power_of_two_below(high - low)
        if index - low < k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[LeafRange]:
    """The leaf ranges whose MTHs form PROOF(first, D[second]) (RFC 9162 §2.1.4.1), in the RFC's
    order. Empty when first is 0 or equals second: nothing needs proving."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from {first} leaves to {second}")
    if first == 0 or first == second:
        return []
    ranges: list[LeafRange] = []
    low, high, m, whole = 0, second, first, True
    while True:
        if m == high - low:
            if not whole:
                ranges.append((low, high))
            break
        k = largest_power_of_two_below(high - low)
        if m <= k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low += k
            m -= k
            whole = False
    ranges.reverse()
    return ranges


def nodes_for(ranges: Iterable[LeafRange]) -> set[NodeKey]:
    return {key for leaf_range in ranges for key in perfect_blocks(*leaf_range)}


def root_hash(size: int, store: NodeStore) -> bytes:
    blocks = perfect_blocks(0, size)
    nodes = store.get(blocks)
    return fold_blocks([nodes[key] for key in blocks])


def inclusion_proof(index: int, size: int, store: NodeStore) -> list[bytes]:
    ranges = inclusion_ranges(index, size)
    nodes = store.get(nodes_for(ranges))
    return [range_hash(leaf_range, nodes) for leaf_range in ranges]


def consistency_proof(first: int, second: int, store: NodeStore) -> list[bytes]:
    ranges = consistency_ranges(first, second)
    nodes = store.get(nodes_for(ranges))
    return [range_hash(leaf_range, nodes) for leaf_range in ranges]


# The log's right edge ----------------------------------------------------------------------

def extend(frontier: Sequence[bytes], size: int, new_leaf_hash: bytes) -> tuple[list[bytes], list[tuple[NodeKey, bytes]]]:
    """Appends leaf number `size` to a tree whose frontier (the hashes of perfect_blocks(0, size),
    largest first) is given. Returns the new frontier and the subtrees of level ≥ 1 that the new
    leaf completes, bottom up. O(log n), and no reads."""
    if len(frontier) != size.bit_count():
        raise ValueError(f"a frontier of {len(frontier)} hashes cannot belong to a tree of {size} leaves")
    right_edge = list(frontier)
    completed: list[tuple[NodeKey, bytes]] = []
    current, level, index = new_leaf_hash, 0, size
    while index & 1:
        current = node_hash(right_edge.pop(), current)
        level += 1
        index >>= 1
        completed.append(((level, index), current))
    right_edge.append(current)
    return right_edge, completed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    return fold_blocks(frontier)


def pack_frontier(frontier: Sequence[bytes]) -> bytes:
    return b"".join(frontier)


def unpack_frontier(packed: bytes) -> list[bytes]:
    if len(packed) % HASH_SIZE:
        raise ValueError("a packed frontier is a whole number of hashes")
    return [packed[offset:offset + HASH_SIZE] for offset in range(0, len(packed), HASH_SIZE)]


# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2), for anyone holding only hashes -----------------

def root_from_inclusion_proof(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    if len(leaf) != HASH_SIZE or any(len(item) != HASH_SIZE for item in path):
        raise ProofError("hashes are 32 bytes")
    fn, sn, result = index, size - 1, leaf
    for item in path:
        if sn == 0:
            raise ProofError("the inclusion path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(item, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion path is shorter than the tree is deep")
    return result


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> None:
    """Raises ProofError unless `path` proves that `leaf` (a leaf hash) is leaf `index` of the
    tree of `size` leaves whose head is `root`."""
    if root_from_inclusion_proof(index, size, leaf, path) != root:
        raise ProofError(f"the inclusion path of leaf {index} does not lead to the root of the tree of {size} leaves")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]) -> None:
    """Raises ProofError unless `path` proves that the tree of `second` leaves with head
    `second_root` extends the tree of `first` leaves with head `first_root`."""
    if not 0 <= first <= second:
        raise ProofError(f"a tree of {second} leaves cannot extend one of {first}")
    if any(len(item) != HASH_SIZE for item in path):
        raise ProofError("hashes are 32 bytes")
    if first == second:
        if path:
            raise ProofError("trees of the same size need an empty consistency proof")
        if first_root != second_root:
            raise ProofError(f"two different heads for the tree of {first} leaves")
        return
    if first == 0:
        if path:
            raise ProofError("the empty tree needs an empty consistency proof")
        return
    if not path:
        raise ProofError("the consistency proof is empty")
    items = list(path)
    if first & (first - 1) == 0:
        items.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first_result = second_result = items[0]
    for item in items[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            first_result = node_hash(item, first_result)
            second_result = node_hash(item, second_result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            second_result = node_hash(second_result, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the tree is deep")
    if first_result != first_root:
        raise ProofError(f"the consistency proof does not lead to the head of the tree of {first} leaves")
    if second_result != second_root:
        raise ProofError(f"the consistency proof does not lead to the head of the tree of {second} leaves")
