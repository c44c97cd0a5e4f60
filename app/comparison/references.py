"""A comparison's reference: the code a shopper quotes and the log files its entries under.

A reference is drawn at random (40 bits) and made unique by the log's unique index on
recommendations' references (app/audit/models.py), not by a query beforehand: the recommendation is
appended in a SAVEPOINT, and only a clash on that index draws again (with_fresh_reference)."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.models import UNIQUE_REFERENCE, AuditEntry
from app.db import savepoint

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U

# A clash is one chance in 2**40 per comparison already logged; this many in a row means the
# generator is broken, which must fail loudly rather than loop.
MAX_DRAWS = 8

Appended = TypeVar("Appended")


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"CND-{code[:4]}-{code[4:]}"


def with_fresh_reference(session: Session, append: Callable[[str], Appended]) -> Appended:
    """`append(reference)` with a newly drawn reference, drawn again while the database reports it
    taken. Each try runs in a SAVEPOINT, so a clash undoes that try alone and the caller's
    transaction keeps everything it did before (and appends its entry in it, as always)."""
    for _ in range(MAX_DRAWS):
        try:
            with savepoint(session):
                return append(new_reference())
        except IntegrityError as error:
            if not is_reference_clash(error):
                raise
    raise RuntimeError(f"{MAX_DRAWS} references drawn in a row were all taken; the generator is broken")


_UNIQUE_INDEX = next(index for index in AuditEntry.__table__.indexes if index.name == UNIQUE_REFERENCE)
# SQLite names a unique index's columns, not the index, in its message; no other unique index or
# constraint of audit_entries covers exactly these columns, so the message identifies this one.
_SQLITE_CLASH = "UNIQUE constraint failed: " + ", ".join(
    f"{AuditEntry.__tablename__}.{column.name}" for column in _UNIQUE_INDEX.columns)


def is_reference_clash(error: IntegrityError) -> bool:
    """Whether `error` is the unique index on recommendations' references refusing a taken one,
    and not any other constraint."""
    cause = error.orig
    if isinstance(cause, sqlite3.IntegrityError):
        return str(cause) == _SQLITE_CLASH
    diagnostics = getattr(cause, "diag", None)  # psycopg: the server names the constraint
    return diagnostics is not None and diagnostics.constraint_name == UNIQUE_REFERENCE
