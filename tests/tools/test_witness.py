"""tools/candor-witness as a real process on loopback, against c2sp.org/tlog-witness: it cosigns
only checkpoints signed by a log it watches and consistent with the latest one it cosigned, answers
each refusal with the status the spec names, and remembers its state across a restart."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from app.audit.cosignature import WitnessKey, signature_lines, verify_cosignature
from app.audit.note import NoteError, split_note
from app.cli.witness_process import WitnessProcess, start_witness
from tests.app.audit.test_merkle import naive_consistency, naive_mth
from tests.tools.witness_log import ORIGIN, MemoryLog, submit

WITNESS_NAME = "witness.test/w1"


@pytest.fixture
def log() -> MemoryLog:
    memory_log = MemoryLog()
    memory_log.grow(5)
    return memory_log


@pytest.fixture
def witness(tmp_path: Path, log: MemoryLog) -> Iterator[WitnessProcess]:
    with start_witness(tmp_path / "witness", WITNESS_NAME, [log.verifier_key]) as running:
        yield running


def checked_cosignature(answer: requests.Response, witness: WitnessProcess, note: str) -> int:
    """The time of the witness's valid cosignature in a 200 answer."""
    assert answer.status_code == 200, answer.text
    text, _ = split_note(note)
    key = WitnessKey.from_verifier_key(witness.verifier_key)
    found = [verify_cosignature(line, key, text) for line in signature_lines(answer.text)]
    assert found and found[0] is not None
    return found[0].timestamp


def test_it_cosigns_a_first_checkpoint_then_a_consistent_larger_one(witness: WitnessProcess, log: MemoryLog) -> None:
    checked_cosignature(submit(witness.url, log.request(0)), witness, log.checkpoint())
    log.grow(8)
    proof = naive_consistency(5, log.leaves)
    assert proof, "a proof from 5 to 13 leaves is not empty"
    checked_cosignature(submit(witness.url, log.request(5)), witness, log.checkpoint())
    served = requests.get(f"{witness.url}/{hashlib.sha256(ORIGIN.encode()).hexdigest()}/checkpoint", timeout=10)
    assert served.status_code == 200
    text, signatures = split_note(served.text)
    assert text == split_note(log.checkpoint())[0]
    assert {signature.name for signature in signatures} == {ORIGIN, WITNESS_NAME}


def test_a_cosignature_does_not_verify_for_another_checkpoint(witness: WitnessProcess, log: MemoryLog) -> None:
    answer = submit(witness.url, log.request(0))
    other = log.checkpoint(4)
    with pytest.raises(NoteError, match="does not verify"):
        checked_cosignature(answer, witness, other)


def test_a_wrong_old_size_is_a_conflict_that_names_the_latest_size(witness: WitnessProcess, log: MemoryLog) -> None:
    assert submit(witness.url, log.request(0)).status_code == 200
    log.grow(3)
    answer = submit(witness.url, log.request(2))
    assert answer.status_code == 409
    assert answer.headers["Content-Type"] == "text/x.tlog.size"
    assert answer.text == "5\n"


def test_a_fork_is_refused(witness: WitnessProcess, log: MemoryLog) -> None:
    assert submit(witness.url, log.request(0)).status_code == 200
    fork = MemoryLog(salt=b"rewritten ")
    fork.grow(9)
    # The fork's proof is honest about its own tree, which does not start with the witnessed 5 leaves.
    answer = submit(witness.url, fork.request(5))
    assert answer.status_code == 422
    same_size_other_root = MemoryLog(salt=b"other ")
    same_size_other_root.grow(5)
    assert submit(witness.url, same_size_other_root.request(5)).status_code == 422


def test_a_corrupted_or_truncated_proof_is_refused(witness: WitnessProcess, log: MemoryLog) -> None:
    assert submit(witness.url, log.request(4, 4)).status_code == 409  # the witness has seen nothing yet
    assert submit(witness.url, log.request(0, 3)).status_code == 200
    log.grow(10)
    proof = naive_consistency(3, log.leaves)
    flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
    assert submit(witness.url, log.request(3, proof=flipped)).status_code == 422
    assert submit(witness.url, log.request(3, proof=proof[:-1])).status_code == 422
    assert submit(witness.url, log.request(3, proof=proof)).status_code == 200


