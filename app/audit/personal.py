"""Personal data in the log, encrypted so that it can be erased without touching the log.

Each customer (a "subject": an opaque random id, one per shopper's comparison, or per caller
when an advisor reuses it) has a data key of their own. Their personal fields are sealed with
it (AES-256-GCM) and only the ciphertext goes into the leaf. The data key is kept wrapped by
CANDOR_DATA_KEY in audit_personal_keys, the one table of the log that is not append-only:
erasure destroys the wrapped key, and with it every copy of the customer's personal data, while
the leaves — and every proof over them — stay exactly as they were.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.audit.canonical import canonical_json, loggable
from app.audit.entries import describe_actor
from app.audit.keys import AuditKeys, current_keys
from app.audit.models import PersonalDataKey

ALGORITHM = "A256GCM"
NONCE_SIZE = 12
# 1: a result sealed its profile alone; 2: a result also seals what was worked out from the profile
# (app/comparison/derived.py). Readers tell the two apart by what the sealed fields hold.
SEALED_VERSION = 2


class PersonalDataError(RuntimeError):
    pass


class PersonalDataErased(PersonalDataError):
    """The customer's personal data was erased; it cannot be read or used again."""

    def __init__(self, erasure: Erasure) -> None:
        self.erasure = erasure
        super().__init__(f"the personal data was erased on {erasure.at:%d %B %Y} by {erasure.by}")


class UnknownSubject(PersonalDataError):
    pass


class KeyMismatch(PersonalDataError):
    """The wrapped key was made with another CANDOR_DATA_KEY, or is damaged."""


@dataclass(frozen=True)
class Erasure:
    at: datetime
    actor: dict[str, Any]
    reason: str | None
    index: int | None

    @property
    def by(self) -> str:
        return describe_actor(self.actor)

    def as_record(self) -> dict[str, Any]:
        return {"at": loggable(self.at), "by": self.by, "actor": self.actor, "reason": self.reason, "index": self.index}


@dataclass(frozen=True)
class Revealed:
    """The personal fields of an entry, or why they cannot be read."""

    subject: str | None
    data: dict[str, Any] | None
    erasure: Erasure | None


def new_subject() -> str:
    return "s-" + secrets.token_hex(16)


def _wrap_context(subject: str) -> bytes:
    return b"candor personal data key\n" + subject.encode("utf-8")


def _seal_context(subject: str) -> bytes:
    return b"candor personal data\n" + subject.encode("utf-8")


def erasure_of(row: PersonalDataKey) -> Erasure:
    assert row.erased_at is not None
    return Erasure(row.erased_at, {"type": row.erased_by_type, "id": row.erased_by_id}, row.erasure_reason,
                   row.erasure_index)


def _unwrap(row: PersonalDataKey, keys: AuditKeys) -> bytes:
    if row.wrapped_key is None:
        raise PersonalDataErased(erasure_of(row))
    cipher = keys.unwrapping_ciphers.get(row.data_key_id)
    if cipher is None:
        raise KeyMismatch(f"the personal data of {row.subject} is wrapped by another CANDOR_DATA_KEY "
                          f"({row.data_key_id}); this one is {keys.data_key_id}. If it was rotated, give the "
                          f"earlier key in CANDOR_READ_DATA_KEYS until `flask audit rotate-data-key` has finished")
    wrapped = bytes(row.wrapped_key)
    try:
        return cipher.decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], _wrap_context(row.subject))
    except InvalidTag as error:
        raise KeyMismatch(f"the wrapped key of {row.subject} does not open with CANDOR_DATA_KEY") from error


def wrap(keys: AuditKeys, subject: str, data_key: bytes) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    return nonce + keys.data_cipher.encrypt(nonce, data_key, _wrap_context(subject))


def rewrap(row: PersonalDataKey, keys: AuditKeys) -> None:
    """Wraps the subject's data key again under CANDOR_DATA_KEY (it may have been wrapped by an
    earlier key in CANDOR_READ_DATA_KEYS); the data key itself, and so every sealed entry, stays."""
    row.wrapped_key = wrap(keys, row.subject, _unwrap(row, keys))
    row.data_key_id = keys.data_key_id


@dataclass(frozen=True)
class NewKey:
    """A new subject's data key, wrapped by CANDOR_DATA_KEY: the row of audit_personal_keys that
    the first entry sealed with it stores, in that entry's transaction."""

    subject: str
    wrapped_key: bytes
    data_key_id: str


def new_key(subject: str, keys: AuditKeys | None = None) -> tuple[bytes, NewKey]:
    """A fresh data key for a subject just made up, and its wrapped form to store."""
    keys = keys or current_keys()
    data_key = AESGCM.generate_key(bit_length=256)
    return data_key, NewKey(subject, wrap(keys, subject, data_key), keys.data_key_id)


def store_key(session: Session, key: NewKey, *, now: datetime) -> None:
    session.execute(insert(PersonalDataKey.__table__).values(
        subject=key.subject, wrapped_key=key.wrapped_key, data_key_id=key.data_key_id, created_at=now,
        last_used_at=now))


def subject_key(session: Session, subject: str, *, now: datetime) -> bytes:
    """The subject's data key, created (in the caller's transaction) if the subject has none. (A
    subject made up for a new customer gets its key from new_key, stored by the append itself.)"""
    keys = current_keys()
    row = session.get(PersonalDataKey, subject)
    if row is None:
        data_key, wrapped = new_key(subject, keys)
        store_key(session, wrapped, now=now)
        return data_key
    data_key = _unwrap(row, keys)
    if now > row.last_used_at:
        # Flushed now, so this row is always locked before the log's head (as erasure locks them).
        row.last_used_at = now
        session.flush()
    return data_key


def seal(session: Session, subject: str, fields: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """The sealed form of a subject's personal fields, as it goes into a leaf."""
    return seal_with(subject_key(session, subject, now=now), subject, fields)


def seal_with(data_key: bytes, subject: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The sealed form of personal fields under a data key already at hand."""
    nonce = os.urandom(NONCE_SIZE)
    ciphertext = AESGCM(data_key).encrypt(nonce, canonical_json(fields), _seal_context(subject))
    return {
        "v": SEALED_VERSION,
        "alg": ALGORITHM,
        "subject": subject,
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
    }


def reveal(session: Session, document: Mapping[str, Any]) -> Revealed:
    """The personal fields of a logged document. Entries from before encryption carried the
    profile in clear; they are returned as they are."""
    sealed = document.get("personal")
    if not isinstance(sealed, Mapping):
        legacy = {"profile": document["profile"]} if isinstance(document.get("profile"), Mapping) else None
        return Revealed(None, legacy, None)
    subject = sealed["subject"]
    row = session.get(PersonalDataKey, subject)
    if row is None:
        raise UnknownSubject(subject)
    if row.wrapped_key is None:
        return Revealed(subject, None, erasure_of(row))
    data_key = _unwrap(row, current_keys())
    try:
        plaintext = AESGCM(data_key).decrypt(base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["ciphertext"]),
                                             _seal_context(subject))
    except InvalidTag as error:
        raise KeyMismatch(f"the personal data sealed for {subject} does not open with its key") from error
    return Revealed(subject, json.loads(plaintext), None)


def erasure_state(session: Session, subject: str) -> Erasure | None:
    row = session.get(PersonalDataKey, subject)
    if row is None:
        raise UnknownSubject(subject)
    return None if row.erased_at is None else erasure_of(row)
