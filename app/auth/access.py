"""Who may use each view. Every view declares it with exactly one of these decorators, placed
*under* the route decorator so the declaration is on the function Flask registers:

    @bp.get("/advisor/")
    @roles_required("advisor")
    def index(): ...

`public` (anyone), `signed_in` (any member of staff), `roles_required(*roles)` (staff holding at
least one of the roles) and `api_scope_required(*scopes)` (an API token of one of the scopes, sent
as `Authorization: Bearer …`). tests/test_access_matrix.py checks every route against its
declaration and fails on a route that has none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import abort, current_app, g, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import ROLES, TOKEN_SCOPES, ApiToken
from app.db import db

View = TypeVar("View", bound=Callable[..., Any])
ACCESS_ATTRIBUTE = "candor_access"
MAX_TOKEN_LENGTH = 200

AccessKind = Literal["public", "signed_in", "roles", "api"]


@dataclass(frozen=True)
class Access:
    """A view's declaration. `allowed` is the set of roles (for "roles") or token scopes (for
    "api") that may use it."""

    kind: AccessKind
    allowed: frozenset[str] = frozenset()

    def describe(self) -> str:
        if self.kind == "public":
            return "anyone"
        if self.kind == "signed_in":
            return "any signed-in member of staff"
        names = " or ".join(sorted(self.allowed))
        if self.kind == "roles":
            return f"staff with the {names} role"
        return f"API tokens with the {names} scope"


def access_of(view: Callable[..., Any]) -> Access | None:
    return getattr(view, ACCESS_ATTRIBUTE, None)


def _declare(view: View, access: Access) -> View:
    existing = access_of(view)
    if existing is not None and existing != access:
        raise TypeError(f"{view.__qualname__} declares its access twice ({existing.describe()}; {access.describe()})")
    setattr(view, ACCESS_ATTRIBUTE, access)
    return view


def public(view: View) -> View:
    """Anyone may use this view, signed in or not."""
    return _declare(view, Access("public"))


def signed_in(view: View) -> View:
    """Any signed-in member of staff, whatever their roles."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        return view(*args, **kwargs)

    return _declare(guarded, Access("signed_in"))  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[View], View]:
    """Staff holding at least one of `roles`. Anonymous visitors are sent to sign in; a signed-in
    user without the role gets 403."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"roles_required needs roles among {ROLES}, got {roles}")

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not current_user.has_role(*roles):
                g.required_roles = roles
                abort(403)
            return view(*args, **kwargs)

        return _declare(guarded, Access("roles", frozenset(roles)))  # type: ignore[return-value]

    return decorate


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """An RFC 9457 problem document, the same shape app/errors.py gives the API."""
    response = jsonify(type="about:blank", title=title, status=status, detail=detail)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def token_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def _bearer_token() -> str | None:
    authorization = request.authorization
    if authorization is None or authorization.type != "bearer" or not authorization.token:
        return None
    return authorization.token


def request_api_token() -> ApiToken | None:
    """The working API token this request's bearer secret names; None for no secret or one that
    does not work. Looked up once per request (the rate limiter and the view both ask)."""
    cached = g.get("candor_api_token")
    if cached is not None and cached[0] is request._get_current_object():  # type: ignore[attr-defined]
        return cached[1]  # type: ignore[no-any-return]
    secret = _bearer_token()
    token = None
    if secret is not None and len(secret) <= MAX_TOKEN_LENGTH:
        token = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == token_digest(secret))).first()
    if token is not None and not token.usable:
        token = None
    # Keyed by the request: a test (or CLI) holding one app context open over several requests shares `g`.
    g.candor_api_token = (request._get_current_object(), token)  # type: ignore[attr-defined]
    return token


def api_scope_required(*scopes: str) -> Callable[[View], View]:
    """An API token of one of `scopes`. No token or an unknown, revoked or disabled one: 401;
    a token of another scope: 403. Both as application/problem+json. The token is then
    `current_api_token()`."""
    unknown = set(scopes) - set(TOKEN_SCOPES)
    if not scopes or unknown:
        raise ValueError(f"api_scope_required needs scopes among {TOKEN_SCOPES}, got {scopes}")
    scope_list = " ".join(sorted(scopes))

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            secret = _bearer_token()
            if secret is None:
                return problem(401, "Sign in with an API token",
                               "Send an API token as 'Authorization: Bearer <token>'. "
                               "An administrator creates one with 'flask tokens create'.",
                               {"WWW-Authenticate": 'Bearer realm="candor"'})
            token = request_api_token()
            if token is None:
                return problem(401, "That API token does not work",
                               "The token is unknown, revoked, or its user is disabled. Ask an administrator for a new one.",
                               {"WWW-Authenticate": 'Bearer realm="candor", error="invalid_token"'})
            if token.scope not in scopes:
                return problem(403, "That API token cannot do this",
                               f"This needs a token with the {scope_list} scope; yours has the {token.scope} scope.",
                               {"WWW-Authenticate": f'Bearer realm="candor", error="insufficient_scope", scope="{scope_list}"'})
            g.api_token = token
            return view(*args, **kwargs)

        return _declare(guarded, Access("api", frozenset(scopes)))  # type: ignore[return-value]

    return decorate


def current_api_token() -> ApiToken:
    """The token that authorised this request; only inside a view under api_scope_required."""
    return g.api_token
