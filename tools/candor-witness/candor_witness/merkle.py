"""RFC 6962 / RFC 9162 §2.1.4.2: checking a consistency proof between two tree heads."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
MAX_PROOF_HASHES = 63


class InconsistentError(ValueError):
    """The proof does not show that the second tree extends the first."""


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Raises InconsistentError unless `proof` shows the tree of `second` leaves with head
    `second_root` extends the tree of `first` leaves with head `first_root`."""
    if not 0 <= first <= second:
        raise InconsistentError(f"a tree of {second} leaves cannot extend one of {first}")
    if len(proof) > MAX_PROOF_HASHES or any(len(item) != HASH_SIZE for item in proof):
        raise InconsistentError("a proof is at most 63 hashes of 32 bytes")
    if first == second or first == 0:
        if proof:
            raise InconsistentError("this consistency proof must be empty")
        if first == second and first_root != second_root:
            raise InconsistentError(f"two different heads for the tree of {first} leaves")
        return
    if not proof:
        raise InconsistentError("the consistency proof is empty")
    items = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first_result = second_result = items[0]
    for item in items[1:]:
        if sn == 0:
            raise InconsistentError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            first_result = node_hash(item, first_result)
            second_result = node_hash(item, second_result)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            second_result = node_hash(second_result, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InconsistentError("the consistency proof is shorter than the tree is deep")
    if first_result != first_root or second_result != second_root:
        raise InconsistentError(f"the proof does not lead from the tree of {first} leaves to the tree of {second}")
