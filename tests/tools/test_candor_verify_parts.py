"""candor-verify's parts on their own: its inclusion-proof check against the published
transparency-dev vectors and every proof of every tree up to 40 leaves from the naive RFC 9162
reference (and every shortened, lengthened or bent one refused); its key parsing against the
signed-note vectors our log's tests reproduce; and its independence: it imports nothing but the
standard library, cryptography and itself."""

from __future__ import annotations

import ast
import sys

import pytest

from app.audit.note import Signer, Verifier
from tests.app.audit.test_note import key_with_a_plus_sign
from tests.app.audit.test_merkle import VECTOR_INCLUSION, VECTOR_LEAVES, VECTOR_ROOTS, make_leaves, naive_mth, naive_path
from tests.tools.conftest import PACKAGE, Witness

MAX_LEAVES = 40


@pytest.mark.parametrize(("index", "size", "path"), VECTOR_INCLUSION)
def test_published_inclusion_proofs(candor_verify, index, size, path):
    merkle = candor_verify.merkle
    root = merkle.root_from_inclusion_path(index, size, merkle.leaf_hash(VECTOR_LEAVES[index]),
                                           [bytes.fromhex(item) for item in path])
    assert root == VECTOR_ROOTS[size - 1]


def test_every_proof_of_every_small_tree_and_none_bent(candor_verify):
    merkle = candor_verify.merkle
    for size in range(1, MAX_LEAVES + 1):
        leaves = make_leaves(size)
        root = naive_mth(leaves)
        for index in range(size):
            leaf = merkle.leaf_hash(leaves[index])
            path = naive_path(index, leaves)
            assert merkle.root_from_inclusion_path(index, size, leaf, path) == root
            if path:
                with pytest.raises(merkle.PathRefused, match="too short"):
                    merkle.root_from_inclusion_path(index, size, leaf, path[:-1])
                bent = [path[0][:-1] + bytes([path[0][-1] ^ 1]), *path[1:]]
                assert merkle.root_from_inclusion_path(index, size, leaf, bent) != root
            with pytest.raises(merkle.PathRefused, match="more hashes"):
                merkle.root_from_inclusion_path(index, size, leaf, [*path, leaf])
        with pytest.raises(merkle.PathRefused, match="is not in a tree"):
            merkle.root_from_inclusion_path(size, size, merkle.leaf_hash(b""), [])


def test_log_keys_read_as_the_log_writes_them(candor_verify):
    signer = Signer.from_seed("candor.example/recommendations", bytes(range(32)))
    parsed = candor_verify.LogKey.parse(signer.verifier.verifier_key)
    assert parsed.vkey == signer.verifier.verifier_key and parsed.key_id == signer.verifier.key_id
    # golang.org/x/mod/sumdb/note's published example key, which our log's tests also reproduce.
    golden = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    assert candor_verify.LogKey.parse(golden).vkey == Verifier.from_verifier_key(golden).verifier_key
    with pytest.raises(candor_verify.BadKey, match="does not match"):
        candor_verify.LogKey.parse(golden.replace("c74f20a3", "c74f20a4"))


def test_witness_keys_are_type_4(candor_verify):
    witness = Witness("witness.example/w1")
    parsed = candor_verify.CosignerKey.parse(witness.vkey)
    assert parsed.key_id == witness.key_id and parsed.public_key == witness.public_key
    with pytest.raises(candor_verify.BadKey, match="expected an Ed25519 witness key"):
        candor_verify.CosignerKey.parse(Signer.from_seed("log.example", bytes(32)).verifier.verifier_key)


def test_it_imports_nothing_of_candor():
    allowed = set(sys.stdlib_module_names) | {"cryptography", "candor_verify"}
    imported = set()
    for path in (PACKAGE / "candor_verify").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert imported and imported <= allowed, imported - allowed
    assert (PACKAGE / "pyproject.toml").read_text().count('dependencies = ["cryptography>=41"]') == 1


def test_a_key_is_named_by_name_and_id_even_with_a_plus_in_its_base64(candor_verify):
    signer = key_with_a_plus_sign()
    vkey = signer.verifier.verifier_key
    assert "+" in vkey.split("+", 2)[2]
    assert candor_verify.LogKey.parse(vkey).label == f"{signer.name}+{signer.verifier.key_id.hex()}"
