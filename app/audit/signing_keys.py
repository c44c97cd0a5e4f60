"""Rotating the checkpoint signing key, with a hand-over anyone can check.

`rotate` appends a `signing-key-rotation` entry naming the key in use (`previous`) and the new one
(`next`), then stores a hand-over checkpoint of the log that includes it: an ordinary C2SP
tlog-checkpoint with one extension line, `candor-next-key <new verifier key>`, signed by the old
key and by the new one. So someone who trusts the old key learns the new one from a note the old
key signed, and the announcement itself is an entry of the log, covered by every later proof.

The chain of keys (app/audit/key_chain.py) is read back from those entries; each key may sign
checkpoints from the size at which it was announced, and earlier keys stay valid, so instances not
yet switched to the new key keep producing checkpoints that verify. `chain_problems` checks, for
`flask audit verify`, that every announced key has its hand-over signed by the key before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.checkpoints import SignedCheckpoint, latest
from app.audit.key_chain import ChainKey, KeyChain
from app.audit.keys import AuditKeys
from app.audit.log import append, document
from app.audit.models import AuditCheckpoint, AuditEntry
from app.audit.note import CheckpointText, NoteError, Signer, Verifier, add_signature, open_note, split_note
from app.audit.tree import read_head

SIGNING_KEY_ROTATION = "signing-key-rotation"
SIGNING_KEY_HANDOVER = "signing-key-handover"
NEXT_KEY = "candor-next-key "
HANDOVER_ATTEMPTS = 3


class RotationError(RuntimeError):
    """The rotation cannot be made as asked; the message says why."""


def key_chain(session: Session, keys: AuditKeys) -> KeyChain:
    """Our signing keys, oldest first, from the log's rotation entries (only the key this
    instance signs with when there has been no rotation)."""
    rotations = list(session.scalars(select(AuditEntry).where(AuditEntry.kind == SIGNING_KEY_ROTATION)
                                     .order_by(AuditEntry.index)))
    if not rotations:
        return KeyChain.single(keys.verifier)
    first = document(rotations[0])
    chain = [ChainKey(Verifier.from_verifier_key(first["previous"]), 0, None)]
    for entry in rotations:
        chain.append(ChainKey(Verifier.from_verifier_key(document(entry)["next"]), entry.index + 1, entry.index))
    return KeyChain(tuple(chain))


@dataclass(frozen=True)
class Handover:
    entry: AuditEntry
    checkpoint: SignedCheckpoint


def _handover_size(session: Session, keys: AuditKeys, next_key: str, now: datetime) -> int:
    """A tree size with no checkpoint yet, for the hand-over. The rotation's own append may have
    signed one with the old key (one is due every so many entries or minutes); then one more entry
    says a hand-over checkpoint follows, and the hand-over is signed at its size."""
    for _ in range(HANDOVER_ATTEMPTS):
        size = read_head(session).size
        existing = latest(session)
        if existing is None or existing.tree_size < size:
            return size
        append(session, {"actor": {"type": "system", "id": "signing-key-rotation"}, "next": next_key},
               kind=SIGNING_KEY_HANDOVER, channel="system", created_at=now)
    raise RotationError("every entry appended for the hand-over was signed at once by the current key: run the "
                        "rotation with CANDOR_CHECKPOINT_EVERY above 1 and CANDOR_CHECKPOINT_MAX_AGE_S above 0")


def rotate(session: Session, keys: AuditKeys, new_signer: Signer, *, actor: Mapping[str, Any],
           now: datetime) -> Handover:
    """Announces `new_signer`'s key in the log and signs the hand-over with both keys, in the
    caller's transaction. The instance must sign with the log's latest key."""
    chain = key_chain(session, keys)
    if chain.current.verifier != keys.verifier:
        raise RotationError("CANDOR_SIGNING_KEY_FILE holds an older key than the log's latest "
                            f"({chain.current.verifier.verifier_key}); rotate from the latest key")
    if new_signer.name != keys.settings.origin:
        raise RotationError(f"the new key must be named after the log's origin, {keys.settings.origin}")
    if chain.knows(new_signer.verifier):
        raise RotationError("the new key has signed for this log before: rotate to a key never used")
    next_key = new_signer.verifier.verifier_key
    entry = append(session, {"actor": dict(actor), "previous": keys.verifier.verifier_key, "next": next_key},
                   kind=SIGNING_KEY_ROTATION, channel="system", created_at=now)
    size = _handover_size(session, keys, next_key, now)
    root = read_head(session).root_hash
    text = CheckpointText(keys.settings.origin, size, root, (NEXT_KEY + next_key,)).format()
    note = add_signature(keys.signer.sign(text), new_signer)
    session.add(AuditCheckpoint(tree_size=size, root_hash=root, created_at=now, note=note))
    session.flush()
    return Handover(entry, SignedCheckpoint(size, root, now, note))


def _signed_by(note: str, verifier: Verifier) -> bool:
    try:
        open_note(note, verifier)
    except NoteError:
        return False
    return True


def handover_of(checkpoints: Sequence[SignedCheckpoint], key: ChainKey) -> SignedCheckpoint | None:
    """The first checkpoint announcing `key` (by its extension line) at or after its rotation."""
    line = NEXT_KEY + key.verifier.verifier_key
    for checkpoint in checkpoints:
        if checkpoint.tree_size < key.from_size:
            continue
        try:
            extensions = CheckpointText.parse(split_note(checkpoint.note)[0]).extensions
        except NoteError:
            continue
        if line in extensions:
            return checkpoint
    return None


def chain_problems(chain: KeyChain, checkpoints: Sequence[SignedCheckpoint], keys: AuditKeys) -> list[str]:
    """What is wrong with the chain of keys: an announced key without a hand-over signed by the
    key before it and by itself, or this instance signing with a key the log never announced."""
    problems = []
    for previous, key in zip(chain.keys, chain.keys[1:]):
        handover = handover_of(checkpoints, key)
        name = f"{key.verifier.name}+{key.verifier.key_id.hex()}"
        if handover is None:
            problems.append(f"the signing key {name} announced in entry {key.announced_in} has no hand-over checkpoint")
        elif not (_signed_by(handover.note, previous.verifier) and _signed_by(handover.note, key.verifier)):
            problems.append(f"the hand-over checkpoint of {handover.tree_size} entries to {name} is not signed by "
                            f"both the key before it and the new key")
    if not chain.knows(keys.verifier):
        problems.append(f"CANDOR_SIGNING_KEY_FILE holds a key the log never announced ({keys.verifier.verifier_key}); "
                        f"rotate to it with `flask audit rotate-signing-key`")
    return problems


@dataclass(frozen=True)
class CheckedChain:
    chain: KeyChain
    problems: list[str]


def checked_chain(session: Session, keys: AuditKeys, checkpoints: Sequence[SignedCheckpoint]) -> CheckedChain:
    """The chain the rotation entries announce, with what is wrong with it (for `flask audit
    verify`): damaged rotation entries fall back to this instance's key alone, and say so."""
    try:
        chain = key_chain(session, keys)
    except (KeyError, TypeError, ValueError) as error:
        return CheckedChain(KeyChain.single(keys.verifier), [f"the signing-key rotation entries cannot be read ({error})"])
    return CheckedChain(chain, chain_problems(chain, checkpoints, keys))
