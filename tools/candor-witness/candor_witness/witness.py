"""add-checkpoint (c2sp.org/tlog-witness): check a submitted checkpoint and, when it is signed by
the log and consistent with the latest one cosigned, cosign it. The HTTP status of each refusal is
the one the spec names."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from candor_witness.merkle import EMPTY_ROOT, MAX_PROOF_HASHES, InconsistentError, verify_consistency
from candor_witness.notes import (
    NOTE_SIGNATURE, Checkpoint, Cosigner, NoteError, PublicKey, b64decode, split_note, verified_by,
)
from candor_witness.state import Latest, StateDirectory

logger = logging.getLogger("candor_witness")


class Refusal(Exception):
    """The witness does not cosign: `status` is the HTTP status, `body` what it answers."""

    def __init__(self, status: int, message: str, *, body: str | None = None, content_type: str = "text/plain; charset=utf-8") -> None:
        super().__init__(message)
        self.status = status
        self.body = body if body is not None else message + "\n"
        self.content_type = content_type


@dataclass(frozen=True)
class Submission:
    old_size: int
    proof: list[bytes]
    note: str


def _decimal(text: str) -> int:
    if not text.isascii() or not text.isdigit() or (text != "0" and text[0] == "0") or len(text) > 19:
        raise Refusal(400, f"{text[:24]!r} is not a decimal size without leading zeros")
    return int(text)


def parse_submission(body: bytes) -> Submission:
    """old <size>\\n, up to 63 base64 proof lines, an empty line, then the checkpoint note."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "the request body is not UTF-8") from None
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise Refusal(400, "the request is an old size line, proof lines, an empty line, then the checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise Refusal(400, "the first line is 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_HASHES:
        raise Refusal(400, "a consistency proof has at most 63 hashes")
    try:
        proof = [b64decode(line) for line in lines[1:]]
    except NoteError as error:
        raise Refusal(400, str(error)) from None
    if any(len(item) != 32 for item in proof):
        raise Refusal(400, "each proof line is the base64 of a 32-byte hash")
    return Submission(_decimal(lines[0][4:]), proof, note)


class Witness:
    def __init__(self, cosigner: Cosigner, logs: Iterable[PublicKey], state: StateDirectory,
                 clock: Callable[[], float] = time.time) -> None:
        self.cosigner = cosigner
        self.logs: dict[str, list[PublicKey]] = {}
        for key in logs:
            if key.key_type != NOTE_SIGNATURE:
                raise ValueError("a log is trusted by its Ed25519 note key (type 0x01)")
            self.logs.setdefault(key.name, []).append(key)
        self.state = state
        self.clock = clock

    def _open(self, note: str) -> Checkpoint:
        try:
            text, signatures = split_note(note)
            checkpoint = Checkpoint.parse(text)
        except NoteError as error:
            raise Refusal(400, f"not a signed checkpoint: {error}") from None
        keys = self.logs.get(checkpoint.origin)
        if keys is None:
            raise Refusal(404, f"this witness does not watch the log {checkpoint.origin[:100]!r}")
        try:
            signed = any([verified_by(text, signatures, key) for key in keys])
        except NoteError as error:
            raise Refusal(403, str(error)) from None
        if not signed:
            raise Refusal(403, f"the checkpoint is not signed by a key this witness trusts for {checkpoint.origin}")
        return checkpoint

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line(s) for the submitted checkpoint, or a Refusal."""
        submission = parse_submission(body)
        checkpoint = self._open(submission.note)
        if submission.old_size > checkpoint.size:
            raise Refusal(400, f"the old size {submission.old_size} is larger than the checkpoint's {checkpoint.size}")
        with self.state.locked():
            latest = self.state.latest(checkpoint.origin)
            known = latest.size if latest else 0
            if submission.old_size != known:
                raise Refusal(409, f"the latest size cosigned is {known}", body=f"{known}\n",
                              content_type="text/x.tlog.size")
            self._check_consistency(submission, checkpoint, latest)
            line = self.cosigner.cosign(checkpoint.text, int(self.clock()))
            note_with_ours = submission.note + line.format()
            self.state.store(checkpoint.origin, Latest(checkpoint.size, checkpoint.root_hash, note_with_ours))
        logger.info("cosigned %s at size %d", checkpoint.origin, checkpoint.size)
        return line.format()

    @staticmethod
    def _check_consistency(submission: Submission, checkpoint: Checkpoint, latest: Latest | None) -> None:
        if checkpoint.size == 0 and checkpoint.root_hash != EMPTY_ROOT:
            raise Refusal(422, "a checkpoint of size 0 has the empty tree's root hash")
        if latest is None:
            if submission.proof:
                raise Refusal(422, "from the empty tree the consistency proof is empty")
            return
        try:
            verify_consistency(latest.size, checkpoint.size, latest.root_hash, checkpoint.root_hash, submission.proof)
        except InconsistentError as error:
            logger.warning("refused %s at size %d: %s (latest cosigned: %d)", checkpoint.origin, checkpoint.size,
                           error, latest.size)
            raise Refusal(422, f"not consistent with the latest checkpoint cosigned: {error}") from None
