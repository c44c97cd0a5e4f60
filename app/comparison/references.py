"""A comparison's reference: the code a shopper quotes and the log files its entries under.

A reference is drawn at random (40 bits) and made unique by the log itself: appending a
recommendation under a reference already logged raises ReferenceTaken and writes nothing
(app/audit/log.py; on PostgreSQL audit_append() answers so, with the unique index on
recommendations' references behind it), and only then is another drawn. No query beforehand and
no SAVEPOINT around the append: a comparison's append is one statement."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from app.audit.log import ReferenceTaken

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U

# A clash is one chance in 2**40 per comparison already logged; this many in a row means the
# generator is broken, which must fail loudly rather than loop.
MAX_DRAWS = 8

Appended = TypeVar("Appended")


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"CND-{code[:4]}-{code[4:]}"


def with_fresh_reference(append: Callable[[str], Appended]) -> Appended:
    """`append(reference)` with a newly drawn reference, drawn again while the log reports it taken.
    A taken reference writes nothing, so the caller's transaction keeps everything it did before
    (and appends its entry in it, as always). Two comparisons drawing the same fresh reference at
    the same moment (2**-40 per pair) meet the unique index instead: the second fails whole."""
    for _ in range(MAX_DRAWS):
        try:
            return append(new_reference())
        except ReferenceTaken:
            continue
    raise RuntimeError(f"{MAX_DRAWS} references drawn in a row were all taken; the generator is broken")
