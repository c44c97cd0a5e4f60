"""candor-verify against real receipts, downloaded from a real app's results pages: a good one is
verified and explained in words; a tampered entry, a wrong index, a truncated proof, a forged
checkpoint and a missing witness are each refused with the reason, and never verified."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit import current_keys
from app.audit.note import CheckpointText, Signer
from tests.app.audit.test_verify_page import compare
from tests.tools.conftest import Witness

COMPARISONS = 5
# The first append signs a checkpoint of one entry; the receipts of entries 2 to 4 are proven
# against the checkpoint of all five that the first of them has signed.


@dataclass
class Receipts:
    texts: list[str]  # the latest ranking's receipt of each comparison, in order
    references: list[str]
    verifier_key: str
    leaf_hashes: list[str]


@pytest.fixture
def receipts(app, client) -> Receipts:  # type: ignore[no-untyped-def]
    references = [compare(client) for _ in range(COMPARISONS)]
    texts = []
    for reference in references:
        response = client.get(f"/results/{reference}/proof")
        assert response.status_code == 200 and response.mimetype == "text/plain"
        texts.append(response.get_data(as_text=True))
    with app.app_context():
        key = current_keys().verifier.verifier_key
    hashes = [re.search(r'<code class="hash">([0-9a-f]{64})</code>', client.get(f"/results/{ref}").get_data(as_text=True))[1]
              for ref in references]
    return Receipts(texts, references, key, hashes)


def run(candor_verify, tmp_path: Path, text: str, *arguments: str) -> int:  # type: ignore[no-untyped-def]
    receipt = tmp_path / "receipt.tlog-proof"
    receipt.write_text(text, encoding="utf-8")
    return candor_verify.cli.main([str(receipt), *arguments])


def refused(candor_verify, capsys, tmp_path: Path, text: str, *arguments: str) -> str:  # type: ignore[no-untyped-def]
    assert run(candor_verify, tmp_path, text, *arguments) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("NOT VERIFIED")
    return captured.err


def lines_of(text: str) -> tuple[list[str], str]:
    """The receipt's proof lines, and the checkpoint note after the blank line."""
    proof, _, note = text.partition("\n\n")
    return proof.split("\n"), note


def joined(lines: list[str], note: str) -> str:
    return "\n".join(lines) + "\n\n" + note


