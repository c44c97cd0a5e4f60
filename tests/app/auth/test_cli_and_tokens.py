"""`flask users …`, `flask tokens …`, `flask demo seed`, and API routes guarded by token scope."""

import hashlib
import json

import pytest
import sqlalchemy as sa
from flask import Blueprint, jsonify

from app.audit.log import document
from app.audit.models import AuditEntry
from app.auth.access import api_scope_required, current_api_token
from app.auth.cli import DEMO_PASSWORD
from app.auth.models import ApiToken, User
from app.db import db
from tests.conftest import TEST_PASSWORD, add_user, sign_in


def admin_changes(app):
    with app.app_context():
        return [document(entry) for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.kind == "configuration-change").order_by(AuditEntry.index))]


def user(app, username):
    with app.app_context():
        found = db.session.scalars(sa.select(User).where(User.username == username)).one()
        return {"id": found.id, "roles": found.roles, "active": found.active, "hash": found.password_hash}


def test_users_create_with_several_roles_and_a_prompted_password(app, runner):
    result = runner.invoke(args=["users", "create", "--role", "advisor", "--role", "compliance", "Ann@Example.com"],
                           input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Created user" in result.output and TEST_PASSWORD not in result.output
    created = user(app, "ann@example.com")
    assert created["roles"] == {"advisor", "compliance"}
    [change] = admin_changes(app)
    assert change["action"] == "user.create" and change["actor"] == {"type": "cli", "id": None}
    assert change["before"] is None and change["after"]["roles"] == ["advisor", "compliance"]
    assert "ann" not in json.dumps(change["after"])
    assert app.test_client().post("/login", data={"username": "ann@example.com", "password": TEST_PASSWORD}).status_code == 303


def test_users_cli_refuses_bad_input_and_changes_nothing(app, runner):
    for args, message in [
        (["users", "create", "--role", "advisor", "--password", "short", "bob"], "Use at least 12 characters"),
        (["users", "create", "--role", "advisor", "--password", "bob@example.com", "bob@example.com"], "must not be the username"),
        (["users", "create", "--role", "advisor", "--password", TEST_PASSWORD, "bad name!"], "letters, digits"),
        (["users", "create", "--role", "wizard", "--password", TEST_PASSWORD, "bob"], "'wizard' is not one of"),
        (["users", "create", "--password", TEST_PASSWORD, "bob"], "Missing option '--role'"),
        (["users", "disable", "nobody"], "No user called 'nobody'"),
    ]:
        result = runner.invoke(args=args)
        assert (result.exit_code != 0, message in result.output) == (True, True), (args, result.output)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert admin_changes(app) == []


def test_a_username_is_taken_once(app, runner, create_user):
    create_user("ann@example.com", "advisor")
    result = runner.invoke(args=["users", "create", "--role", "admin", "--password", TEST_PASSWORD, "ANN@example.com"])
    assert result.exit_code == 1 and "already a user called ann@example.com" in result.output


def test_users_roles_disable_enable_unlock_and_list(app, runner, create_user):
    create_user("ann@example.com", "advisor")
    create_user("boss@example.com", "admin")
    assert runner.invoke(args=["users", "roles", "ann@example.com", "--role", "compliance"]).exit_code == 0
    assert user(app, "ann@example.com")["roles"] == {"compliance"}
    assert runner.invoke(args=["users", "disable", "ann@example.com"]).exit_code == 0
    listing = runner.invoke(args=["users", "list"]).output
    assert "ann@example.com" in listing and "disabled" in listing
    assert runner.invoke(args=["users", "enable", "ann@example.com"]).exit_code == 0
    assert user(app, "ann@example.com")["active"] is True
    last_admin = runner.invoke(args=["users", "disable", "boss@example.com"])
    assert last_admin.exit_code == 1 and "only active administrator" in last_admin.output
    actions = [change["action"] for change in admin_changes(app)]
    assert actions == ["user.create", "user.create", "user.roles", "user.disable", "user.enable"]


def test_users_set_password_ends_sessions(app, runner, create_user, client_as):
    ann = client_as("advisor", username="ann@example.com")
    assert ann.get("/advisor/").status_code == 200
    result = runner.invoke(args=["users", "set-password", "ann@example.com"], input="a fresh passphrase\na fresh passphrase\n")
    assert result.exit_code == 0, result.output
    assert ann.get("/advisor/").status_code == 302


def test_demo_seed_creates_three_users_once_and_never_resets_a_password(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert first.output.count(f"password {DEMO_PASSWORD}") == 3
    assert runner.invoke(args=["users", "set-password", "--password", "the owner's own choice", "admin@example.com"]).exit_code == 0
    changed_hash = user(app, "admin@example.com")["hash"]
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and second.output.count("left unchanged") == 3
    assert user(app, "admin@example.com")["hash"] == changed_hash
    for username, role in (("advisor@example.com", "advisor"), ("compliance@example.com", "compliance")):
        assert user(app, username)["roles"] == {role}
        assert app.test_client().post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 303


# API tokens ----------------------------------------------------------------------------------

@pytest.fixture
def api_app(configured_app):
    """The app with two API routes of the kind the API blueprint declares."""
    application = configured_app()
    probe = Blueprint("probe", __name__, url_prefix="/api/v1/probe")

    @probe.get("/compliance")
    @api_scope_required("compliance")
    def compliance_only():  # type: ignore[no-untyped-def]
        token = current_api_token()
        return jsonify(token=token.id, scope=token.scope)

    @probe.get("/either")
    @api_scope_required("advisor", "compliance")
    def either():  # type: ignore[no-untyped-def]
        return jsonify(scope=current_api_token().scope)

    application.register_blueprint(probe)
    return application


def make_token(app, *args):
    result = app.test_cli_runner().invoke(args=["tokens", "create", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_a_token_is_printed_once_and_only_its_hash_is_kept(api_app):
    secret = make_token(api_app, "--scope", "compliance", "--label", "auditor laptop")
    with api_app.app_context():
        stored = db.session.scalars(sa.select(ApiToken)).one()
        assert stored.token_hash == hashlib.sha256(secret.encode()).digest()
        assert secret not in repr(db.session.execute(sa.text("SELECT * FROM api_tokens")).all())
        leaves = b"".join(db.session.scalars(sa.select(AuditEntry.leaf)))
    assert secret.encode() not in leaves
    listing = api_app.test_cli_runner().invoke(args=["tokens", "list"]).output
    assert "compliance" in listing and "auditor laptop" in listing and secret not in listing


def test_api_scope_required_answers_problem_json(api_app):
    client = api_app.test_client()
    compliance = make_token(api_app, "--scope", "compliance")
    advisor = make_token(api_app, "--scope", "advisor")

    missing = client.get("/api/v1/probe/compliance")
    assert missing.status_code == 401
    assert missing.mimetype == "application/problem+json"
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="candor"'
    assert missing.json["status"] == 401 and "Authorization: Bearer" in missing.json["detail"]

    for bad in ("Bearer cnd_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000):
        response = client.get("/api/v1/probe/compliance", headers={"Authorization": bad})
        assert response.status_code == 401 and response.mimetype == "application/problem+json"

    wrong_scope = client.get("/api/v1/probe/compliance", headers={"Authorization": f"Bearer {advisor}"})
    assert wrong_scope.status_code == 403 and wrong_scope.mimetype == "application/problem+json"
    assert 'error="insufficient_scope"' in wrong_scope.headers["WWW-Authenticate"]

    ok = client.get("/api/v1/probe/compliance", headers={"Authorization": f"Bearer {compliance}"})
    assert ok.status_code == 200 and ok.json["scope"] == "compliance"
    assert client.get("/api/v1/probe/either", headers={"Authorization": f"Bearer {advisor}"}).json["scope"] == "advisor"


def test_a_signed_in_session_is_not_an_api_token(api_app):
    client = sign_in(api_app.test_client(), add_user(api_app, "c@example.com", "compliance"))
    assert client.get("/api/v1/probe/compliance").status_code == 401


def test_revoked_tokens_and_tokens_of_disabled_users_stop_working(api_app):
    add_user(api_app, "c@example.com", "compliance")
    add_user(api_app, "boss@example.com", "admin")
    runner = api_app.test_cli_runner()
    revoked = make_token(api_app, "--scope", "compliance")
    personal = make_token(api_app, "--scope", "compliance", "--user", "c@example.com")
    client = api_app.test_client()

    def status(token):
        return client.get("/api/v1/probe/compliance", headers={"Authorization": f"Bearer {token}"}).status_code

    assert status(revoked) == 200 and status(personal) == 200
    assert runner.invoke(args=["tokens", "revoke", "1"]).exit_code == 0
    assert status(revoked) == 401
    assert runner.invoke(args=["users", "disable", "c@example.com"]).exit_code == 0
    assert status(personal) == 401
    assert runner.invoke(args=["users", "enable", "c@example.com"]).exit_code == 0
    assert runner.invoke(args=["users", "roles", "c@example.com", "--role", "advisor"]).exit_code == 0
    assert status(personal) == 401
    refused = runner.invoke(args=["tokens", "create", "--scope", "compliance", "--user", "boss@example.com"])
    assert refused.exit_code == 1 and "does not have the compliance role" in refused.output
    actions = [change["action"] for change in admin_changes(api_app)]
    assert actions.count("token.create") == 2 and actions.count("token.revoke") == 1
