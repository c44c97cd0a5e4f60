"""Pooled database connections are pinged only after sitting idle (app/db.py ping_when_idle), not
on every checkout: a connection the server dropped while idle is replaced before any request sees
it, and a connection in use a moment ago costs no extra round trip."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import db


def _terminate_pooled_backends() -> None:
    """Ends, from another connection, the server process behind every connection in the pool."""
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    db.session.remove()
    with sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool).connect() as other:
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_connection_dropped_while_idle_is_replaced_before_it_is_used(make_apps):
    app = make_apps([], CANDOR_DB_PING_IDLE_S=0.0)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            assert db.engine.dialect.name == "sqlite"  # an SQLite file has no server to drop it
            return
        _terminate_pooled_backends()
        assert db.session.execute(sa.text("SELECT 1")).scalar_one() == 1


def test_a_connection_back_in_use_within_the_idle_window_is_not_pinged(make_apps):
    app = make_apps([], CANDOR_DB_PING_IDLE_S=3600.0)
    pings = []
    with app.app_context():
        original = db.engine.dialect.do_ping
        db.engine.dialect.do_ping = lambda connection: pings.append(connection) or original(connection)  # type: ignore[method-assign]
        try:
            for _ in range(3):
                db.session.execute(sa.text("SELECT 1"))
                db.session.remove()
        finally:
            del db.engine.dialect.do_ping
    assert pings == []


def test_a_connection_idle_longer_than_the_window_is_pinged_once_on_checkout(make_apps):
    app = make_apps([], CANDOR_DB_PING_IDLE_S=0.0)
    with app.app_context():
        original = db.engine.dialect.do_ping
        pings = []
        db.engine.dialect.do_ping = lambda connection: pings.append(connection) or original(connection)  # type: ignore[method-assign]
        try:
            db.session.execute(sa.text("SELECT 1"))
            db.session.remove()
            pinged_before = len(pings)
            db.session.execute(sa.text("SELECT 1"))
            db.session.remove()
        finally:
            del db.engine.dialect.do_ping
    assert len(pings) == pinged_before + 1
