"""Shared fixtures. Database tests run on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL
as well; each test gets a fresh database (a file, or a schema of its own) at the migrations' head:
migrated for real once per process, then copied or replayed (tests/migration_shortcuts.py;
CANDOR_TEST_REAL_MIGRATIONS=1 migrates every one for real)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from app.actors import Actor
from app.auth import session_fields
from app.auth.models import User
from app.auth.service import create_user as create_account
from app.db import db, scratch_schema
from app.products.mortgage.apor_store import import_table
from providers.sandbox.apor import apor_table
from providers.sandbox.market import SandboxMarket
from tests import loopback_only
from tests.migration_shortcuts import bring_to_head
from tests.template_cache import share_compiled_templates


pytest_plugins = ["tests.browser_support"]

loopback_only.install()

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
DATABASES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
FAST_MARKET = {"tortoise": {"latency_s": 0.05}}


@pytest.fixture(scope="session")
def market() -> Iterator[SandboxMarket]:
    """The simulated market over real HTTP on loopback, with the slow insurer made quick."""
    with SandboxMarket(overrides=FAST_MARKET) as running:
        yield running


@pytest.fixture(scope="session", autouse=True)
def current_apor_tables(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read the APOR tables a developer imported into instance/: a folder of their own
    holding the sandbox market's tables up to this week, as the demo has (the normal state: the
    missing and out-of-date ones are tested with tests/apor_support.py's `apor_tables`)."""
    before = os.environ.get("CANDOR_APOR_DIR")
    folder = tmp_path_factory.mktemp("apor-tables")
    os.environ["CANDOR_APOR_DIR"] = str(folder)
    today = datetime.now(timezone.utc).date()
    for kind in ("fixed", "adjustable"):
        import_table(apor_table(kind, today), kind, simulated=True)
    yield
    if before is None:
        os.environ.pop("CANDOR_APOR_DIR", None)
    else:
        os.environ["CANDOR_APOR_DIR"] = before


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'candor.sqlite3'}"
        return
    assert TEST_DATABASE_URL is not None
    with scratch_schema(TEST_DATABASE_URL, "test") as url:
        yield url


def make_app(database_url: str, providers: list[dict[str, Any]], **overrides: Any) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CANDOR_PROVIDERS": providers,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": TEST_REDIS_URL,
            # Each app its own cache keys: a later test's server may reuse an earlier one's port.
            "CANDOR_CACHE_NAMESPACE": f"test-{uuid.uuid4().hex[:12]}",
            "CANDOR_COMPARISON_DEADLINE_S": 2.0,
            # Cheap hashing, limits no ordinary test reaches, and rate-limit counters of this app's
            # own (the Redis that holds them outlives the app); tests of those features override them.
            "CANDOR_ARGON2_TIME_COST": 1,
            "CANDOR_ARGON2_MEMORY_KIB": 1024,
            "CANDOR_ARGON2_PARALLELISM": 1,
            "CANDOR_COMPARISON_RATE_LIMIT": "10000 per minute",
            "CANDOR_API_COMPARISON_RATE_LIMIT": "10000 per minute",
            "CANDOR_LOGIN_RATE_LIMIT": "10000 per minute",
            "CANDOR_REFERENCE_RATE_LIMIT": "10000 per minute",
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
            **overrides,
        }
    )
    share_compiled_templates(app.jinja_env)
    bring_to_head(app)
    return app


@pytest.fixture
def app(database_url: str, market: SandboxMarket) -> Iterator[Flask]:
    application = make_app(database_url, market.provider_entries())
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_apps(database_url: str) -> Iterator[Callable[..., Flask]]:
    """make_apps(providers, **overrides) -> a new app on this test's database, closed after the test."""
    made: list[Flask] = []

    def build(providers: list[dict[str, Any]], **overrides: Any) -> Flask:
        made.append(make_app(database_url, providers, **overrides))
        return made[-1]

    yield build
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


TEST_PASSWORD = "correct horse battery staple"


def add_user(app: Flask, username: str, *roles: str, password: str = TEST_PASSWORD) -> int:
    """A user with `roles`, created as an administrator would; returns the user's id."""
    with app.app_context():
        user = create_account(db.session, username, password, roles, actor=Actor("test"), channel="test")
        db.session.commit()
        return user.id


def sign_in(client: FlaskClient, user_id: int) -> FlaskClient:
    """Puts the user's session in the client's cookie, as signing in through the form does."""
    with client.application.app_context():
        user = db.session.get_one(User, user_id)
        session_id, fields = user.get_id(), session_fields(user)
    with client.session_transaction() as session:
        session.update({"_user_id": session_id, "_fresh": True, **fields})
    return client


@pytest.fixture
def create_user(app: Flask):  # type: ignore[no-untyped-def]
    """create_user("ann@example.com", "advisor", "compliance", password=...) -> user id."""
    return lambda username, *roles, **kwargs: add_user(app, username, *roles, **kwargs)


@pytest.fixture
def client_as(app: Flask):  # type: ignore[no-untyped-def]
    """client_as("advisor") -> a test client signed in as a new user holding those roles; the
    user's id is on the client as `.user_id`."""
    def make(*roles: str, username: str | None = None) -> FlaskClient:
        name = username or f"{'-'.join(roles) or 'norole'}-{uuid.uuid4().hex[:6]}@example.com"
        client = app.test_client()
        client.user_id = add_user(app, name, *roles)  # type: ignore[attr-defined]
        return sign_in(client, client.user_id)  # type: ignore[attr-defined]

    return make
