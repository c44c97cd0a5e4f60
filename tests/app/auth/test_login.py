"""Signing in and out through the real form: Argon2 hashes, throttling, sessions that end, and the log."""

import hashlib
import json
import re
import time

import argon2
import pytest
import sqlalchemy as sa
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.audit.log import document
from app.audit.models import AuditEntry
from app.auth import throttle
from app.auth.models import User
from app.auth.passwords import hash_password
from app.db import db
from tests.conftest import TEST_PASSWORD, add_user


def log_entries(app, kinds=None):
    with app.app_context():
        query = sa.select(AuditEntry).order_by(AuditEntry.index)
        if kinds:
            query = query.where(AuditEntry.kind.in_(kinds))
        return [document(entry) for entry in db.session.scalars(query)]


def post_login(client, username, password, **query):
    url = "/login" + (f"?next={query['next']}" if "next" in query else "")
    return client.post(url, data={"username": username, "password": password})


def test_the_sign_in_page_asks_for_username_and_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page
    assert "Staff sign-in" in page


def test_a_right_password_signs_in_and_is_logged_with_the_user_id_only(app, client, create_user):
    user_id = create_user("Ann.Advisor@Example.com", "advisor")
    response = post_login(client, "  ann.advisor@example.com ", TEST_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/advisor/"
    assert client.get("/advisor/").status_code == 200
    [login] = log_entries(app, ["login"])
    assert login["actor"] == {"type": "user", "id": str(user_id)}
    assert login["channel"] == "console"
    with app.app_context():
        leaves = b"".join(db.session.scalars(sa.select(AuditEntry.leaf).where(AuditEntry.kind == "login")))
    assert b"ann.advisor" not in leaves.lower() and TEST_PASSWORD.encode() not in leaves


def test_passwords_are_stored_as_argon2id_hashes(app, create_user):
    user_id = create_user("hash@example.com", "advisor")
    with app.app_context():
        stored = db.session.get_one(User, user_id).password_hash
    assert stored.startswith("$argon2id$") and TEST_PASSWORD not in stored


def test_the_production_hashing_cost_is_argon2s_default(configured_app):
    app = configured_app(CANDOR_ARGON2_TIME_COST=3, CANDOR_ARGON2_MEMORY_KIB=65536, CANDOR_ARGON2_PARALLELISM=4)
    with app.app_context():
        assert "$m=65536,t=3,p=4$" in hash_password("a long enough password")


def test_a_user_with_several_roles_chooses_an_area(client, create_user):
    create_user("both@example.com", "advisor", "admin")
    response = post_login(client, "both@example.com", TEST_PASSWORD)
    assert response.headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "Advisor console" in page and "Administration" in page


@pytest.mark.parametrize("username", ["nobody@example.com", "ann@example.com"])
def test_a_wrong_password_or_unknown_user_gets_the_same_clear_refusal(app, client, create_user, username):
    create_user("ann@example.com", "advisor")
    response = post_login(client, username, "not the password at all")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "That username and password do not match" in page
    assert client.get("/advisor/").status_code == 302
    [failed] = log_entries(app, ["login-failed"])
    assert failed["reason"] in ("unknown-user", "wrong-password")
    assert "nobody" not in json.dumps(failed) and "not the password" not in json.dumps(failed)


def test_an_empty_form_is_a_400_with_messages_at_the_fields(app, client):
    response = client.post("/login", data={"username": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="username-error"' in page and 'id="password-error"' in page
    assert log_entries(app, ["login", "login-failed"]) == []


def refusal(response):
    """What a refused sign-in shows and answers, minus the CSRF token and timing."""
    page = response.get_data(as_text=True)
    return response.status_code, re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)


def test_repeated_wrong_passwords_slow_the_client_down_never_lock_the_account(configured_app):
    app = configured_app(CANDOR_LOGIN_FREE_FAILURES=3, CANDOR_LOGIN_MAX_DELAY_MINUTES=15)
    user_id = add_user(app, "officer@example.com", "advisor")
    attacker = app.test_client()
    for _ in range(3):
        assert post_login(attacker, "officer@example.com", "wrong password here").status_code == 401
    fourth = post_login(attacker, "officer@example.com", "wrong password here")
    assert fourth.status_code == 401  # checked, and now the attacker must wait a second
    throttled = post_login(attacker, "officer@example.com", TEST_PASSWORD)
    # Retry-After is at least the wait (Flask-Limiter raises it to its own window's end).
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert "Wait 1 second, then try again" in throttled.get_data(as_text=True)
    assert attacker.get("/advisor/").status_code == 302
    # The officer, from another address, is not locked out.
    officer = app.test_client()
    signed_in = officer.post("/login", data={"username": "officer@example.com", "password": TEST_PASSWORD},
                             environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert signed_in.status_code == 303
    reasons = [entry["reason"] for entry in log_entries(app, ["login-failed"])]
    assert reasons == ["wrong-password"] * 4 + ["throttled"]
    with app.app_context():
        assert db.session.get_one(User, user_id).locked_until is None


def test_each_further_failure_doubles_the_wait_up_to_the_maximum(configured_app):
    app = configured_app(CANDOR_LOGIN_FREE_FAILURES=0, CANDOR_LOGIN_MAX_DELAY_MINUTES=1)
    with app.test_request_context():
        who = throttle.client("192.0.2.1", "anyone@example.com")
        waits = [throttle.record_failure(who) for _ in range(9)]
        assert 59 <= throttle.wait_seconds(who) <= 60
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_known_and_unknown_names_are_answered_identically(configured_app):
    """Same status, same words, same Retry-After, whether or not the name has an account."""
    free = 3
    app = configured_app(CANDOR_LOGIN_FREE_FAILURES=free)
    add_user(app, "known@example.com", "advisor")
    answers = {}
    for name in ("known@example.com", "unknown@example.com"):
        client = app.test_client()
        answers[name] = []
        for _ in range(free + 2):
            response = post_login(client, name, "wrong password here")
            # Whether a wait is asked for, not its seconds: those tick on between the two runs.
            answers[name].append((*refusal(response), "Retry-After" in response.headers))
    assert answers["known@example.com"] == answers["unknown@example.com"]
    assert [status for status, _, _ in answers["known@example.com"]] == [401] * (free + 1) + [429]


def test_an_address_guessing_at_many_names_is_slowed_down_too(configured_app):
    app = configured_app(CANDOR_LOGIN_ADDRESS_FREE_FAILURES=5, CANDOR_LOGIN_FREE_FAILURES=100)
    client = app.test_client()
    statuses = [post_login(client, f"name{n}@example.com", "wrong password here").status_code for n in range(7)]
    assert statuses == [401] * 6 + [429]
    elsewhere = app.test_client().post("/login", data={"username": "name9@example.com", "password": "wrong password"},
                                       environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert elsewhere.status_code == 401


def test_unknown_names_cost_as_much_argon2_work_as_known_ones(configured_app, monkeypatch):
    """An unknown name is checked against a decoy hash with the same cost, so the time to refuse
    it does not reveal that nobody has it: each refusal runs exactly one argon2 verification, with
    the same parameters (memory, time, parallelism), whether or not the name exists."""
    app = configured_app(CANDOR_ARGON2_TIME_COST=2, CANDOR_ARGON2_MEMORY_KIB=32768, CANDOR_LOGIN_FREE_FAILURES=1000,
                         CANDOR_LOGIN_ADDRESS_FREE_FAILURES=1000)
    add_user(app, "known@example.com", "advisor")
    client = app.test_client()
    verified_with: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def recording_verify(hasher, password_hash, password):
        verified_with.append(password_hash.split("$")[3])  # "m=32768,t=2,p=…" of the hash checked against
        return real_verify(hasher, password_hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", recording_verify)

    def argon2_work(name):
        verified_with.clear()
        assert post_login(client, name, "wrong password here").status_code == 401
        return list(verified_with)

    known, unknown = argon2_work("known@example.com"), argon2_work("unknown@example.com")
    assert known == unknown == ["m=32768,t=2,p=" + known[0].rsplit("=", 1)[1]]
    assert argon2_work("another-unknown@example.com") == unknown


def test_the_name_typed_never_reaches_the_application_log(configured_app, caplog):
    app = configured_app(CANDOR_LOGIN_FREE_FAILURES=1)
    client = app.test_client()
    with caplog.at_level("DEBUG"):
        for _ in range(3):
            post_login(client, "secret.name@example.com", "wrong password here")
    assert "secret.name" not in caplog.text and "wrong password here" not in caplog.text
    failed = log_entries(app, ["login-failed"])
    assert "secret.name" not in json.dumps(failed)


def test_a_disabled_user_cannot_sign_in(app, client, runner, create_user):
    create_user("gone@example.com", "advisor")
    assert runner.invoke(args=["users", "disable", "gone@example.com"]).exit_code == 0
    response = post_login(client, "gone@example.com", TEST_PASSWORD)
    assert response.status_code == 403
    assert "This account has been disabled" in response.get_data(as_text=True)
    assert log_entries(app, ["login-failed"])[-1]["reason"] == "disabled"


def test_next_takes_you_back_but_never_to_another_site(client, create_user):
    create_user("ann@example.com", "advisor")
    anonymous = client.get("/advisor/calls/new/auto")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/login?next=/advisor/calls/new/auto"
    assert post_login(client, "ann@example.com", TEST_PASSWORD, next="/advisor/calls/new/auto").headers["Location"] == "/advisor/calls/new/auto"
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        other = client.application.test_client()
        response = post_login(other, "ann@example.com", TEST_PASSWORD, next=hostile)
        assert response.headers["Location"] == "/advisor/"


@pytest.mark.parametrize("typed, landing", [
    ("/advisor/%0a", "/advisor/%0A"),
    ("/advisor/%0d%0aSet-Cookie:%20x=1", "/advisor/%0D%0ASet-Cookie:%20x=1"),
    ("/%09/evil.example", "/%09/evil.example"),
    ("/%0a/evil.example", "/%0A/evil.example"),
])
def test_a_newline_or_tab_in_next_is_a_safe_local_redirect(client, create_user, typed, landing):
    create_user("ann@example.com", "advisor")
    response = post_login(client, "ann@example.com", TEST_PASSWORD, next=typed)
    assert response.status_code == 303
    assert response.headers["Location"] == landing
    assert "Set-Cookie: x" not in str(response.headers)
    again = client.get(f"/login?next={typed}")
    assert again.status_code == 302 and again.headers["Location"] == landing


def test_signing_out_ends_the_session_and_is_logged(app, client, create_user):
    user_id = create_user("ann@example.com", "advisor")
    post_login(client, "ann@example.com", TEST_PASSWORD)
    assert client.get("/logout").status_code == 405  # signing out is a POST, so no link can do it
    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/advisor/").status_code == 302
    assert log_entries(app, ["logout"])[0]["actor"]["id"] == str(user_id)


def test_a_session_idle_too_long_has_ended(app, client, create_user):
    create_user("ann@example.com", "advisor")
    post_login(client, "ann@example.com", TEST_PASSWORD)
    with client.session_transaction() as session:
        session["last_seen"] -= 61 * 60
    response = client.get("/advisor/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Your session ended" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_session_open_too_long_has_ended_even_when_busy(app, client, create_user):
    create_user("ann@example.com", "advisor")
    post_login(client, "ann@example.com", TEST_PASSWORD)
    with client.session_transaction() as session:
        session["signed_in_at"] -= 13 * 3600
    assert client.get("/advisor/").status_code == 302


def test_a_cookie_past_its_lifetime_or_forged_signs_nobody_in(app, client, create_user):
    user_id = create_user("ann@example.com", "advisor")
    with app.app_context():
        session_id = db.session.get_one(User, user_id).get_id()
    payload = {"_user_id": session_id, "_fresh": True, "signed_in_at": int(time.time()), "last_seen": int(time.time())}

    class OldSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 40 * 24 * 3600  # older than Flask's cookie lifetime

    def cookie(secret, signer=TimestampSigner):
        serializer = URLSafeTimedSerializer(secret, salt="cookie-session", serializer=TaggedJSONSerializer(),
                                            signer=signer, signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
        return serializer.dumps(payload)

    valid = app.test_client()
    valid.set_cookie("session", cookie(app.secret_key))
    assert valid.get("/advisor/").status_code == 200  # the cookie is built right…
    for value in (cookie(app.secret_key, OldSigner), cookie("not-our-secret")):
        stranger = app.test_client()
        stranger.set_cookie("session", value)
        assert stranger.get("/advisor/").status_code == 302  # …and neither old nor forged ones work


def test_a_forged_csrf_token_is_refused_and_nothing_is_recorded(configured_app):
    app = configured_app(WTF_CSRF_ENABLED=True)
    add_user(app, "ann@example.com", "advisor")
    client = app.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "ann@example.com", "password": TEST_PASSWORD,
                                           "csrf_token": "forged"})
    assert response.status_code == 400
    assert "not sent from our page" in response.get_data(as_text=True)
    assert client.get("/advisor/").status_code == 302
    assert log_entries(app, ["login", "login-failed"]) == []
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "ann@example.com", "password": TEST_PASSWORD,
                                       "csrf_token": token}).status_code == 303


def test_changing_your_password_ends_your_other_sessions(app, create_user):
    create_user("ann@example.com", "advisor")
    laptop, phone = app.test_client(), app.test_client()
    post_login(laptop, "ann@example.com", TEST_PASSWORD)
    post_login(phone, "ann@example.com", TEST_PASSWORD)
    short = laptop.post("/account/password", data={"current_password": TEST_PASSWORD, "new_password": "short",
                                                   "confirm_password": "short"})
    assert short.status_code == 400 and "Use 12 to 256 characters" in short.get_data(as_text=True)
    wrong = laptop.post("/account/password", data={"current_password": "not it at all", "new_password": "a brand new passphrase",
                                                   "confirm_password": "a brand new passphrase"})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    done = laptop.post("/account/password", data={"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase",
                                                  "confirm_password": "a brand new passphrase"})
    assert done.status_code == 303
    assert laptop.get("/advisor/").status_code == 200
    assert phone.get("/advisor/").status_code == 302
    assert post_login(app.test_client(), "ann@example.com", "a brand new passphrase").status_code == 303
    [change] = [e for e in log_entries(app, ["configuration-change"]) if e["action"] == "user.password-reset"]
    assert change["after"]["password"] == "changed" and "brand new" not in json.dumps(change)
