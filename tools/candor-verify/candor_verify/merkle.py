"""RFC 9162 §2.1: leaf and node hashes, and the root an inclusion path leads to (§2.1.3.2)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


class PathRefused(ValueError):
    """The path cannot be an inclusion proof for that index in a tree of that size."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_path(index: int, tree_size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root hash the path leads to from the leaf hash at `index`; PathRefused when the path
    has the wrong length for that index and size (too short, too long)."""
    if not 0 <= index < tree_size:
        raise PathRefused(f"index {index:,} is not in a tree of {tree_size:,} entries")
    fn, sn, result = index, tree_size - 1, leaf
    for item in path:
        if sn == 0:
            raise PathRefused("the inclusion proof has more hashes than a tree of this size needs")
        if fn & 1 or fn == sn:
            result = node_hash(item, result)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, item)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise PathRefused("the inclusion proof is missing hashes: it is too short for this index and tree size")
    return result
