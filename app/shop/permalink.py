"""The results permalink (DESIGN.md invariant 10 and "Results permalink"): /r/<reference>/<secret>
opens a result in any browser, with no account, for as long as it is kept.

The secret is 192 random bits. The log keeps only its SHA-256, in the result's `permalink` member
(each re-rank copies it, so one link opens the latest ranking under the reference). The browser
that made the comparison keeps the secret itself in its session, to show the link again; nothing
else does. The access logs redact it (serving/access_log.py); nothing in the app logs a path."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import quote

from flask import session, url_for
from sqlalchemy.orm import Session

from app.audit import RESULT_KINDS, document, latest_for_reference
from app.comparison.api import PERMALINK

SECRET_BYTES = 24
SESSION_PERMALINKS = "permalinks"
# Longer than any reference or secret we issue; anything longer is cut before the same work is done.
MAX_REFERENCE = 20
MAX_SECRET = 64
# What an offered secret is compared with when the reference has no permalink (or does not
# exist): the same hashing and comparison happen whichever it is.
_NO_PERMALINK = hashlib.sha256(b"candor: no permalink under this reference").hexdigest()


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret[:MAX_SECRET].encode("utf-8", "replace")).hexdigest()


def issue() -> tuple[str, str]:
    """A new secret and the SHA-256 to log with the result."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return secret, sha256_hex(secret)


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


def remember(reference: str, secret: str, kept_references: list[str]) -> None:
    """Keeps the secret in this browser's session beside the references it keeps."""
    kept = {ref: value for ref, value in session.get(SESSION_PERMALINKS, {}).items() if ref in kept_references}
    kept[reference] = secret
    session[SESSION_PERMALINKS] = kept


def link(reference: str) -> str | None:
    """The permalink of a result this browser keeps the secret of, as an absolute address."""
    secret = session.get(SESSION_PERMALINKS, {}).get(reference)
    if not isinstance(secret, str):
        return None
    return url_for("shop.permalink", reference=reference, secret=secret, _external=True)


def mailto(reference: str, product_name: str, address: str) -> str:
    """A mailto: link with the permalink and nothing about the shopper; their own mail program sends it."""
    subject = f"Your {product_name.lower()} comparison {reference}"
    body = (f"Your {product_name.lower()} comparison {reference}, as we showed it to you:\n\n{address}\n\n"
            "Anyone with this link can see the comparison.")
    return f"mailto:?subject={quote(subject)}&body={quote(body)}"
