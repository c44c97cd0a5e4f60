"""Fresh test databases at the migrations' head without running every migration for every test.

Running the migrations costs about 0.1 s on SQLite and 0.17 s on PostgreSQL, and the suite builds
well over a thousand databases. The first fresh database of a process is migrated for real; what
that produced is kept and reused for every later fresh database of the same dialect:

- SQLite: the migrated file's bytes (an image read through SQLite, so a WAL file's content is in
  it) are written as the new database file.
- PostgreSQL: the SQL the real upgrade sent (statement text and parameters, exactly as handed to
  the driver) is replayed into the new schema in one transaction. Nothing recorded may name the
  schema it was recorded in; a recording that does is dropped and the real upgrade kept.

Only a database with nothing in it yet takes the shortcut; anything else (a second app on the same
database, a half-migrated one) gets the real `upgrade()`, which at the head costs next to nothing.
What was kept is filed under a fingerprint of the migrations folder's files, read again on every
call, so an edited or added migration is never answered with what the old ones produced.
CANDOR_TEST_REAL_MIGRATIONS=1 runs the real upgrade for every database. tests/test_migration_shortcuts.py
proves a database made either way is the same, schema and rows.
"""

from __future__ import annotations

import copy
import hashlib
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, Engine

from app.db import db

REAL_MIGRATIONS_VARIABLE = "CANDOR_TEST_REAL_MIGRATIONS"

# How a database was brought to the head: the real migrations, a copy of the SQLite template, or a
# replay of the SQL recorded on PostgreSQL.
Migrated = Literal["upgrade", "template", "replay"]

# Files SQLite keeps beside a database: a database file with any of them is not a fresh one (a
# leftover journal would even be rolled into a copied template).
SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")

# Every object created in a schema depends on it in pg_depend (that is how DROP SCHEMA … CASCADE finds
# them), and pg_depend is indexed by what is depended on; pg_class is not indexed by schema, and the
# schemas the suite creates and drops leave it long to scan until autovacuum comes by.
POSTGRESQL_NOTHING_HERE_YET = text("""
SELECT current_schema() IS NOT NULL
   AND to_regclass('alembic_version') IS NULL
   AND NOT EXISTS (SELECT 1 FROM pg_depend
                   WHERE refclassid = 'pg_namespace'::regclass
                     AND refobjid = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()))
""")


@dataclass(frozen=True)
class SentStatement:
    """One statement as SQLAlchemy handed it to the driver, to be handed to it again the same way:
    a statement sent without parameters must be replayed without them (with psycopg, `%` means a
    placeholder only when parameters are passed)."""

    statement: str
    parameters: Any
    style: Literal["execute", "executemany", "no_parameters"]

    def send(self, cursor: Any) -> None:
        if self.style == "executemany":
            cursor.executemany(self.statement, self.parameters)
        elif self.style == "no_parameters":
            cursor.execute(self.statement)
        else:
            cursor.execute(self.statement, self.parameters)


