"""Asking witnesses to cosign our latest checkpoint (c2sp.org/tlog-witness), and serving our
checkpoints with the cosignatures they gave.

For each witness we send `old <size it last cosigned>`, the RFC 9162 consistency proof from that
size to the checkpoint's, and the signed checkpoint. A witness that remembers another size answers
409 with it, and we try once more from there (it lost its state, or a cosignature never reached
us). A witness claiming a larger tree than our latest checkpoint is an alarm: it has seen a
checkpoint under our name that we did not sign, or that we lost. Whatever a witness answers is
bounded (MAX_ANSWER_BYTES, a timeout, no redirects) and each cosignature is checked against the
witness's key before it is stored.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.checkpoints import SignedCheckpoint
from app.audit.cosignature import signature_lines, verify_cosignature
from app.audit.models import AuditCheckpoint, AuditCosignature
from app.audit.note import NoteError, split_note
from app.audit.tree import consistency_proof
from app.audit.witnesses import Witness

MAX_ANSWER_BYTES = 8192
TLOG_SIZE = "text/x.tlog.size"


@dataclass(frozen=True)
class CosignOutcome:
    witness: str
    url: str
    tree_size: int
    cosigned: bool
    message: str
    alarm: bool = False


@dataclass(frozen=True)
class WitnessAnswer:
    status: int
    text: str
    content_type: str


class WitnessUnreachable(Exception):
    pass


def last_cosigned_size(session: Session, witness: Witness) -> int | None:
    return session.scalar(select(func.max(AuditCosignature.tree_size)).where(
        AuditCosignature.witness == witness.name, AuditCosignature.key_id == witness.key.key_id.hex()))


def _request_body(session: Session, old: int, checkpoint: SignedCheckpoint) -> bytes:
    proof = consistency_proof(session, old, checkpoint.tree_size)
    lines = [f"old {old}", *(base64.b64encode(item).decode("ascii") for item in proof)]
    return ("\n".join(lines) + "\n\n" + checkpoint.note).encode("utf-8")


def _submit(witness: Witness, body: bytes, timeout_s: float) -> WitnessAnswer:
    import requests  # only `flask audit cosign` asks witnesses: a web worker never carries requests (4 MB)

    try:
        with requests.post(f"{witness.url}/add-checkpoint", data=body, timeout=timeout_s, allow_redirects=False,
                           stream=True, headers={"Content-Type": "text/plain; charset=utf-8"}) as response:
            raw = response.raw.read(MAX_ANSWER_BYTES + 1, decode_content=True)
            status, content_type = response.status_code, response.headers.get("Content-Type", "")
    except requests.RequestException as error:
        raise WitnessUnreachable(f"did not answer ({type(error).__name__})") from None
    if len(raw) > MAX_ANSWER_BYTES:
        raise WitnessUnreachable(f"answered with more than {MAX_ANSWER_BYTES:,} bytes")
    return WitnessAnswer(status, raw.decode("utf-8", "replace"), content_type.split(";")[0].strip())


def _said(answer: WitnessAnswer) -> str:
    first_line = answer.text.split("\n", 1)[0]
    printable = "".join(character for character in first_line if character.isprintable())[:160]
    return f"refused with HTTP {answer.status}" + (f": {printable}" if printable else "")


def _size_in(answer: WitnessAnswer) -> int | None:
    text = answer.text
    if answer.content_type != TLOG_SIZE or not text.endswith("\n") or not text[:-1].isdigit() or len(text) > 20:
        return None
    return int(text[:-1])


def _cosign_one(session: Session, witness: Witness, checkpoint: SignedCheckpoint, *, timeout_s: float,
                now: datetime) -> CosignOutcome:
    def outcome(cosigned: bool, message: str, alarm: bool = False) -> CosignOutcome:
        return CosignOutcome(witness.name, witness.url, checkpoint.tree_size, cosigned, message, alarm)

    old = last_cosigned_size(session, witness) or 0
    if old == checkpoint.tree_size:
        return outcome(True, "had already cosigned it")
    try:
        answer = _submit(witness, _request_body(session, min(old, checkpoint.tree_size), checkpoint), timeout_s)
        if answer.status == 409:
            seen = _size_in(answer)
            if seen is None:
                return outcome(False, "answered 409 without the size it last cosigned")
            if seen > checkpoint.tree_size:
                return outcome(False, f"ALARM: it has cosigned a tree of {seen:,} entries, more than our latest "
                                      f"checkpoint ({checkpoint.tree_size:,})", alarm=True)
            answer = _submit(witness, _request_body(session, seen, checkpoint), timeout_s)
    except WitnessUnreachable as error:
        return outcome(False, str(error))
    if answer.status != 200:
        return outcome(False, _said(answer))
    text, _ = split_note(checkpoint.note)
    try:
        found = [cosignature for line in signature_lines(answer.text)
                 if (cosignature := verify_cosignature(line, witness.key, text)) is not None]
    except NoteError as error:
        return outcome(False, f"sent a cosignature that does not check: {error}")
    if not found:
        return outcome(False, "answered without a cosignature by its key")
    cosignature = found[0]
    session.add(AuditCosignature(
        tree_size=checkpoint.tree_size, witness=witness.name, key_id=witness.key.key_id.hex(), line=cosignature.line,
        cosigned_at=datetime.fromtimestamp(cosignature.timestamp, tz=timezone.utc), received_at=now))
    return outcome(True, "cosigned it")


def cosign(session: Session, checkpoint: SignedCheckpoint, witnesses: tuple[Witness, ...], *, timeout_s: float,
           now: datetime) -> list[CosignOutcome]:
    """Asks each witness to cosign `checkpoint` (already stored); adds the cosignatures to the
    session, and the caller commits."""
    return [_cosign_one(session, witness, checkpoint, timeout_s=timeout_s, now=now) for witness in witnesses]


def cosignatures_of(session: Session, tree_size: int) -> list[AuditCosignature]:
    return list(session.scalars(select(AuditCosignature).where(AuditCosignature.tree_size == tree_size)
                                .order_by(AuditCosignature.witness, AuditCosignature.key_id)))


def with_cosignatures(session: Session, checkpoint: SignedCheckpoint) -> str:
    """The checkpoint's signed note with every stored cosignature of it added: still a valid
    signed note, which a verifier checks with our key and, if it wants, k of n witness keys."""
    return checkpoint.note + "".join(row.line for row in cosignatures_of(session, checkpoint.tree_size))


@dataclass(frozen=True)
class WitnessStanding:
    """What one configured witness has vouched for: the largest of our checkpoints it cosigned,
    and when (the time inside its cosignature)."""

    name: str
    url: str
    verifier_key: str
    tree_size: int | None
    cosigned_at: datetime | None


def witness_standing(session: Session, witnesses: tuple[Witness, ...]) -> list[WitnessStanding]:
    standings = []
    for witness in witnesses:
        row = session.scalars(select(AuditCosignature).where(
            AuditCosignature.witness == witness.name, AuditCosignature.key_id == witness.key.key_id.hex())
            .order_by(AuditCosignature.tree_size.desc()).limit(1)).first()
        standings.append(WitnessStanding(witness.name, witness.url, witness.key.verifier_key,
                                         row.tree_size if row else None, row.cosigned_at if row else None))
    return standings


def latest_cosigned(session: Session, *, covering: int | None = None) -> SignedCheckpoint | None:
    """The largest checkpoint at least one witness has cosigned (and that includes entry
    `covering`, if given): what a receipt that wants witnesses should be proven against."""
    query = select(AuditCheckpoint).where(select(AuditCosignature.tree_size).where(
        AuditCosignature.tree_size == AuditCheckpoint.tree_size).exists())
    if covering is not None:
        query = query.where(AuditCheckpoint.tree_size > covering)
    row = session.scalars(query.order_by(AuditCheckpoint.tree_size.desc()).limit(1)).first()
    return None if row is None else SignedCheckpoint(row.tree_size, bytes(row.root_hash), row.created_at, row.note)
