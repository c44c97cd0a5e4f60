"""The database: one declarative base with a constraint naming convention, one session per request."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import click
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
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


def init_migrations(app: Flask, directory: str) -> None:
    """Flask-Migrate, bound the first time anything asks for it: `flask db …`, or code reading
    app.extensions["migrate"] (flask_migrate.upgrade, migrations/env.py). Alembic, Mako and Pygments
    come with it, some 11 MB per process that no request needs, so a web worker never loads them."""

    def bind() -> None:
        from flask_migrate import Migrate

        Migrate(render_as_batch=True, compare_type=True).init_app(app, db, directory=directory)

    def commands() -> click.Group:
        from flask_migrate.cli import db as migration_commands

        if "migrate" not in app.extensions:  # its commands read the binding
            bind()
        return migration_commands

    app.extensions = _BindingOnFirstUse(app.extensions, "migrate", bind)
    app.cli.add_command(_LazyGroup("db", commands, help="Perform database migrations."))


class _BindingOnFirstUse(dict):  # type: ignore[type-arg]
    """app.extensions, which runs `bind` (expected to set `key`) when `key` is first looked up."""

    def __init__(self, existing: dict, key: str, bind: Callable[[], None]) -> None:  # type: ignore[type-arg]
        super().__init__(existing)
        self._key, self._bind = key, bind

    def __missing__(self, key: str) -> object:
        if key != self._key:
            raise KeyError(key)
        self._bind()
        return dict.__getitem__(self, key)


class _LazyGroup(click.Group):
    """Stands in for a command group, imported when the group is used rather than when it is
    listed: its context, options and commands are the real group's."""

    def __init__(self, name: str, group: Callable[[], click.Group], **attrs: Any) -> None:
        super().__init__(name, **attrs)
        self._group = group

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        return self._group().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._group().get_command(ctx, cmd_name)


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
