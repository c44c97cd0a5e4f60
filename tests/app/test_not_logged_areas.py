"""The staff areas, the audit API and the public /verify page answer 503 — their own page or a
problem+json, never a 500 — when their log write fails, and keep nothing (app/web/recorded.py)."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditCheckpoint
from app.auth.models import User
from app.db import db
from tests.app.api.conftest import new_token
from tests.app.test_not_logged import _break_the_log, _entry_count
from tests.app.audit.test_verify_page import compare
from tests.conftest import TEST_PASSWORD


def _refuse_inserts(app, table: str) -> None:  # type: ignore[no-untyped-def]
    """Writing to `table` fails at its insert, the way a full database would refuse it; reads still work."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger AS "
                                       "$$ BEGIN RAISE EXCEPTION 'the log refused'; END $$ LANGUAGE plpgsql"))
            db.session.execute(sa.text(f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {table} "
                                       "FOR EACH ROW EXECUTE FUNCTION refuse_insert()"))
        else:
            # Not RAISE(): SQLite reports that as a constraint failure, which a racing checkpoint
            # signer rightly shrugs off; a missing table is an operational error, like a full disk.
            db.session.execute(sa.text(f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {table} "
                                       "BEGIN INSERT INTO the_log_is_full VALUES (1); END"))
        db.session.commit()


def _grow_past_the_checkpoint(client) -> str:  # type: ignore[no-untyped-def]
    """Two comparisons: the first entry signs a checkpoint, the second is newer than it. Its reference."""
    compare(client)
    return compare(client)


def _count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_admin_change_that_cannot_be_logged_changes_nothing(app, client_as):
    admin = client_as("admin")
    users, entries = _count(app, User), _entry_count(app)
    _break_the_log(app)
    response = admin.post("/admin/users/new", data={"username": "new@example.com", "password": TEST_PASSWORD,
                                                    "confirm_password": TEST_PASSWORD, "roles": ["advisor"]})
    assert response.status_code == 503
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert _count(app, User) == users and _entry_count(app) == entries


def test_a_verification_or_personal_export_that_cannot_be_logged_is_not_done(app, client_as):
    officer = client_as("compliance")
    entries = _entry_count(app)
    _refuse_inserts(app, "audit_entries")
    for response in (officer.post("/compliance/integrity/verify"),
                     officer.post("/compliance/export/csv", data={"include_personal": "yes"})):
        page = response.get_data(as_text=True)
        assert response.status_code == 503 and response.mimetype == "text/html"
        assert "the log could not be written" in page and "Compliance" in page
    assert _entry_count(app) == entries


def test_the_api_answers_a_problem_when_its_checkpoint_cannot_be_signed(app, client):
    token = new_token(app, "compliance")
    _grow_past_the_checkpoint(client)
    checkpoints = _count(app, AuditCheckpoint)
    _refuse_inserts(app, "audit_checkpoints")
    response = client.get("/api/v1/audit/checkpoint", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "The checkpoint could not be signed"
    assert _count(app, AuditCheckpoint) == checkpoints


def test_the_verify_page_says_to_try_again_when_its_checkpoint_cannot_be_signed(app, client):
    reference = _grow_past_the_checkpoint(client)
    checkpoints = _count(app, AuditCheckpoint)
    _refuse_inserts(app, "audit_checkpoints")
    response = client.get(f"/verify?reference={reference}")
    assert response.status_code == 503
    assert "We could not check your receipt just now. Please try again in a moment." in response.get_data(as_text=True)
    assert _count(app, AuditCheckpoint) == checkpoints
