"""Who a request acts as, resolved once per request and recorded in every log entry it writes."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from app.auth.access import request_api_token
from app.actors import ANONYMOUS, Actor


def request_actor(role: str | None = None) -> Actor:
    """On a staff page, the signed-in member of staff acting in `role`; on the API (no role), a
    working API token's holder (its scope; its user, else the token itself), else anonymous."""
    cached = g.get("candor_actor")
    if cached is not None and cached[0] is request._get_current_object() and cached[1] == role:  # type: ignore[attr-defined]
        return cached[2]  # type: ignore[no-any-return]
    actor = _resolve(role)
    # Keyed by the request: a test (or CLI) holding one app context open over several requests shares `g`.
    g.candor_actor = (request._get_current_object(), role, actor)  # type: ignore[attr-defined]
    return actor


def _resolve(role: str | None) -> Actor:
    if role is not None:
        return Actor(role, str(current_user.id))
    token = request_api_token() if "Authorization" in request.headers else None
    if token is None:
        return ANONYMOUS
    return Actor(token.scope, str(token.user_id) if token.user_id is not None else f"token {token.id}")
