"""Hardening: headers on every response, cookie flags, rate limits (in Redis when configured),
templates a strict CSP can serve, and bandit clean at medium severity."""

import re
import subprocess
import sys
import uuid
from pathlib import Path

import redis
from flask import Blueprint, jsonify
from limits.storage import MemoryStorage, RedisStorage

from app.auth.access import public
from app.security import limiter_for, rate_limited
from tests.conftest import TEST_PASSWORD, TEST_REDIS_URL, add_user
from tests.factories import auto_form

PROJECT = Path(__file__).resolve().parents[3]




def test_every_response_carries_the_security_headers(client):
    for response in (client.get("/"), client.get("/login"), client.get("/no-such-page"), client.get("/healthz")):
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert client.get("/", base_url="https://candor.example").headers["Strict-Transport-Security"].startswith("max-age=")


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/candor.css")
    assert response.status_code == 200 and response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_no_template_needs_unsafe_inline():
    """The CSP allows no inline script, style attribute or event handler: none may be written."""
    offences = []
    for template in sorted((PROJECT / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern, what in ((r"<script(?![^>]*\bsrc=)[^>]*>", "inline script"), (r"\sstyle\s*=", "style attribute"),
                              (r"<style[\s>]", "style element"), (r"\son[a-z]+\s*=", "event handler attribute"),
                              (r"javascript:", "javascript: URL")):
            offences += [f"{template.relative_to(PROJECT)}: {what}" for _ in re.finditer(pattern, text, re.IGNORECASE)]
    assert offences == []


def test_session_cookies_are_httponly_lax_and_secure_over_https(app, create_user):
    create_user("ann@example.com", "advisor")
    form = {"username": "ann@example.com", "password": TEST_PASSWORD}
    plain = app.test_client().post("/login", data=form).headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = app.test_client().post("/login", data=form, base_url="https://candor.example").headers["Set-Cookie"]
    assert "HttpOnly" in secure and "SameSite=Lax" in secure and "Secure" in secure


def test_session_cookie_secure_can_be_forced(configured_app):
    app = configured_app(SESSION_COOKIE_SECURE=True)
    add_user(app, "ann@example.com", "advisor")
    cookie = app.test_client().post("/login", data={"username": "ann@example.com", "password": TEST_PASSWORD}).headers["Set-Cookie"]
    assert "Secure" in cookie


def test_the_public_comparison_is_rate_limited_per_client(configured_app):
    app = configured_app(CANDOR_COMPARISON_RATE_LIMIT="2 per minute")
    client = app.test_client()
    bad_form = auto_form(zip_code="")  # refused at once, but counts: the limit guards the endpoint
    assert [client.post("/compare/auto", data=bad_form).status_code for _ in range(2)] == [400, 400]
    limited = client.post("/compare/auto", data=bad_form)
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert "Too many requests" in page and "wait a minute" in page
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/compare/auto").status_code == 200  # reading the form is not limited
    other_address = app.test_client().post("/compare/auto", data=bad_form, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code == 400


def test_sign_in_is_rate_limited(configured_app):
    app = configured_app(CANDOR_LOGIN_RATE_LIMIT="3 per minute", CANDOR_LOGIN_FREE_FAILURES=100)
    client = app.test_client()
    statuses = [client.post("/login", data={"username": "x@example.com", "password": "wrong"}).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_an_api_route_over_its_limit_answers_problem_json(configured_app):
    app = configured_app(CANDOR_PROBE_LIMIT="1 per minute")
    probe = Blueprint("probe", __name__)

    @probe.post("/api/v1/probe")
    @public
    @rate_limited("CANDOR_PROBE_LIMIT")
    def limited_probe():  # type: ignore[no-untyped-def]
        return jsonify(ok=True), 201

    app.register_blueprint(probe)
    client = app.test_client()
    assert client.post("/api/v1/probe").status_code == 201
    response = client.post("/api/v1/probe")
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 429 and response.json["title"] == "Too many requests"


def test_limits_live_in_redis_when_configured_so_instances_share_them(configured_app):
    prefix = f"test-shared-{uuid.uuid4().hex[:8]}"
    settings = {"CANDOR_LOGIN_RATE_LIMIT": "2 per minute", "RATELIMIT_KEY_PREFIX": prefix}
    first, second = (configured_app(**settings) for _ in range(2))
    storage = limiter_for(first).storage
    form = {"username": "x@example.com", "password": "wrong"}
    for _ in range(2):
        assert first.test_client().post("/login", data=form).status_code == 401
    if TEST_REDIS_URL:
        assert isinstance(storage, RedisStorage)
        keys = redis.Redis.from_url(TEST_REDIS_URL).keys(f"*{prefix}*")
        assert keys, "the limiter's counters are not in Redis"
        assert second.test_client().post("/login", data=form).status_code == 429  # the other instance knows
    else:
        assert isinstance(storage, MemoryStorage)
        assert second.test_client().post("/login", data=form).status_code == 401  # each instance counts alone


def test_bandit_finds_nothing_of_medium_severity_or_worse():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "app", "providers", "-ll", "-q", "-f", "txt"],
        cwd=PROJECT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