def test_a_receipt_verifies_and_says_in_words_what_it_proved(candor_verify, receipts, tmp_path, capsys):
    key_file = tmp_path / "verifier.key"
    key_file.write_text(receipts.verifier_key + "\n")
    assert run(candor_verify, tmp_path, receipts.texts[2], "--key", str(key_file)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Verified: ")
    assert f"Entry 2: A recommendation, reference {receipts.references[2]}, logged on " in out
    assert f"hash to leaf hash {receipts.leaf_hashes[2]} (computed here" in out
    assert f"The checkpoint of the log candor.example/recommendations at {COMPARISONS} entries" in out
    name_and_id = "+".join(receipts.verifier_key.split("+", 2)[:2])  # the key's base64 may hold a '+' too
    assert f"is signed by the key {name_and_id} that you gave" in out
    assert "No witnesses were named" in out
    assert "leads from that leaf at index 2 to the checkpoint's root hash" in out


def test_the_receipt_is_a_tlog_proof_with_the_entry_bytes(candor_verify, receipts):
    lines, note = lines_of(receipts.texts[1])
    assert lines[0] == "c2sp.org/tlog-proof@v1" and lines[2] == "index 1"
    leaf = base64.b64decode(lines[1].removeprefix("extra "))
    assert leaf.startswith(b'{"entry":{') and b'"index":1,' in leaf
    assert len(lines[3:]) == 3  # leaf 1 of a tree of 5: its sibling, the pair 2-3, then leaf 4
    assert CheckpointText.parse(note[: note.rfind("\n\n") + 1]).size == COMPARISONS
    assert re.fullmatch(r"[^\n]+\n\d+\n[A-Za-z0-9+/=]{44}\n\n(\u2014 [^\n]+\n)+", note)


def test_a_tampered_entry_is_refused(candor_verify, receipts, tmp_path, capsys):
    lines, note = lines_of(receipts.texts[3])
    leaf = base64.b64decode(lines[1].removeprefix("extra "))
    changed = leaf.replace(b'"house"', b'"House"', 1)
    assert changed != leaf
    lines[1] = "extra " + base64.b64encode(changed).decode()
    error = refused(candor_verify, capsys, tmp_path, joined(lines, note), "--key", receipts.verifier_key)
    assert "does not lead to the checkpoint's root hash" in error


def test_a_wrong_index_is_refused(candor_verify, receipts, tmp_path, capsys):
    lines, note = lines_of(receipts.texts[3])
    lines[2] = "index 2"  # entry 3's bytes and path, claimed as entry 2
    error = refused(candor_verify, capsys, tmp_path, joined(lines, note), "--key", receipts.verifier_key)
    assert "wrong index: the receipt claims entry 2, but the entry's own bytes say it is entry 3" in error
    # Entry 2's own bytes under entry 3's path: the header agrees, the path does not lead to the root.
    other, _ = lines_of(receipts.texts[2])
    lines[1] = other[1]
    error = refused(candor_verify, capsys, tmp_path, joined(lines, note), "--key", receipts.verifier_key)
    assert "does not lead to the checkpoint's root hash" in error


def test_a_truncated_proof_is_refused(candor_verify, receipts, tmp_path, capsys):
    lines, note = lines_of(receipts.texts[3])
    error = refused(candor_verify, capsys, tmp_path, joined(lines[:-1], note), "--key", receipts.verifier_key)
    assert "missing hashes: it is too short" in error
    error = refused(candor_verify, capsys, tmp_path, receipts.texts[3][: len(receipts.texts[3]) // 2],
                    "--key", receipts.verifier_key)
    assert "not a receipt we can read" in error
    error = refused(candor_verify, capsys, tmp_path, joined(lines + [lines[-1]], note), "--key", receipts.verifier_key)
    assert "more hashes than a tree of this size needs" in error


def test_a_forged_checkpoint_is_refused(candor_verify, receipts, tmp_path, capsys):
    lines, note = lines_of(receipts.texts[3])
    origin, size, root, rest = note.split("\n", 3)
    grown = "\n".join([origin, str(int(size) + 1), root, rest])
    error = refused(candor_verify, capsys, tmp_path, joined(lines, grown), "--key", receipts.verifier_key)
    assert "forged checkpoint: its signature by candor.example/recommendations+" in error
    # Signed by someone else's key under our log's name: not a key the verifier was given.
    impostor = Signer(origin, Ed25519PrivateKey.generate()).sign(note[: note.rfind("\n\n") + 1])
    error = refused(candor_verify, capsys, tmp_path, joined(lines, impostor), "--key", receipts.verifier_key)
    assert "not signed by any key you gave for 'candor.example/recommendations'" in error
    other_log = Signer("other.example/log", Ed25519PrivateKey.generate()).verifier.verifier_key
    error = refused(candor_verify, capsys, tmp_path, receipts.texts[3], "--key", other_log)
    assert "none of your keys is for it (your keys are for: other.example/log)" in error


def test_a_rotated_key_is_accepted_beside_the_old_one(candor_verify, receipts, tmp_path, capsys):
    old = Signer("candor.example/recommendations", Ed25519PrivateKey.generate()).verifier.verifier_key
    assert run(candor_verify, tmp_path, receipts.texts[3], "--key", old, "--key", receipts.verifier_key) == 0
    assert "Verified" in capsys.readouterr().out


def test_witnesses_k_of_n_and_a_missing_witness_refused(candor_verify, receipts, tmp_path, capsys):
    first, second, third = Witness("w1.example/witness"), Witness("w2.example/witness"), Witness("w3.example/witness")
    lines, note = lines_of(receipts.texts[3])
    cosigned = joined(lines, second.cosign(first.cosign(note)))
    key = ("--key", receipts.verifier_key)
    witnesses = ("--witness", first.vkey, "--witness", second.vkey, "--witness", third.vkey)

    error = refused(candor_verify, capsys, tmp_path, cosigned, *key, *witnesses)
    assert "missing witness: 2 of the 3 witnesses you named cosigned the checkpoint and you require 3" in error
    assert "w3.example/witness did not cosign it" in error

    assert run(candor_verify, tmp_path, cosigned, *key, *witnesses, "--witnesses-required", "2") == 0
    out = capsys.readouterr().out
    assert "2 of the 3 witnesses you named cosigned that checkpoint (you required 2): w1.example/witness at " in out

    # A cosignature over another tree (here: a changed timestamp) does not count.
    forged_line = second.cosign(note).rsplit("\n", 2)[-2]
    raw = bytearray(base64.b64decode(forged_line.split(" ")[-1]))
    raw[11] ^= 1
    tampered = joined(lines, first.cosign(note) + f"\u2014 {second.name} {base64.b64encode(bytes(raw)).decode()}\n")
    error = refused(candor_verify, capsys, tmp_path, tampered, *key, *witnesses[:4], "--witnesses-required", "2")
    assert "w2.example/witness's cosignature does not verify" in error


def test_keys_that_are_not_keys_are_a_usage_error(candor_verify, receipts, tmp_path, capsys):
    witness = Witness("w1.example/witness")
    assert run(candor_verify, tmp_path, receipts.texts[3], "--key", witness.vkey) == 2
    assert "expected an Ed25519 log key (type 0x01) of 32 bytes; this is an Ed25519 witness key" in capsys.readouterr().err
    assert run(candor_verify, tmp_path, receipts.texts[3], "--key", "nonsense") == 2
    assert run(candor_verify, tmp_path, receipts.texts[3], "--key", receipts.verifier_key,
               "--witnesses-required", "1") == 2
    assert "--witnesses-required 1: you named 0 witnesses" in capsys.readouterr().err
    assert candor_verify.cli.main([str(tmp_path / "absent"), "--key", receipts.verifier_key]) == 2


def test_a_receipt_without_the_entry_bytes_is_refused(candor_verify, receipts, tmp_path, capsys):
    lines, note = lines_of(receipts.texts[3])
    error = refused(candor_verify, capsys, tmp_path, joined([lines[0], *lines[2:]], note), "--key", receipts.verifier_key)
    assert "does not carry the entry's bytes" in error


def test_flask_audit_receipt_prints_the_same_receipt(candor_verify, app, receipts, runner, tmp_path, capsys):
    printed = runner.invoke(args=["audit", "receipt", receipts.references[4]])
    assert printed.exit_code == 0 and printed.output == receipts.texts[4]
    other = runner.invoke(args=["audit", "receipt", receipts.references[4], "--index", "3"])
    assert other.exit_code == 2 and f"No entry 3 is filed under the reference {receipts.references[4]}." in other.output
    unknown = runner.invoke(args=["audit", "receipt", "cnd-0000-0000"])
    assert unknown.exit_code == 2 and "No ranking is filed under the reference CND-0000-0000." in unknown.output


def test_a_receipt_saved_with_windows_line_ends_still_verifies(candor_verify, receipts, tmp_path, capsys):
    crlf = receipts.texts[3].replace("\n", "\r\n").encode("utf-8")
    (tmp_path / "saved.tlog-proof").write_bytes(crlf)
    assert candor_verify.cli.main([str(tmp_path / "saved.tlog-proof"), "--key", receipts.verifier_key]) == 0
    assert "Entry 3: A recommendation" in capsys.readouterr().out
    lone_cr = receipts.texts[3].replace("\n", "\r", 1)
    assert "no control characters other than newlines" in refused(candor_verify, capsys, tmp_path, lone_cr,
                                                                  "--key", receipts.verifier_key)
