"""A small log for witness tests: leaves in memory, checkpoints signed with a real Ed25519 note
key, and the add-checkpoint request bodies a log would send (c2sp.org/tlog-witness)."""

from __future__ import annotations

import base64

import requests

from app.audit.note import CheckpointText, Signer
from tests.app.audit.test_merkle import make_leaves, naive_consistency, naive_mth

ORIGIN = "candor.test/witness-log"


class MemoryLog:
    def __init__(self, origin: str = ORIGIN, seed: bytes = b"\x07" * 32, salt: bytes = b"") -> None:
        self.signer = Signer.from_seed(origin, seed)
        self.origin = origin
        self.salt = salt
        self.leaves: list[bytes] = []

    @property
    def verifier_key(self) -> str:
        return self.signer.verifier.verifier_key

    def grow(self, count: int) -> None:
        self.leaves = make_leaves(len(self.leaves) + count, self.salt)

    def checkpoint(self, size: int | None = None) -> str:
        size = len(self.leaves) if size is None else size
        return self.signer.sign(CheckpointText(self.origin, size, naive_mth(self.leaves[:size])).format())

    def request(self, old: int, size: int | None = None, *, proof: list[bytes] | None = None,
                note: str | None = None) -> bytes:
        size = len(self.leaves) if size is None else size
        if proof is None:
            proof = naive_consistency(old, self.leaves[:size])
        lines = [f"old {old}"] + [base64.b64encode(item).decode() for item in proof]
        return ("\n".join(lines) + "\n\n" + (note or self.checkpoint(size))).encode()


def submit(url: str, body: bytes) -> requests.Response:
    return requests.post(f"{url}/add-checkpoint", data=body, timeout=10)
