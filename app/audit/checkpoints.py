"""Signed checkpoints: when they are made and how they are kept.

A checkpoint is signed
- in the append's own transaction, when the new size is a multiple of CANDOR_CHECKPOINT_EVERY or
  the last checkpoint an append signed is older than CANDOR_CHECKPOINT_MAX_AGE_S (so an active
  log is never long without one, and the checkpoint commits or rolls back with the entry it
  covers; the head row keeps that time, so deciding costs no query);
- on demand, when someone needs a proof for an entry that no checkpoint covers yet (the public
  /verify page, the API's checkpoint route, `flask audit checkpoint`).
Tree sizes only grow, and at most one checkpoint is kept per size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.keys import AuditKeys, current_keys
from app.audit.models import AuditCheckpoint
from app.audit.key_chain import KeyChain
from app.audit.note import CheckpointText, NoteError, open_note, split_note
from app.audit.tree import read_head
from app.db import savepoint, utcnow


@dataclass(frozen=True)
class SignedCheckpoint:
    tree_size: int
    root_hash: bytes
    created_at: datetime
    note: str


def _signed(row: AuditCheckpoint) -> SignedCheckpoint:
    return SignedCheckpoint(row.tree_size, bytes(row.root_hash), row.created_at, row.note)


def sign(keys: AuditKeys, tree_size: int, root: bytes) -> str:
    return keys.signer.sign(CheckpointText(keys.settings.origin, tree_size, root).format())


def latest(session: Session) -> SignedCheckpoint | None:
    row = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1)).first()
    return None if row is None else _signed(row)


def due_by_age(last_signed_at: datetime | None, now: datetime, keys: AuditKeys) -> bool:
    return last_signed_at is None or now - last_signed_at >= timedelta(seconds=keys.settings.checkpoint_max_age_s)


def record(session: Session, tree_size: int, root: bytes, *, now: datetime, keys: AuditKeys | None = None) -> None:
    """Signs and stores the checkpoint of the tree of `tree_size` entries whose head is `root`;
    the caller vouches for the root (it has just computed it)."""
    keys = keys or current_keys()
    session.add(AuditCheckpoint(tree_size=tree_size, root_hash=root, created_at=now, note=sign(keys, tree_size, root)))


def checkpoint_now(session: Session, *, covering: int | None = None) -> SignedCheckpoint:
    """The latest checkpoint, first signing the tree as it is now if the latest one is older than
    the tree (or, with `covering`, does not include that entry). Works in the caller's
    transaction; the caller commits."""
    existing = latest(session)
    head = read_head(session)
    wanted = head.size if covering is None else covering + 1
    if existing is not None and existing.tree_size >= min(wanted, head.size):
        return existing
    keys = current_keys()
    row = AuditCheckpoint(tree_size=head.size, root_hash=head.root_hash, created_at=utcnow(),
                          note=sign(keys, head.size, head.root_hash))
    try:
        with savepoint(session):
            session.add(row)
    except IntegrityError:
        # Another request signed this very size a moment ago; theirs is as good as ours.
        pass
    found = latest(session)
    if found is None:
        raise RuntimeError("a checkpoint was just stored, yet none can be read back")
    return found


def all_checkpoints(session: Session) -> list[SignedCheckpoint]:
    rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size)).all()
    return [_signed(row) for row in rows]


def open_checkpoint(note: str, keys: AuditKeys, chain: KeyChain | None = None) -> CheckpointText:
    """The checkpoint a note carries, once its origin and its signature are checked: by one of the
    keys of `chain` that may sign a tree of its size (app/audit/key_chain.py), or, without a chain,
    by the key this instance signs with."""
    claimed = CheckpointText.parse(split_note(note)[0])
    if claimed.origin != keys.settings.origin:
        raise NoteError(f"the checkpoint is for {claimed.origin!r}, not this log ({keys.settings.origin!r})")
    verifiers = (chain or KeyChain.single(keys.verifier)).verifiers_for(claimed.size)
    refusals: list[NoteError] = []
    for verifier in verifiers:
        try:
            return CheckpointText.parse(open_note(note, verifier))
        except NoteError as refused:
            refusals.append(refused)
    # A forged signature by one of our keys says more than "not signed by the others".
    forged = [refused for refused in refusals if "does not verify" in str(refused)]
    if len(refusals) == 1 or forged:
        raise (forged or refusals)[0]
    names = ", ".join(f"{verifier.name}+{verifier.key_id.hex()}" for verifier in verifiers)
    raise NoteError(f"the checkpoint of {claimed.size} entries is not signed by a key that may sign it ({names})")
