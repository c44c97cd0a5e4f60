"""The results permalink (DESIGN.md invariant 10 and "Results permalink"): /r/<reference>/<secret>
opens a result in any browser, with no account, for as long as it is kept.

The secret is 192 random bits. The log keeps only its SHA-256, in the result's `permalink` member
(each re-rank copies it, so one link opens the latest ranking under the reference). The browser
that made the comparison keeps the secret itself in its session, to show the link again; nothing
else does. The access logs redact it (serving/access_log.py); nothing in the app logs a path."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from flask import session, url_for

from app.web.permalink_secret import opens, sha256_hex

__all__ = ["issue", "link", "mailto", "opens", "remember", "sha256_hex"]

SECRET_BYTES = 24
SESSION_PERMALINKS = "permalinks"


def issue() -> tuple[str, str]:
    """A new secret and the SHA-256 to log with the result."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return secret, sha256_hex(secret)


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
