"""Whether a permalink secret opens the result under a reference (app/shop/permalink.py issues
them): shared by the shop's permalink and the API's proof route, which both take the secret as a
capability. The log keeps only the secret's SHA-256; the same hashing and comparison happen
whether the reference exists or not, so timing tells nothing."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from sqlalchemy.orm import Session

from app.audit import RESULT_KINDS, document, latest_for_reference
from app.comparison.api import PERMALINK

# Longer than any reference or secret we issue; anything longer is cut before the same work is done.
MAX_REFERENCE = 20
MAX_SECRET = 64
# What an offered secret is compared with when the reference has no permalink (or does not
# exist): the same hashing and comparison happen whichever it is.
_NO_PERMALINK = hashlib.sha256(b"candor: no permalink under this reference").hexdigest()


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret[:MAX_SECRET].encode("utf-8", "replace")).hexdigest()


def _logged_sha256(db_session: Session, reference: str) -> str | None:
    if len(reference) > MAX_REFERENCE:
        return None
    entry = latest_for_reference(db_session, reference, RESULT_KINDS)
    if entry is None:
        return None
    logged = document(entry).get(PERMALINK)
    digest = logged.get("sha256") if isinstance(logged, Mapping) else None
    return digest if isinstance(digest, str) else None


def opens(db_session: Session, reference: str, secret: str) -> bool:
    """Whether `secret` is the permalink secret of the result under `reference`."""
    logged = _logged_sha256(db_session, reference)
    matches = hmac.compare_digest(sha256_hex(secret), logged or _NO_PERMALINK)
    return matches and logged is not None
