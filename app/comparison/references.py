"""A comparison's reference: the code a shopper quotes and the log files its entries under."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_reference(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"CND-{code[:4]}-{code[4:]}"
        taken = session.scalar(select(AuditEntry.index).where(AuditEntry.reference == reference).limit(1))
        if taken is None:
            return reference
