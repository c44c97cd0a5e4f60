"""Shared fixtures. Database tests run on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL
as well; each test gets a fresh database (a file, or a schema of its own) built by the migrations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from app import create_app
from app.db import db
from providers.sandbox.market import SandboxMarket

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
DATABASES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
FAST_MARKET = {"tortoise": {"latency_s": 0.05}}


@pytest.fixture(scope="session")
def market() -> Iterator[SandboxMarket]:
    """The simulated market over real HTTP on loopback, with the slow insurer made quick."""
    with SandboxMarket(overrides=FAST_MARKET) as running:
        yield running


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'candor.sqlite3'}"
        return
    assert TEST_DATABASE_URL is not None
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    try:
        yield f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_app(database_url: str, providers: list[dict[str, Any]], **overrides: Any) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CANDOR_PROVIDERS": providers,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": TEST_REDIS_URL,
            "CANDOR_COMPARISON_DEADLINE_S": 2.0,
            **overrides,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
    return app


@pytest.fixture
def app(database_url: str, market: SandboxMarket) -> Iterator[Flask]:
    application = make_app(database_url, market.provider_entries())
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
