"""Receipts anyone can check without us: one entry's proof as a C2SP tlog-proof@v1
(c2sp.org/tlog-proof), the open offline-verifiable format — the entry's index, its RFC 9162
inclusion proof and the signed checkpoint it leads to — with the entry's leaf bytes (its RFC 8785
canonical JSON) on the `extra` line, so a verifier recomputes the leaf hash itself rather than
taking ours:

    c2sp.org/tlog-proof@v1
    extra <base64 of the leaf bytes>
    index <index>
    <base64 hash, from the leaf's sibling up to the root's child, one a line>
    (blank line)
    <the checkpoint note, verbatim, with every signature and cosignature it carries>

tools/candor-verify checks one with nothing of Candor's. The leaf is what the log holds: the
customer's profile in it is sealed (ciphertext), so a receipt is given only to whoever may see the
comparison (its permalink's holder, advisors and compliance)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import tree
from app.audit.checkpoints import SignedCheckpoint, checkpoint_now
from app.audit.cosigning import latest_cosigned, with_cosignatures
from app.audit.entries import RESULT_KINDS
from app.audit.log import latest_for_reference
from app.audit.models import AuditEntry

HEADER = "c2sp.org/tlog-proof@v1"
MEDIA_TYPE = "text/plain; charset=utf-8"
FILE_EXTENSION = ".tlog-proof"


@dataclass(frozen=True)
class TlogProof:
    reference: str
    index: int
    leaf: bytes
    inclusion_path: list[bytes]
    checkpoint: SignedCheckpoint

    @property
    def tree_size(self) -> int:
        return self.checkpoint.tree_size

    @property
    def file_name(self) -> str:
        return f"{self.reference or 'candor'}-entry-{self.index}{FILE_EXTENSION}"

    def text(self) -> str:
        lines = [HEADER, f"extra {base64.b64encode(self.leaf).decode('ascii')}", f"index {self.index}"]
        lines += [base64.b64encode(item).decode("ascii") for item in self.inclusion_path]
        return "\n".join(lines) + "\n\n" + self.checkpoint.note


def entry_under_reference(session: Session, reference: str, index: int | None = None) -> AuditEntry | None:
    """The entry `index` when it is filed under `reference`; without an index, the latest ranking
    under it (the one its results page shows). None when there is no such entry."""
    if index is None:
        return latest_for_reference(session, reference, RESULT_KINDS)
    return session.scalars(select(AuditEntry).where(AuditEntry.index == index,
                                                    AuditEntry.reference == reference)).first()


def prove_entry(session: Session, entry: AuditEntry) -> TlogProof:
    """The entry's proof against the latest checkpoint witnesses have cosigned that includes it,
    carrying their cosignatures (so `candor-verify --witness` can require k of n); without one, the
    latest checkpoint, signed first (in the caller's transaction; the caller commits) when none
    includes the entry yet."""
    checkpoint = latest_cosigned(session, covering=entry.index) or checkpoint_now(session, covering=entry.index)
    checkpoint = replace(checkpoint, note=with_cosignatures(session, checkpoint))
    path = tree.inclusion_proof(session, entry.index, checkpoint.tree_size)
    return TlogProof(entry.reference or "", entry.index, bytes(entry.leaf), path, checkpoint)


def tlog_proof(session: Session, reference: str, index: int | None = None) -> TlogProof | None:
    entry = entry_under_reference(session, reference, index)
    return None if entry is None else prove_entry(session, entry)
