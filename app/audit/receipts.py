"""Proof that the entries filed under a reference are in the log, for anyone: each entry's leaf
hash and inclusion path against the latest signed checkpoint, checked here before it is shown.
Nothing in it is personal data: hashes, indices, times, kinds, the checkpoint and our key."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import checkpoints, merkle, tree
from app.audit.checkpoints import SignedCheckpoint
from app.audit.keys import current_keys
from app.audit.models import AuditEntry, PersonalDataKey
from app.audit.personal import Erasure, erasure_of

REFERENCE_PATTERN = re.compile(r"^CND-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def normalise_reference(text: str) -> str | None:
    """A reference as a person may type it (spaces, lower case, no dashes), or None if it cannot be one."""
    compact = re.sub(r"[\s-]", "", text).upper()
    if compact.startswith("CND"):
        compact = compact[3:]
    candidate = f"CND-{compact[:4]}-{compact[4:]}"
    return candidate if len(compact) == 8 and REFERENCE_PATTERN.match(candidate) else None


@dataclass(frozen=True)
class EntryProof:
    index: int
    kind: str
    time: datetime
    leaf_hash: str
    inclusion_path: list[str]
    verified: bool
    erasure: Erasure | None


@dataclass(frozen=True)
class ReceiptProof:
    reference: str
    entries: list[EntryProof]
    checkpoint: SignedCheckpoint
    verifier_key: str
    origin: str

    @property
    def root_hash_base64(self) -> str:
        return base64.b64encode(self.checkpoint.root_hash).decode("ascii")

    @property
    def all_verified(self) -> bool:
        return all(entry.verified for entry in self.entries)


def prove_reference(session: Session, reference: str) -> ReceiptProof | None:
    """The proofs for every entry filed under `reference`, or None if there is none. May sign a
    checkpoint first (in the caller's transaction) when the latest one predates the entries."""
    rows = session.execute(
        select(AuditEntry.index, AuditEntry.kind, AuditEntry.created_at, AuditEntry.leaf_hash, AuditEntry.subject)
        .where(AuditEntry.reference == reference).order_by(AuditEntry.index)).all()
    if not rows:
        return None
    keys = current_keys()
    checkpoint = checkpoints.checkpoint_now(session, covering=rows[-1].index)
    signed = checkpoints.open_checkpoint(checkpoint.note, keys)
    erasures = _erasures(session, {row.subject for row in rows if row.subject})
    entries = []
    for row in rows:
        path = tree.inclusion_proof(session, row.index, checkpoint.tree_size)
        try:
            merkle.verify_inclusion(row.index, signed.size, bytes(row.leaf_hash), path, signed.root_hash)
            verified = True
        except merkle.ProofError:
            verified = False
        entries.append(EntryProof(row.index, row.kind, row.created_at, bytes(row.leaf_hash).hex(),
                                  [item.hex() for item in path], verified, erasures.get(row.subject)))
    return ReceiptProof(reference, entries, checkpoint, keys.verifier.verifier_key, keys.settings.origin)


def _erasures(session: Session, subjects: set[str]) -> dict[str | None, Erasure]:
    if not subjects:
        return {}
    rows = session.scalars(select(PersonalDataKey).where(PersonalDataKey.subject.in_(subjects),
                                                         PersonalDataKey.erased_at.is_not(None)))
    return {row.subject: erasure_of(row) for row in rows}
