"""The database: one declarative base with a constraint naming convention, one session per request."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask import Flask
from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session

from app.config import DEFAULT_DB_POOL_SIZE

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# A pooled connection idle for longer than this is pinged before it is handed out; one back in use
# sooner is not. pool_pre_ping pinged every checkout: a round trip on every request, while the
# connections that go stale (a database restart, a proxy's idle timeout) are the idle ones.
PING_IDLE_AFTER_S = 10.0


def ping_when_idle(engine: Engine, idle_s: float) -> None:
    """Pings a connection on checkout when it has been idle `idle_s` or longer; a dead one is
    replaced by a fresh connection before anyone sees it (SQLAlchemy retries the checkout)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: object, record: object) -> None:
        record.info["idle_since"] = time.monotonic()  # type: ignore[attr-defined]

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: object, record: object, proxy: object) -> None:
        idle_since = record.info.get("idle_since")  # type: ignore[attr-defined]
        if idle_since is None or time.monotonic() - idle_since < idle_s:
            return  # a new connection, or one in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)  # type: ignore[arg-type]
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection is gone") from error
        if not alive:
            raise DisconnectionError("the pooled connection is gone")


class _Database(SQLAlchemy):
    def _make_engine(self, bind_key: str | None, options: dict[str, object], app: Flask) -> Engine:
        if make_url(options["url"]).get_backend_name() != "sqlite":  # type: ignore[arg-type]
            options.setdefault("pool_size", int(app.config.get("CANDOR_DB_POOL_SIZE", DEFAULT_DB_POOL_SIZE)))
        engine = super()._make_engine(bind_key, options, app)
        ping_when_idle(engine, float(app.config.get("CANDOR_DB_PING_IDLE_S", PING_IDLE_AFTER_S)))
        return engine


db = _Database(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A SAVEPOINT inside the caller's transaction: what fails within it is undone, what the
    transaction did before it is kept. On SQLite the driver opens its transaction only at a write,
    so a SAVEPOINT issued first would itself be the outermost transaction and its release would
    commit; the transaction is begun explicitly first (the driver commits it at the session's commit)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    with session.begin_nested():
        yield


@contextmanager
def scratch_schema(base_url: str, prefix: str) -> Iterator[str]:
    """A URL for a fresh PostgreSQL schema of its own (first on the search path), dropped on exit:
    tests and benchmarks share one server without ever seeing each other's tables."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
