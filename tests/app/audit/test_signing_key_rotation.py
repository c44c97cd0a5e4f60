"""Rotating the checkpoint signing key: the new key announced in the log and in a hand-over
checkpoint signed by the old key and the new one; `flask audit verify`, /verify (server and
browser), the API and the compliance console accept both keys across the hand-over, and refuse a
key that was never announced."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from playwright.sync_api import Page, expect

from app.audit.checkpoints import all_checkpoints
from app.audit.keys import current_keys
from app.audit.log import append, document
from app.audit.models import AuditEntry
from app.audit.note import CheckpointText, Verifier, open_note
from app.audit.signing_keys import NEXT_KEY, key_chain
from app.db import db, utcnow
from tests.browser_support import running_site
from tests.conftest import add_user, make_app, sign_in
from tests.factories import auto_form


def compare(client) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/compare/auto", data=auto_form())
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def verifier_of(app) -> Verifier:  # type: ignore[no-untyped-def]
    with app.app_context():
        return current_keys().verifier


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return {name: str(tmp_path / f"{name}.pem") for name in ("old", "new", "stranger")}


def rotate(app, new_key: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["audit", "rotate-signing-key", "--new-key-file", new_key, "--by", "7"])


def verify(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_the_new_key_is_announced_in_a_handover_signed_by_both_and_both_verify(app_with, keys):
    old = app_with(CANDOR_SIGNING_KEY_FILE=keys["old"])
    before = compare(old.test_client())
    assert old.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    rotated = rotate(old, keys["new"])
    assert rotated.exit_code == 0, rotated.output
    new = app_with(CANDOR_SIGNING_KEY_FILE=keys["new"])
    old_key, new_key = verifier_of(old), verifier_of(new)
    assert f"Announced {new_key.verifier_key} in entry" in rotated.output
    with new.app_context():
        [rotation] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "signing-key-rotation")).all()
        logged = document(rotation)
        assert logged["previous"] == old_key.verifier_key and logged["next"] == new_key.verifier_key
        assert logged["actor"] == {"type": "admin", "id": "7"}
        handover = next(c for c in all_checkpoints(db.session) if NEXT_KEY + new_key.verifier_key in c.note)
        for key in (old_key, new_key):  # signed by both: someone who trusts the old key learns the new one
            text = CheckpointText.parse(open_note(handover.note, key))
        assert text.extensions == (NEXT_KEY + new_key.verifier_key,) and handover.tree_size > rotation.index
        chain = key_chain(db.session, current_keys())
        assert [key.verifier for key in chain.keys] == [old_key, new_key]
    after = compare(new.test_client())
    assert new.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    # An instance not yet switched keeps signing with the old key; its checkpoints still verify.
    compare(old.test_client())
    assert old.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    for instance in (new, old):
        result = verify(instance)
        assert result.exit_code == 0 and "is intact" in result.output, result.output
    for reference in (before, after):
        page = new.test_client().get(f"/verify?reference={reference}")
        assert page.status_code == 200 and f"{reference} is in our log" in page.get_data(as_text=True)
        shown = [item.get_text() for item in BeautifulSoup(page.get_data(as_text=True), "html.parser")
                 .select("[data-verifier-key]")]
        assert shown == [new_key.verifier_key, old_key.verifier_key]


def test_the_verifier_key_route_and_command_list_earlier_keys(app_with, keys):
    old = app_with(CANDOR_SIGNING_KEY_FILE=keys["old"])
    single = old.test_cli_runner().invoke(args=["audit", "verifier-key", "--all"]).output.splitlines()
    assert single == [verifier_of(old).verifier_key]
    assert rotate(old, keys["new"]).exit_code == 0
    new = app_with(CANDOR_SIGNING_KEY_FILE=keys["new"])
    token = new.test_cli_runner().invoke(args=["tokens", "create", "--scope", "compliance"]).output.strip().split()[-1]
    answer = new.test_client().get("/api/v1/audit/verifier-key", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.get_data(as_text=True).split("\n") == [verifier_of(new).verifier_key, verifier_of(old).verifier_key]
    listed = new.test_cli_runner().invoke(args=["audit", "verifier-key", "--all"]).output.splitlines()
    assert listed == [verifier_of(new).verifier_key, verifier_of(old).verifier_key]
    officer = new.test_client()
    sign_in(officer, add_user(new, "officer@example.com", "compliance"))
    integrity = officer.get("/compliance/integrity").get_data(as_text=True)
    assert integrity.index(verifier_of(new).verifier_key) < integrity.index("Earlier keys") \
        < integrity.index(verifier_of(old).verifier_key)


def test_a_key_never_announced_is_refused(app_with, keys):
    old = app_with(CANDOR_SIGNING_KEY_FILE=keys["old"])
    compare(old.test_client())
    assert rotate(old, keys["new"]).exit_code == 0
    stranger = app_with(CANDOR_SIGNING_KEY_FILE=keys["stranger"])
    compare(stranger.test_client())
    assert stranger.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    new = app_with(CANDOR_SIGNING_KEY_FILE=keys["new"])
    result = verify(new)
    assert result.exit_code == 1
    assert re.search(r"checkpoint of \d+ entries: the checkpoint of \d+ entries is not signed by a key that may sign it",
                     result.output), result.output
    assert "holds a key the log never announced" in verify(stranger).output


def test_an_announcement_without_a_handover_signed_by_the_old_key_is_found(app_with, keys):
    old = app_with(CANDOR_SIGNING_KEY_FILE=keys["old"])
    compare(old.test_client())
    stranger = app_with(CANDOR_SIGNING_KEY_FILE=keys["stranger"])
    with stranger.app_context():  # someone appends a rotation of their own, without the old key
        append(db.session, {"previous": verifier_of(old).verifier_key, "next": current_keys().verifier.verifier_key},
               kind="signing-key-rotation", channel="system", created_at=utcnow())
        db.session.commit()
    assert stranger.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    result = verify(old)
    assert result.exit_code == 1 and "has no hand-over checkpoint" in result.output


def test_a_rotation_must_start_from_the_latest_key_and_go_to_a_new_one(app_with, keys):
    old = app_with(CANDOR_SIGNING_KEY_FILE=keys["old"])
    compare(old.test_client())
    same = rotate(old, keys["old"])
    assert same.exit_code == 2 and "rotate to a key never used" in same.output
    assert rotate(old, keys["new"]).exit_code == 0
    again = rotate(old, keys["stranger"])
    assert again.exit_code == 2 and "older key than the log's latest" in again.output
    with old.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.kind == "signing-key-rotation")) == 1


def test_a_handover_follows_when_the_rotation_entry_was_signed_at_once(app_with, keys):
    """An append signs a checkpoint when the last is old: then the rotation entry's own size has a
    checkpoint by the old key alone, and one more entry makes room for the hand-over."""
    old = app_with(CANDOR_SIGNING_KEY_FILE=keys["old"])
    compare(old.test_client())
    with old.app_context():
        db.session.execute(sa.text("UPDATE audit_head SET checkpointed_at = :t"),
                           {"t": utcnow() - timedelta(hours=2)})
        db.session.commit()
    assert rotate(old, keys["new"]).exit_code == 0
    with old.app_context():
        kinds = list(db.session.scalars(sa.select(AuditEntry.kind).order_by(AuditEntry.index)))
        assert kinds[-2:] == ["signing-key-rotation", "signing-key-handover"]
        sizes = [checkpoint.tree_size for checkpoint in all_checkpoints(db.session)]
        assert sizes[-2:] == [len(kinds) - 1, len(kinds)]
    assert verify(app_with(CANDOR_SIGNING_KEY_FILE=keys["new"])).exit_code == 0


def test_when_every_append_signs_the_rotation_is_refused_and_nothing_is_kept(app_with, keys):
    old = app_with(CANDOR_SIGNING_KEY_FILE=keys["old"], CANDOR_CHECKPOINT_EVERY=1)
    compare(old.test_client())
    result = rotate(old, keys["new"])
    assert result.exit_code == 2 and "CANDOR_CHECKPOINT_EVERY" in result.output
    with old.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.kind.like("signing-key-%"))) == 0


@pytest.mark.browser
def test_the_browser_checks_a_receipt_across_the_handover(tmp_path, market, keys, page: Page):
    database = tmp_path / "site.sqlite3"
    old = make_app(f"sqlite:///{database}", market.provider_entries(), CANDOR_SIGNING_KEY_FILE=keys["old"])
    reference = compare(old.test_client())
    assert old.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    assert rotate(old, keys["new"]).exit_code == 0
    new = make_app(f"sqlite:///{database}", market.provider_entries(), CANDOR_SIGNING_KEY_FILE=keys["new"])
    compare(new.test_client())
    assert new.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0  # by the new key alone
    for app in (old, new):
        with app.app_context():
            db.engine.dispose()
    with running_site(database, market, CANDOR_SIGNING_KEY_FILE=keys["new"]) as site:
        page.goto(f"{site.url}/verify?reference={reference}")
        check = page.locator("[data-browser-check]")
        expect(check).to_have_text(re.compile(r"^Your browser checked this too: the checkpoints are signed"))
        notes = page.locator("[data-checkpoint]")
        assert notes.count() == 2  # the old key's, covering the entry, and the latest, by the new key alone
        assert notes.nth(1).text_content().count("\u2014 ") == 1 and NEXT_KEY not in notes.nth(1).text_content()
        assert page.locator("[data-verifier-key]").count() == 2
