"""The admin area's user management: every change logged with before and after, sessions that end."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.log import document
from app.audit.models import AuditEntry
from app.auth.models import User
from app.db import db, utcnow
from tests.conftest import TEST_PASSWORD


def admin_changes(app):
    with app.app_context():
        return [document(entry) for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.kind == "configuration-change", AuditEntry.channel == "admin")
            .order_by(AuditEntry.index))]


def account(app, user_id):
    with app.app_context():
        user = db.session.get_one(User, user_id)
        return {"roles": user.roles, "active": user.active, "version": user.session_version,
                "locked": user.locked_until is not None}


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def test_the_admin_area_lists_users_and_providers(admin, create_user):
    create_user("ann@example.com", "advisor")
    assert "Users" in admin.get("/admin/").get_data(as_text=True)
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "ann@example.com" in page and "Advisor" in page


def test_creating_a_user_is_logged_without_their_username_or_password(app, admin):
    response = admin.post("/admin/users/new", data={"username": "New.Person@Example.com", "roles": ["advisor", "compliance"],
                                                    "password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD})
    assert response.status_code == 303
    [change] = admin_changes(app)
    assert change["action"] == "user.create"
    assert change["actor"] == {"type": "admin", "id": str(admin.user_id)}
    assert change["before"] is None
    assert change["after"] == {"roles": ["advisor", "compliance"], "active": True, "locked": False}
    assert "new.person" not in json.dumps(change) and TEST_PASSWORD not in json.dumps(change)
    assert app.test_client().post("/login", data={"username": "new.person@example.com",
                                                  "password": TEST_PASSWORD}).status_code == 303


BAD_NEW_USERS = [
    ({"username": "", "password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD}, 400, "Enter a username"),
    ({"username": "x@example.com", "password": "short", "confirm_password": "short"}, 400, "Use 12 to 256 characters"),
    ({"username": "x@example.com", "password": TEST_PASSWORD, "confirm_password": "different words here"}, 400, "not the same"),
    ({"username": "x@example.com", "roles": ["wizard"], "password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD}, 400, "is not a valid choice"),
    ({"username": "bad name!", "password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD}, 400, "letters, digits"),
    ({"username": "TAKEN@example.com", "password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD}, 409, "already a user"),
]


def test_bad_new_users_are_refused_at_the_field_and_nothing_is_written(app, admin, create_user):
    create_user("taken@example.com", "advisor")
    for data, status, message in BAD_NEW_USERS:
        response = admin.post("/admin/users/new", data=data)
        assert (response.status_code, message in response.get_data(as_text=True)) == (status, True), data
    assert admin_changes(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_roles_change_with_before_and_after_and_take_effect_at_once(app, admin, client_as):
    ann = client_as("advisor")
    assert ann.get("/advisor/").status_code == 200
    response = admin.post(f"/admin/users/{ann.user_id}/roles", data={"roles": ["compliance"]})
    assert response.status_code == 303
    assert account(app, ann.user_id)["roles"] == {"compliance"}
    assert ann.get("/advisor/").status_code == 403
    [change] = admin_changes(app)
    assert change["action"] == "user.roles" and change["target"] == {"type": "user", "id": ann.user_id}
    assert change["before"]["roles"] == ["advisor"] and change["after"]["roles"] == ["compliance"]


def test_disabling_a_user_ends_their_sessions_and_is_logged(app, admin, client_as):
    ann = client_as("advisor")
    assert ann.get("/advisor/").status_code == 200
    assert admin.post(f"/admin/users/{ann.user_id}/disable").status_code == 303
    assert account(app, ann.user_id)["active"] is False
    response = ann.get("/advisor/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    [change] = admin_changes(app)
    assert change["action"] == "user.disable"
    assert change["before"]["active"] is True and change["after"]["active"] is False
    assert admin.post(f"/admin/users/{ann.user_id}/enable").status_code == 303
    assert ann.get("/advisor/").status_code == 302  # enabling again does not revive an ended session
    assert [c["action"] for c in admin_changes(app)] == ["user.disable", "user.enable"]


def test_an_admin_cannot_disable_themselves_or_drop_their_own_admin_role(app, admin):
    own = admin.post(f"/admin/users/{admin.user_id}/disable")
    assert own.status_code == 409 and "cannot disable your own account" in own.get_data(as_text=True)
    demote = admin.post(f"/admin/users/{admin.user_id}/roles", data={"roles": ["advisor"]})
    assert demote.status_code == 409 and "cannot take away your own admin role" in demote.get_data(as_text=True)
    state = account(app, admin.user_id)
    assert state["roles"] == {"admin"} and state["active"] is True
    assert admin_changes(app) == []


def lock_as_before(app, user_id):
    """An account locked the way sign-in used to lock one (wrong passwords no longer lock accounts:
    they slow down the client sending them), as rows from before may still be."""
    with app.app_context():
        db.session.get_one(User, user_id).locked_until = utcnow() + timedelta(minutes=15)
        db.session.commit()


def test_resetting_a_password_ends_sessions_and_lifts_a_lockout(app, admin, client_as):
    ann = client_as("advisor", username="ann@example.com")
    lock_as_before(app, ann.user_id)
    assert account(app, ann.user_id)["locked"] is True
    assert "Locked" in admin.get("/admin/users").get_data(as_text=True)
    weak = admin.post(f"/admin/users/{ann.user_id}/password", data={"new_password": "short", "confirm_password": "short"})
    assert weak.status_code == 400
    response = admin.post(f"/admin/users/{ann.user_id}/password",
                          data={"new_password": "a new passphrase for ann", "confirm_password": "a new passphrase for ann"})
    assert response.status_code == 303
    state = account(app, ann.user_id)
    assert state["locked"] is False and state["version"] == 2
    assert ann.get("/advisor/").status_code == 302
    assert app.test_client().post("/login", data={"username": "ann@example.com",
                                                  "password": "a new passphrase for ann"}).status_code == 303
    [change] = admin_changes(app)
    assert change["action"] == "user.password-reset"
    assert change["before"]["locked"] is True and change["after"] == {"roles": ["advisor"], "active": True,
                                                                      "locked": False, "password": "changed"}


def test_unlocking_a_user(app, admin, client_as):
    ann = client_as("advisor", username="ann@example.com")
    lock_as_before(app, ann.user_id)
    assert admin.post(f"/admin/users/{ann.user_id}/unlock").status_code == 303
    assert account(app, ann.user_id)["locked"] is False
    assert app.test_client().post("/login", data={"username": "ann@example.com", "password": TEST_PASSWORD}).status_code == 303
    assert [c["action"] for c in admin_changes(app)] == ["user.unlock"]


def test_an_unknown_user_is_a_404(admin):
    assert admin.get("/admin/users/999999").status_code == 404
    assert admin.post("/admin/users/999999/disable").status_code == 404