@dataclass
class MigrationShortcuts:
    """What the first real migration of each kind of database produced, filed under the
    migrations' fingerprint. The suite shares one (`PROCESS_SHORTCUTS`); a test of the shortcuts
    makes its own so it neither sees nor leaves anything in the suite's."""

    sqlite_templates: dict[str, bytes] = field(default_factory=dict)
    postgresql_recordings: dict[tuple[str, str], tuple[SentStatement, ...]] = field(default_factory=dict)

    def bring_to_head(self, app: Flask) -> Migrated:
        """Migrates `app`'s database to the head (inside the app's context), the cheap way when
        the database is fresh; returns which way it went."""
        # The app's own migrations folder, passed on explicitly: upgrade() would otherwise take the
        # one of whichever app was created last.
        directory = Path(app.extensions["migrate"].directory)
        with app.app_context():
            if os.environ.get(REAL_MIGRATIONS_VARIABLE, "") not in ("", "0"):
                upgrade(directory=str(directory))
                return "upgrade"
            fingerprint = migrations_fingerprint(directory)
            dialect = db.engine.dialect.name
            if dialect == "sqlite":
                return self._bring_sqlite_to_head(directory, fingerprint)
            if dialect == "postgresql":
                return self._bring_postgresql_to_head(directory, fingerprint)
            upgrade(directory=str(directory))
            return "upgrade"

    def _bring_sqlite_to_head(self, directory: Path, fingerprint: str) -> Migrated:
        path = sqlite_file(db.engine.url)
        if path is None or not sqlite_file_is_fresh(path):
            upgrade(directory=str(directory))
            return "upgrade"
        template = self.sqlite_templates.get(fingerprint)
        if template is None:
            upgrade(directory=str(directory))
            self.sqlite_templates[fingerprint] = sqlite_image(path)
            return "upgrade"
        # The engine may hold a connection to the empty file; a fresh one must read the copy.
        db.engine.dispose()
        path.write_bytes(template)
        return "template"

    def _bring_postgresql_to_head(self, directory: Path, fingerprint: str) -> Migrated:
        engine = db.engine
        with engine.connect() as connection:
            fresh = connection.scalar(POSTGRESQL_NOTHING_HERE_YET)
            schema = connection.scalar(text("SELECT current_schema()"))
        if not fresh:
            upgrade(directory=str(directory))
            return "upgrade"
        server = postgresql_server(engine.url)
        recording = self.postgresql_recordings.get((fingerprint, server))
        if recording is None:
            recording = record_statements(engine, lambda: upgrade(directory=str(directory)))
            if not any(names(schema, statement) for statement in recording):
                self.postgresql_recordings[(fingerprint, server)] = recording
            return "upgrade"
        replay(engine, recording)
        return "replay"


PROCESS_SHORTCUTS = MigrationShortcuts()


def bring_to_head(app: Flask) -> Migrated:
    return PROCESS_SHORTCUTS.bring_to_head(app)


def migrations_fingerprint(directory: Path) -> str:
    """A digest of every file of the migrations folder (names and contents): a revision edited in
    place changes it as surely as a new one."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(directory)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL; None for an in-memory database or one opened with options."""
    if url.query or not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return Path(url.database)


def sqlite_file_is_fresh(path: Path) -> bool:
    if any(Path(f"{path}{suffix}").exists() for suffix in SQLITE_SIDE_FILES):
        return False
    return not path.exists() or path.stat().st_size == 0


def sqlite_image(path: Path) -> bytes:
    """The database as SQLite reads it: committed pages, including any still in a WAL file."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.serialize()


def postgresql_server(url: URL) -> str:
    """The server and database of a URL, without the options that pick a schema."""
    return url.difference_update_query(["options"]).render_as_string(hide_password=True)


def record_statements(engine: Engine, migrate: Any) -> tuple[SentStatement, ...]:
    """Runs `migrate()` and returns every statement it sent through `engine`, in order."""
    sent: list[SentStatement] = []

    def keep(connection: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
             executemany: bool) -> None:
        if executemany:
            style: Literal["execute", "executemany", "no_parameters"] = "executemany"
        elif not parameters and context is not None and context.no_parameters:
            style = "no_parameters"
        else:
            style = "execute"
        # A copy: the recording outlives this execution and must not change with anything it shares.
        sent.append(SentStatement(statement, copy.deepcopy(parameters), style))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        migrate()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return tuple(sent)


def names(schema: str, statement: SentStatement) -> bool:
    """Whether the statement mentions the schema by name (in its text or its parameters)."""
    return schema in statement.statement or schema in repr(statement.parameters)


def replay(engine: Engine, recording: tuple[SentStatement, ...]) -> None:
    """Sends the recorded statements again, in one transaction on one connection."""
    connection = engine.raw_connection()
    try:
        with closing(connection.cursor()) as cursor:
            for statement in recording:
                statement.send(cursor)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
