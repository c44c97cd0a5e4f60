"""Proof that the entries filed under a reference are in the log, for anyone: each entry's
inclusion in the first signed checkpoint that covers it, and that checkpoint's consistency with
the latest one (the log has only grown since), all checked here, with the verifier key, before
anything is said. Nothing in it is personal data: hashes, indices, times, kinds, the checkpoints
and our key."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import checkpoints, merkle, receipt_words as words, tree
from app.audit.checkpoints import SignedCheckpoint
from app.audit.key_chain import KeyChain
from app.audit.keys import AuditKeys, current_keys
from app.audit.models import AuditCheckpoint, AuditEntry, PersonalDataKey
from app.audit.note import NoteError
from app.audit.personal import Erasure, erasure_of
from app.audit.signing_keys import key_chain

REFERENCE_PATTERN = re.compile(r"^CND-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def normalise_reference(text: str) -> str | None:
    """A reference as a person may type it (spaces, lower case, no dashes), or None if it cannot be one."""
    compact = re.sub(r"[\s-]", "", text).upper()
    if compact.startswith("CND"):
        compact = compact[3:]
    candidate = f"CND-{compact[:4]}-{compact[4:]}"
    return candidate if len(compact) == 8 and REFERENCE_PATTERN.match(candidate) else None


@dataclass(frozen=True)
class CheckedCheckpoint:
    """A stored checkpoint, and whether its signature checks out with our verifier key."""

    checkpoint: SignedCheckpoint
    signed: bool

    @property
    def tree_size(self) -> int:
        return self.checkpoint.tree_size

    @property
    def root_hash_base64(self) -> str:
        return base64.b64encode(self.checkpoint.root_hash).decode("ascii")


@dataclass(frozen=True)
class EntryProof:
    """One entry: included in the first signed checkpoint that covers it (`covering`), and that
    checkpoint consistent with the latest one (the log has only grown since). `problem` says in
    words what could not be proven; None when everything was."""

    index: int
    kind: str
    time: datetime
    leaf_hash: str
    erasure: Erasure | None
    covering: CheckedCheckpoint | None
    covering_is_latest: bool
    inclusion_path: list[str]
    consistency_path: list[str]
    problem: str | None

    @property
    def verified(self) -> bool:
        return self.problem is None

    @property
    def logged(self) -> str:
        """What was logged, when: a fact once proven, else what our records say."""
        return words.logged(self.kind, self.index, self.time, proven=self.verified)

    @property
    def proven(self) -> str:
        """What the proofs show, or what they could not."""
        if self.problem is not None:
            return self.problem
        assert self.covering is not None
        return words.proven(self.covering.checkpoint.created_at, latest=self.covering_is_latest)


@dataclass(frozen=True)
class ReceiptProof:
    reference: str
    entries: list[EntryProof]
    latest: CheckedCheckpoint
    verifier_key: str  # the key that signs now
    origin: str
    earlier_verifier_keys: tuple[str, ...] = ()  # keys that signed before a rotation, newest first

    @property
    def checkpoint(self) -> SignedCheckpoint:
        return self.latest.checkpoint

    @property
    def checkpoints(self) -> list[CheckedCheckpoint]:
        """Every checkpoint the proofs lead to, oldest first."""
        found = {entry.covering.tree_size: entry.covering for entry in self.entries if entry.covering is not None}
        found[self.latest.tree_size] = self.latest
        return [found[size] for size in sorted(found)]

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
    chain = key_chain(session, keys)
    latest = _checked(checkpoints.checkpoint_now(session, covering=rows[-1].index), keys, chain)
    erasures = _erasures(session, {row.subject for row in rows if row.subject})
    entries = [_prove_entry(session, row, latest, (keys, chain), erasures.get(row.subject)) for row in rows]
    return ReceiptProof(reference, entries, latest, chain.current.verifier.verifier_key, keys.settings.origin,
                        tuple(key.verifier.verifier_key for key in reversed(chain.earlier)))


def _checked(checkpoint: SignedCheckpoint, keys: AuditKeys, chain: KeyChain) -> CheckedCheckpoint:
    try:
        text = checkpoints.open_checkpoint(checkpoint.note, keys, chain)
    except NoteError:
        return CheckedCheckpoint(checkpoint, False)
    return CheckedCheckpoint(checkpoint, text.size == checkpoint.tree_size and text.root_hash == checkpoint.root_hash)


def _covering(session: Session, index: int, latest: CheckedCheckpoint,
              signing: tuple[AuditKeys, KeyChain]) -> CheckedCheckpoint:
    """The first checkpoint signed with the entry in it (the latest when none before it)."""
    row = session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.tree_size > index)
                          .order_by(AuditCheckpoint.tree_size).limit(1)).first()
    if row is None or row.tree_size >= latest.tree_size:
        return latest
    return _checked(SignedCheckpoint(row.tree_size, bytes(row.root_hash), row.created_at, row.note), *signing)


def _prove_entry(session: Session, row: Any, latest: CheckedCheckpoint, signing: tuple[AuditKeys, KeyChain],
                 erasure: Erasure | None) -> EntryProof:
    leaf_hash = bytes(row.leaf_hash)
    covering = _covering(session, row.index, latest, signing)
    proof = partial(EntryProof, row.index, row.kind, row.created_at, leaf_hash.hex(), erasure, covering,
                    covering is latest)
    when = words.date(covering.checkpoint.created_at)
    for checkpoint in (covering, latest):
        if not checkpoint.signed:
            return proof([], [], words.unsigned(words.date(checkpoint.checkpoint.created_at)))
    try:
        path = tree.inclusion_proof(session, row.index, covering.tree_size)
        merkle.verify_inclusion(row.index, covering.tree_size, leaf_hash, path, covering.checkpoint.root_hash)
    except (merkle.ProofError, merkle.MissingNodes):
        return proof([], [], words.not_included(row.index, when))
    try:
        consistency = tree.consistency_proof(session, covering.tree_size, latest.tree_size)
        merkle.verify_consistency(covering.tree_size, latest.tree_size, covering.checkpoint.root_hash,
                                  latest.checkpoint.root_hash, consistency)
    except (merkle.ProofError, merkle.MissingNodes):
        return proof([item.hex() for item in path], [], words.not_grown(when))
    return proof([item.hex() for item in path], [item.hex() for item in consistency], None)


def _erasures(session: Session, subjects: set[str]) -> dict[str | None, Erasure]:
    if not subjects:
        return {}
    rows = session.scalars(select(PersonalDataKey).where(PersonalDataKey.subject.in_(subjects),
                                                         PersonalDataKey.erased_at.is_not(None)))
    return {row.subject: erasure_of(row) for row in rows}
