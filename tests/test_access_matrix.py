"""The access matrix: every route in the app, for each of anonymous, advisor, compliance and admin
(and API tokens of each scope), against what the route declares with app/auth/access.py.

A route without a declaration fails here. Declare it with one of these, placed directly under
the route decorator:

    @public                                  anyone
    @signed_in                               any signed-in member of staff
    @roles_required("compliance")            staff with (one of) the roles
    @api_scope_required("compliance")        an API token of (one of) the scopes
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule

from app.actors import Actor
from app.auth.access import Access, access_of, public
from app.auth.models import ADMIN, ADVISOR, COMPLIANCE, User
from app.auth.service import create_token
from app.db import db
from tests.conftest import add_user, sign_in

ALLOWED = "allowed"
SIGN_IN = "sent to sign in"
UNAUTHORISED = "401"
FORBIDDEN = "403"

# The areas that hold personal data or change the service: exactly these roles, nothing wider.
AREA_POLICY = {
    "advisor": Access("roles", frozenset({ADVISOR})),
    "compliance": Access("roles", frozenset({COMPLIANCE})),
    "admin": Access("roles", frozenset({ADMIN})),
}
SAMPLE_ARGUMENTS = {"product": "auto", "reference": "CND-0000-0000", "key": "no-such-provider"}
UNCHECKED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Persona:
    name: str
    role: str | None = None
    token_scope: str | None = None


PERSONAS = (
    Persona("anonymous"),
    Persona("advisor", role=ADVISOR),
    Persona("compliance", role=COMPLIANCE),
    Persona("admin", role=ADMIN),
    Persona("advisor API token", token_scope=ADVISOR),
    Persona("compliance API token", token_scope=COMPLIANCE),
)


def is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def checked_rules(app: Flask) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules() if not is_static(rule.endpoint)),
                  key=lambda rule: (rule.rule, rule.endpoint))


def url_for_rule(rule: Rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = 999_999 if isinstance(converter, IntegerConverter) else SAMPLE_ARGUMENTS.get(name, "sample")
    _, path = rule.build(values, append_unknown=False)
    return path


def expected(access: Access, persona: Persona, path: str) -> str:
    refused_without_session = UNAUTHORISED if path.startswith("/api/") else SIGN_IN
    if access.kind == "public":
        return ALLOWED
    if access.kind == "api":
        if persona.token_scope is None:
            return UNAUTHORISED
        return ALLOWED if persona.token_scope in access.allowed else FORBIDDEN
    if persona.role is None:
        return refused_without_session
    if access.kind == "signed_in":
        return ALLOWED
    return ALLOWED if persona.role in access.allowed else FORBIDDEN


def observed(client: FlaskClient, method: str, path: str, headers: dict[str, str]) -> tuple[str, int]:
    response = client.open(path, method=method, headers=headers, data={})
    status = response.status_code
    response.close()
    if status == 302 and response.headers["Location"].startswith("/login"):
        return SIGN_IN, status
    if status == 401:
        return UNAUTHORISED, status
    if status == 403:
        return FORBIDDEN, status
    return ALLOWED, status


@pytest.fixture
def personas(app: Flask) -> dict[str, tuple[int | None, str | None]]:
    """Each persona's user id (for a session) or token secret."""
    made: dict[str, tuple[int | None, str | None]] = {}
    for persona in PERSONAS:
        if persona.role:
            made[persona.name] = (add_user(app, f"{persona.role}@matrix.example", persona.role), None)
        elif persona.token_scope:
            with app.app_context():
                _, secret = create_token(db.session, persona.token_scope, user=None, label="matrix",
                                         actor=Actor("test"), channel="test")
                db.session.commit()
            made[persona.name] = (None, secret)
        else:
            made[persona.name] = (None, None)
    return made


def undeclared_endpoints(app: Flask) -> list[str]:
    return sorted({rule.endpoint for rule in checked_rules(app) if access_of(app.view_functions[rule.endpoint]) is None})


def test_every_route_declares_who_may_use_it(app: Flask) -> None:
    undeclared = undeclared_endpoints(app)
    assert not undeclared, (
        "These endpoints do not declare who may use them: " + ", ".join(undeclared) + ". Put one of "
        "@public, @signed_in, @roles_required(...) or @api_scope_required(...) from app.auth.access "
        "directly under the route decorator (see tests/test_access_matrix.py)."
    )


def test_areas_are_closed_to_every_other_role(app: Flask) -> None:
    wrong = []
    for rule in checked_rules(app):
        area = rule.endpoint.split(".", 1)[0]
        access = access_of(app.view_functions[rule.endpoint])
        if area in AREA_POLICY and access is not None and access != AREA_POLICY[area]:
            wrong.append(f"{rule.endpoint} is for {access.describe()}, but the {area} area is for "
                         f"{AREA_POLICY[area].describe()} only")
        if area == "api" and access is not None and access.kind not in ("public", "api"):
            wrong.append(f"{rule.endpoint} is an API route: it must be public or need an API token")
    assert not wrong, "\n".join(wrong)


def test_every_route_answers_each_persona_as_declared(app: Flask, personas) -> None:  # type: ignore[no-untyped-def]
    table: list[str] = []
    mismatches: list[str] = []
    for rule in checked_rules(app):
        access = access_of(app.view_functions[rule.endpoint])
        if access is None:
            continue  # reported by test_every_route_declares_who_may_use_it
        path = url_for_rule(rule)
        for method in sorted((rule.methods or set()) - UNCHECKED_METHODS):
            row = []
            for persona in PERSONAS:
                user_id, secret = personas[persona.name]
                client = app.test_client()
                if user_id is not None:
                    sign_in(client, user_id)
                headers = {"Authorization": f"Bearer {secret}"} if secret else {}
                want = expected(access, persona, path)
                got, status = observed(client, method, path, headers)
                row.append(f"{persona.name}={got}")
                if got != want:
                    mismatches.append(f"{method} {path} ({rule.endpoint}, for {access.describe()}): "
                                      f"{persona.name} expected {want}, got {got} (HTTP {status})")
                elif status >= 500:
                    mismatches.append(f"{method} {path} ({rule.endpoint}): {persona.name} got HTTP {status}")
            table.append(f"{method:6} {rule.rule:48} {'; '.join(row)}")
    assert not mismatches, "\n".join(mismatches) + "\n\nThe matrix as observed:\n" + "\n".join(table)
    assert len(table) >= 20


def test_a_user_holding_several_roles_gets_each_roles_routes(app: Flask) -> None:
    client = sign_in(app.test_client(), add_user(app, "both@matrix.example", ADVISOR, ADMIN))
    assert client.get("/advisor/").status_code == 200
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_a_user_without_roles_is_signed_in_but_can_open_nothing(app: Flask) -> None:
    client = sign_in(app.test_client(), add_user(app, "nobody@matrix.example"))
    assert client.get("/account").status_code == 200
    assert "has no role yet" in client.get("/account").get_data(as_text=True)
    for path in ("/advisor/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 403
        assert "You do not have access to this page" in response.get_data(as_text=True)


def test_a_new_route_without_a_declaration_is_caught(app: Flask) -> None:
    @app.get("/forgotten")
    def forgotten() -> str:
        return "nobody said who may see this"

    @app.get("/declared")
    @public
    def declared() -> str:
        return "anyone may see this"

    assert undeclared_endpoints(app) == ["forgotten"]
