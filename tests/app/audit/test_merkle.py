"""The Merkle tree against an independent, naive RFC 9162 implementation (written straight from
the RFC's recursive definitions, below), against the published transparency-dev test vectors,
and its verifiers against corrupted proofs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit import merkle
from app.audit.merkle import MissingNodes, ProofError


# The naive reference: RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, recursive, over the leaves themselves.

def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = _split(len(leaves))
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return naive_path(m, leaves[:k]) + [naive_mth(leaves[k:])]
    return naive_path(m - k, leaves[k:]) + [naive_mth(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [naive_mth(leaves)]
    k = _split(n)
    if m <= k:
        return naive_subproof(m, leaves[:k], whole) + [naive_mth(leaves[k:])]
    return naive_subproof(m - k, leaves[k:], False) + [naive_mth(leaves[:k])]


def naive_consistency(m: int, leaves: list[bytes]) -> list[bytes]:
    return [] if m in (0, len(leaves)) else naive_subproof(m, leaves, True)


class NaiveStore:
    """Every complete subtree's hash, each computed naively from its leaves."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        level = 0
        while (1 << level) <= len(leaves):
            width = 1 << level
            for index in range(len(leaves) // width):
                self.nodes[(level, index)] = naive_mth(leaves[index * width:(index + 1) * width])
            level += 1
        self.reads = 0

    def get(self, keys: Iterable[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        wanted = set(keys)
        self.reads += len(wanted)
        missing = wanted - self.nodes.keys()
        if missing:
            raise MissingNodes(missing)
        return {key: self.nodes[key] for key in wanted}


def make_leaves(count: int, salt: bytes = b"") -> list[bytes]:
    return [salt + f"entry {n}".encode() for n in range(count)]


# transparency-dev/merkle proof/verify_test.go (RFC 6962/9162 SHA-256 tree), leaves and roots.
VECTOR_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
VECTOR_ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
# (leaf index, tree size, path): the vectors' 1-based leaf numbers, made 0-based.
VECTOR_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
VECTOR_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def test_the_empty_tree_and_the_hash_prefixes():
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert merkle.frontier_root([]) == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_published_roots(size):
    assert merkle.root_hash(size, NaiveStore(VECTOR_LEAVES[:size])) == VECTOR_ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), VECTOR_INCLUSION)
def test_published_inclusion_proofs(index, size, path):
    store = NaiveStore(VECTOR_LEAVES[:size])
    assert [item.hex() for item in merkle.inclusion_proof(index, size, store)] == path
    merkle.verify_inclusion(index, size, merkle.leaf_hash(VECTOR_LEAVES[index]), [bytes.fromhex(p) for p in path],
                            VECTOR_ROOTS[size - 1])


@pytest.mark.parametrize(("first", "second", "path"), VECTOR_CONSISTENCY)
def test_published_consistency_proofs(first, second, path):
    store = NaiveStore(VECTOR_LEAVES[:second])
    assert [item.hex() for item in merkle.consistency_proof(first, second, store)] == path
    merkle.verify_consistency(first, second, VECTOR_ROOTS[first - 1], VECTOR_ROOTS[second - 1],
                              [bytes.fromhex(p) for p in path])


def test_every_proof_for_every_size_up_to_70_matches_the_naive_implementation():
    leaves = make_leaves(70)
    frontier: list[bytes] = []
    for size in range(1, 71):
        frontier, _ = merkle.extend(frontier, size - 1, merkle.leaf_hash(leaves[size - 1]))
        tree = leaves[:size]
        store = NaiveStore(tree)
        root = naive_mth(tree)
        assert merkle.frontier_root(frontier) == root == merkle.root_hash(size, store)
        for index in range(size):
            path = merkle.inclusion_proof(index, size, store)
            assert path == naive_path(index, tree), (index, size)
            merkle.verify_inclusion(index, size, merkle.leaf_hash(tree[index]), path, root)
        for first in range(0, size + 1):
            proof = merkle.consistency_proof(first, size, store)
            assert proof == naive_consistency(first, tree), (first, size)
            merkle.verify_consistency(first, size, naive_mth(leaves[:first]), root, proof)


@settings(max_examples=150, deadline=None)
@given(leaves=st.lists(st.binary(max_size=12), min_size=1, max_size=70), data=st.data())
def test_proofs_over_arbitrary_leaves_match_the_naive_implementation(leaves, data):
    size = len(leaves)
    store = NaiveStore(leaves)
    root = naive_mth(leaves)
    index = data.draw(st.integers(0, size - 1), label="index")
    first = data.draw(st.integers(0, size), label="first")
    path = merkle.inclusion_proof(index, size, store)
    assert path == naive_path(index, leaves)
    merkle.verify_inclusion(index, size, merkle.leaf_hash(leaves[index]), path, root)
    proof = merkle.consistency_proof(first, size, store)
    assert proof == naive_consistency(first, leaves)
    merkle.verify_consistency(first, size, naive_mth(leaves[:first]), root, proof)


def test_extending_completes_exactly_the_new_subtrees():
    leaves = make_leaves(70, b"x")
    store = NaiveStore(leaves)
    frontier: list[bytes] = []
    stored: dict[tuple[int, int], bytes] = {}
    for index, leaf in enumerate(leaves):
        frontier, completed = merkle.extend(frontier, index, merkle.leaf_hash(leaf))
        stored.update(completed)
        assert [value for _, value in completed] == [store.nodes[key] for key, _ in completed]
        assert merkle.unpack_frontier(merkle.pack_frontier(frontier)) == frontier
    assert stored == {key: value for key, value in store.nodes.items() if key[0] > 0}
    with pytest.raises(ValueError):
        merkle.extend(frontier, 71, merkle.leaf_hash(b"wrong size"))


@pytest.mark.parametrize("size", [1, 2, 3, 63, 64, 65, 1000, 1_000_000, 2**31 - 1])
def test_a_proof_reads_a_logarithmic_number_of_nodes(size):
    """Never a rehash: an inclusion or consistency proof asks for O(log n) subtree hashes."""
    bound = 2 * size.bit_length() + 1
    for index in {0, size // 3, size // 2, size - 1}:
        assert len(merkle.nodes_for(merkle.inclusion_ranges(index, size))) <= bound
    for first in {1, size // 3, size // 2, size - 1}:
        if 0 < first <= size:
            assert len(merkle.nodes_for(merkle.consistency_ranges(first, size))) <= bound


def test_ranges_outside_the_tree_are_refused():
    store = NaiveStore(make_leaves(5))
    with pytest.raises(ProofError):
        merkle.inclusion_proof(5, 5, store)
    with pytest.raises(ProofError):
        merkle.inclusion_proof(-1, 5, store)
    with pytest.raises(ProofError):
        merkle.consistency_proof(6, 5, store)
    with pytest.raises(MissingNodes):
        merkle.inclusion_proof(0, 8, store)


def _corrupted_inclusion(index, size, path, root, leaf):
    """The corruptions transparency-dev's verifier tests try, each of which must be rejected."""
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    probes = [
        (index - 1, size, leaf, path, root), (index + 1, size, leaf, path, root), (index ^ 2, size, leaf, path, root),
        (index, size * 2, leaf, path, root), (index, size // 2, leaf, path, root),
        (index, size, some, path, root), (index, size, leaf, path, merkle.EMPTY_ROOT), (index, size, leaf, path, some),
        (index, size, leaf, path + [root], root), (index, size, leaf, [root] + path, root),
        (index, size, leaf, path + [b""], root),
    ]
    for position in range(len(path)):
        flipped = list(path)
        flipped[position] = bytes([flipped[position][0] ^ 8]) + flipped[position][1:]
        probes.append((index, size, leaf, flipped, root))
    if path:
        probes.append((index, size, leaf, path[:-1], root))
    if len(path) > 1:
        probes.append((index, size, leaf, [path[0], some] + path[1:], root))
    return probes


@pytest.mark.parametrize("size", [2, 3, 5, 8, 13, 32, 70])
def test_corrupted_inclusion_proofs_are_rejected(size):
    leaves = make_leaves(size)
    store = NaiveStore(leaves)
    root = naive_mth(leaves)
    for index in range(size):
        path = merkle.inclusion_proof(index, size, store)
        for probe in _corrupted_inclusion(index, size, path, root, merkle.leaf_hash(leaves[index])):
            if probe[0] < 0:
                continue
            with pytest.raises(ProofError):
                merkle.verify_inclusion(*probe)


@pytest.mark.parametrize("second", [2, 3, 7, 8, 13, 70])
def test_corrupted_consistency_proofs_are_rejected(second):
    leaves = make_leaves(second)
    store = NaiveStore(leaves)
    second_root = naive_mth(leaves)
    for first in range(1, second):
        first_root = naive_mth(leaves[:first])
        proof = merkle.consistency_proof(first, second, store)
        probes = [
            (first - 1, second, first_root, second_root, proof), (first + 1, second, first_root, second_root, proof),
            (first, second * 2, first_root, second_root, proof), (first, second, second_root, first_root, proof),
            (first, second, first_root, merkle.EMPTY_ROOT, proof), (first, second, first_root, second_root, []),
            (first, second, first_root, second_root, proof + [first_root]),
            (first, second, first_root, second_root, [first_root] + proof),
            (first, second, first_root, second_root, proof[:-1]),
        ]
        for position in range(len(proof)):
            flipped = list(proof)
            flipped[position] = bytes([flipped[position][0] ^ 16]) + flipped[position][1:]
            probes.append((first, second, first_root, second_root, flipped))
        for probe in probes:
            with pytest.raises(ProofError):
                merkle.verify_consistency(*probe)


def test_consistency_edge_cases():
    root = naive_mth(make_leaves(3))
    merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    merkle.verify_consistency(0, 3, merkle.EMPTY_ROOT, root, [])
    merkle.verify_consistency(3, 3, root, root, [])
    with pytest.raises(ProofError):
        merkle.verify_consistency(3, 3, root, merkle.EMPTY_ROOT, [])
    with pytest.raises(ProofError):
        merkle.verify_consistency(3, 3, root, root, [root])
    with pytest.raises(ProofError):
        merkle.verify_consistency(0, 3, merkle.EMPTY_ROOT, root, [root])
    with pytest.raises(ProofError):
        merkle.verify_consistency(3, 2, root, root, [root])
