"""The recommendation log: append-only entries whose leaves feed an RFC 9162 Merkle tree, signed
checkpoints, proofs, verification, and personal data that can be erased without breaking them.
docs/audit-log.md describes the formats."""

from __future__ import annotations

from flask import Flask

from app.audit import keys


def init_app(app: Flask) -> None:
    keys.init_app(app)
