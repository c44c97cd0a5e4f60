"""Signed notes and checkpoints against golang.org/x/mod/sumdb/note's published test vectors
(note_test.go) and the C2SP examples, and against malformed input."""

from __future__ import annotations

import base64

import pytest

from app.audit.note import CheckpointText, NoteError, Signer, Verifier, key_id, open_note, split_note

# golang.org/x/mod/sumdb/note, note_test.go.
PETER_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VERIFIER_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIGNATURE = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIGNATURE = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"


def peter() -> Signer:
    name, _, encoded = PETER_SIGNER_KEY.removeprefix("PRIVATE+KEY+").split("+", 2)
    return Signer.from_seed(name, base64.b64decode(encoded)[1:])


def test_signing_reproduces_the_go_implementations_note_byte_for_byte():
    assert peter().sign(TEXT) == TEXT + "\n" + PETER_SIGNATURE


def test_the_verifier_key_and_key_id_match_the_go_implementation():
    signer = peter()
    assert signer.verifier.verifier_key == PETER_VERIFIER_KEY
    assert key_id("PeterNeumann", signer.verifier.public_key).hex() == "c74f20a3"
    assert Verifier.from_verifier_key(ENOCH_VERIFIER_KEY).key_id.hex() == "af0cfe78"


def test_opening_checks_our_signature_and_ignores_other_keys():
    verifier = Verifier.from_verifier_key(PETER_VERIFIER_KEY)
    assert open_note(TEXT + "\n" + PETER_SIGNATURE + ENOCH_SIGNATURE, verifier) == TEXT
    assert open_note(TEXT + "\n" + ENOCH_SIGNATURE + PETER_SIGNATURE, verifier) == TEXT
    assert open_note(TEXT + "\n" + ENOCH_SIGNATURE, Verifier.from_verifier_key(ENOCH_VERIFIER_KEY)) == TEXT
    with pytest.raises(NoteError, match="not signed by PeterNeumann"):
        open_note(TEXT + "\n" + ENOCH_SIGNATURE, verifier)


def test_a_bad_signature_by_our_key_rejects_the_note():
    verifier = Verifier.from_verifier_key(PETER_VERIFIER_KEY)
    forged = PETER_SIGNATURE[:60] + "ABCD" + PETER_SIGNATURE[64:]
    with pytest.raises(NoteError, match="does not verify"):
        open_note(TEXT + "\n" + forged, verifier)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(TEXT.replace("answer", "answers") + "\n" + PETER_SIGNATURE, verifier)


@pytest.mark.parametrize("note", [
    TEXT,
    TEXT + "\n",
    TEXT + "\n" + PETER_SIGNATURE[:-1],
    "\x01" + TEXT + "\n" + PETER_SIGNATURE,
    TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
    TEXT + "\n" + PETER_SIGNATURE + "Unexpected line.\n",
    TEXT + "\n" + "— PeterNeumann not*base64\n",
    TEXT + "\n" + "— PeterNeumann AAAA\n",
    TEXT + "\n" + PETER_SIGNATURE * 101,
])
def test_malformed_notes_are_rejected(note):
    with pytest.raises(NoteError):
        open_note(note, Verifier.from_verifier_key(PETER_VERIFIER_KEY))


def test_mangled_verifier_keys_are_rejected():
    for position in range(len(PETER_VERIFIER_KEY)):
        mangled = PETER_VERIFIER_KEY[:position] + chr(ord(PETER_VERIFIER_KEY[position]) + 1) + \
            PETER_VERIFIER_KEY[position + 1:]
        with pytest.raises(NoteError):
            Verifier.from_verifier_key(mangled)
    for bad in (PETER_VERIFIER_KEY[:-4], "PeterNeumann+c74f20a3", "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"):
        with pytest.raises(NoteError):
            Verifier.from_verifier_key(bad)


def test_checkpoint_text_follows_tlog_checkpoint():
    """The C2SP tlog-checkpoint example parses, and formatting it back gives the same text."""
    example = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    parsed = CheckpointText.parse(example)
    assert (parsed.origin, parsed.size) == ("example.com/behind-the-sofa", 20852163)
    assert parsed.format() == example
    assert CheckpointText.parse(example + "extension line\n").size == 20852163


@pytest.mark.parametrize("text", [
    "example.com/log\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    "example.com/log\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    "example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
    "example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx=\n",
    "example.com/log\n12\n",
    "example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
    "example.com/log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
])
def test_malformed_checkpoints_are_rejected(text):
    with pytest.raises(NoteError):
        CheckpointText.parse(text)


def test_a_signed_checkpoint_round_trips():
    signer = peter()
    body = CheckpointText("candor.example/recommendations", 0, bytes(32)).format()
    note = signer.sign(body)
    text, signatures = split_note(note)
    assert text == body and [signature.name for signature in signatures] == ["PeterNeumann"]
    assert CheckpointText.parse(open_note(note, signer.verifier)).size == 0


def key_with_a_plus_sign() -> Signer:
    """A signer whose verifier key's base64 part contains '+', the separator of the key's parts."""
    for seed in range(256):
        signer = Signer.from_seed("example.com/log", bytes([seed]) * 32)
        if "+" in signer.verifier.verifier_key.split("+", 2)[2]:
            return signer
    raise AssertionError("no seed below 256 gives a verifier key with a plus sign")


def test_verifier_keys_whose_base64_has_plus_signs_parse():
    signer = key_with_a_plus_sign()
    assert Verifier.from_verifier_key(signer.verifier.verifier_key) == signer.verifier
    assert open_note(signer.sign("hello\n"), Verifier.from_verifier_key(signer.verifier.verifier_key)) == "hello\n"