def test_signatures_origins_and_sizes_are_checked(witness: WitnessProcess, log: MemoryLog) -> None:
    stranger = MemoryLog(origin="candor.test/another-log")
    stranger.grow(2)
    assert submit(witness.url, stranger.request(0)).status_code == 404
    impostor = MemoryLog(seed=b"\x08" * 32)  # our origin, another key
    impostor.grow(5)
    assert submit(witness.url, impostor.request(0)).status_code == 403
    text, _ = split_note(log.checkpoint())
    forged = log.checkpoint().replace(text, text.replace("\n5\n", "\n6\n"))
    assert submit(witness.url, log.request(0, note=forged)).status_code == 403
    assert submit(witness.url, log.request(6, 5, proof=[])).status_code == 400
    assert submit(witness.url, log.request(0, proof=[b"\x00" * 32])).status_code == 422
    empty_but_wrong = log.signer.sign(f"{ORIGIN}\n0\n{base64.b64encode(b'x' * 32).decode()}\n")
    assert submit(witness.url, log.request(0, 0, note=empty_but_wrong)).status_code == 422
    for garbage in (b"", b"old 01\n\n" + log.checkpoint().encode(), b"new 0\n\nx", b"old 0\n!!\n\nx", b"\xff\xfe"):
        assert submit(witness.url, garbage).status_code == 400, garbage
    assert requests.post(f"{witness.url}/add-checkpoint", data=b"x" * 80_000, timeout=10).status_code == 413
    assert requests.post(f"{witness.url}/elsewhere", data=b"", timeout=10).status_code == 404
    # None of it moved the witness: it has still cosigned nothing.
    assert submit(witness.url, log.request(0)).status_code == 200


def test_it_remembers_what_it_cosigned_across_a_restart(tmp_path: Path, log: MemoryLog) -> None:
    with start_witness(tmp_path / "w", WITNESS_NAME, [log.verifier_key]) as first:
        assert submit(first.url, log.request(0)).status_code == 200
    with start_witness(tmp_path / "w", WITNESS_NAME, [log.verifier_key]) as again:
        assert again.verifier_key == first.verifier_key
        answer = submit(again.url, log.request(0))
        assert (answer.status_code, answer.text) == (409, "5\n")


def test_two_submissions_from_one_size_cannot_both_be_cosigned(witness: WitnessProcess, log: MemoryLog) -> None:
    """Checking the old size and storing the new checkpoint are atomic: of two requests that both
    start from size 5, one succeeds and the other is told the size moved on."""
    assert submit(witness.url, log.request(0)).status_code == 200
    longer = MemoryLog()
    longer.grow(40)
    log.grow(7)
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def send(body: bytes) -> None:
        barrier.wait()
        answers.append(submit(witness.url, body).status_code)

    threads = [threading.Thread(target=send, args=(body,)) for body in (log.request(5), longer.request(5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409]
    assert naive_mth(log.leaves) != naive_mth(longer.leaves)


def test_a_log_can_be_trusted_under_two_keys_across_a_key_rotation(tmp_path: Path, log: MemoryLog) -> None:
    """--log given twice for one origin (the old and the new signing key): a checkpoint signed by
    either is cosigned, and the tree must still only grow."""
    rotated = MemoryLog(seed=b"\x0a" * 32)
    with start_witness(tmp_path / "w", WITNESS_NAME, [log.verifier_key, rotated.verifier_key]) as witness:
        assert submit(witness.url, log.request(0)).status_code == 200
        rotated.grow(9)
        assert rotated.leaves[:5] == log.leaves
        assert submit(witness.url, rotated.request(5)).status_code == 200
        stranger = MemoryLog(seed=b"\x0b" * 32)
        stranger.grow(9)
        assert submit(witness.url, stranger.request(9)).status_code == 403


def test_a_damaged_state_stops_cosigning_rather_than_forgetting(tmp_path: Path, log: MemoryLog) -> None:
    with start_witness(tmp_path / "w", WITNESS_NAME, [log.verifier_key]) as witness:
        assert submit(witness.url, log.request(0)).status_code == 200
        state_file = tmp_path / "w" / "state" / f"{hashlib.sha256(ORIGIN.encode()).hexdigest()}.json"
        state_file.write_text("{damaged")
        log.grow(2)
        answer = submit(witness.url, log.request(5))
        assert answer.status_code == 500 and "cannot read or store its state" in answer.text
        assert submit(witness.url, log.request(0)).status_code == 500
    assert "cannot read or store the state" in (tmp_path / "w" / "witness.log").read_text()
