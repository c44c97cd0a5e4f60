"""Helpers for the log's tests: appending plain entries, and changing rows behind the append-only
triggers' back the way an attacker with the table owner's rights would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.audit.log import append
from app.audit.models import AuditEntry
from app.db import db
from tests.conftest import make_app

MOMENT = datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)


def add(body: dict[str, Any] | None = None, **kwargs: Any) -> AuditEntry:
    return append(db.session, body or {"note": "x"}, kind=kwargs.pop("kind", "test"), channel=kwargs.pop("channel", "web"),
                  created_at=kwargs.pop("created_at", MOMENT), **kwargs)


def add_many(count: int, **kwargs: Any) -> list[AuditEntry]:
    entries = [add({"n": n}, reference=f"R{n}", **kwargs) for n in range(count)]
    db.session.commit()
    return entries


@contextmanager
def triggers_lifted(table: str) -> Iterator[None]:
    """Runs the block with `table`'s append-only triggers out of the way, then puts them back."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        db.session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        try:
            yield
        finally:
            db.session.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            db.session.commit()
        return
    triggers = db.session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                                  {"t": table}).all()
    assert triggers, f"{table} has no triggers to lift"
    for name, _ in triggers:
        db.session.execute(sa.text(f"DROP TRIGGER {name}"))
    try:
        yield
    finally:
        for _, sql in triggers:
            db.session.execute(sa.text(sql))
        db.session.commit()


def tamper(table: str, statement: str, **params: Any) -> None:
    with triggers_lifted(table):
        db.session.execute(sa.text(statement), params)
        db.session.commit()


@pytest.fixture
def app_with(database_url: str, market: Any) -> Iterator[Callable[..., Flask]]:
    """app_with(SETTING=value, …) -> an app on the test's database with those settings; every app
    made is closed after the test, passed or failed."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        application = make_app(database_url, market.provider_entries(), **overrides)
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def statements(app: Flask) -> Iterator[Callable[[], list[str]]]:
    """Records the SQL statements run while a test's block runs: `taken = statements()` returns
    those so far and starts a new count."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)

    def taken() -> list[str]:
        result = list(seen)
        seen.clear()
        return result

    yield taken
    sa.event.remove(engine, "before_cursor_execute", record)
