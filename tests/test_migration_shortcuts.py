"""A database the migration shortcuts made (tests/migration_shortcuts.py: a copied SQLite template, SQL
replayed on PostgreSQL) is the database the real migrations make: the same schema, down to column
defaults, index and constraint definitions, triggers and function bodies, and the same rows in every
table. Each test keeps its own MigrationShortcuts, so the suite's shared one is neither used nor changed."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.db import db, scratch_schema
from tests.conftest import DATABASES, TEST_DATABASE_URL
from tests.migration_shortcuts import REAL_MIGRATIONS_VARIABLE, MigrationShortcuts

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
SHORTCUT = {"sqlite": "template", "postgresql": "replay"}

Snapshot = dict[str, list[tuple[Any, ...]]]


class Databases:
    """New empty databases of one dialect, and apps on them; all closed and dropped after the test."""

    def __init__(self, dialect: str, folder: Path, cleanup: ExitStack) -> None:
        self.dialect, self._folder, self._cleanup, self._count = dialect, folder, cleanup, 0

    def new_url(self) -> str:
        self._count += 1
        if self.dialect == "sqlite":
            return f"sqlite:///{self._folder / f'database-{self._count}.sqlite3'}"
        assert TEST_DATABASE_URL is not None
        return self._cleanup.enter_context(scratch_schema(TEST_DATABASE_URL, "test"))

    def app_on(self, url: str, migrations: Path = MIGRATIONS) -> Flask:
        application = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True,
                                  "CANDOR_PROVIDERS": []})
        application.extensions["migrate"].directory = str(migrations)
        self._cleanup.callback(close, application)  # runs before the schema (entered earlier) is dropped
        return application

    def new_app(self, migrations: Path = MIGRATIONS) -> Flask:
        return self.app_on(self.new_url(), migrations)


def close(application: Flask) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=DATABASES)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    with ExitStack() as cleanup:
        yield Databases(request.param, tmp_path, cleanup)


def migrated_for_real(databases: Databases, migrations: Path = MIGRATIONS) -> Flask:
    application = databases.new_app(migrations)
    with application.app_context():
        upgrade(directory=str(migrations))
    return application


def primed(databases: Databases, migrations: Path = MIGRATIONS) -> MigrationShortcuts:
    """Shortcuts that have seen one fresh database migrated for real, so the next fresh one is a copy."""
    shortcuts = MigrationShortcuts()
    assert shortcuts.bring_to_head(databases.new_app(migrations)) == "upgrade"
    return shortcuts


# What the databases are compared on. Definitions are read back from the catalogue (what the server
# made of the DDL, not the DDL sent), in the schema of the connection's search path; the schema's own
# name, which differs between any two test databases, is replaced by <schema>.
POSTGRESQL_CATALOGUE = {
    "relations": """
        SELECT c.relname, c.relkind, c.relpersistence, c.reloptions::text, c.relrowsecurity, c.relacl::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()""",
    "columns": """
        SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attcompression, a.attstorage,
               a.attcollation::regcollation::text, a.attisdropped
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = current_schema() AND a.attnum > 0""",
    "indexes": """
        SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, pg_get_indexdef(i.indexrelid),
               i.indisunique, i.indisprimary, i.indisvalid
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema()""",
    "constraints": """
        SELECT k.conname, k.conrelid::regclass::text, k.contype, pg_get_constraintdef(k.oid), k.condeferrable,
               k.condeferred, k.convalidated
        FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = current_schema()""",
    "triggers": """
        SELECT t.tgname, t.tgrelid::regclass::text, pg_get_triggerdef(t.oid), t.tgenabled
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND NOT t.tgisinternal""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid), p.provolatile,
               p.prosecdef, p.proacl::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.prokind <> 'a'""",
    "sequences": """
        SELECT sequencename, data_type::text, start_value, min_value, max_value, increment_by, cycle, cache_size,
               last_value
        FROM pg_sequences WHERE schemaname = current_schema()""",
    "types": """
        SELECT t.typname, t.typtype, (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)::text
                                      FROM pg_enum e WHERE e.enumtypid = t.oid)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema()""",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()",
    "policies": """
        SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check
        FROM pg_policies WHERE schemaname = current_schema()""",
    "comments": """
        SELECT c.relname, d.objsubid, d.description
        FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()""",
}
SQLITE_PRAGMAS = ("user_version", "application_id", "journal_mode", "auto_vacuum", "encoding", "page_size")


def snapshot(application: Flask) -> Snapshot:
    """The database's schema and the rows of every table, each section in a stable order."""
    with application.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            sections = sqlite_schema(connection)
            tables = connection.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'table'")).all()
        else:
            sections = postgresql_schema(connection)
            tables = connection.scalars(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).all()
        for table in tables:
            sections[f"rows of {table}"] = sorted(map(tuple, connection.execute(sa.text(f'SELECT * FROM "{table}"'))),
                                                  key=repr)
    return sections


def sqlite_schema(connection: sa.Connection) -> Snapshot:
    sections = {"objects": [tuple(row) for row in connection.execute(sa.text(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"))]}
    for pragma in SQLITE_PRAGMAS:
        sections[f"pragma {pragma}"] = [tuple(row) for row in connection.exec_driver_sql(f"PRAGMA {pragma}")]
    return sections


def postgresql_schema(connection: sa.Connection) -> Snapshot:
    schema = connection.scalar(sa.text("SELECT current_schema()"))

    def unnamed(cell: Any) -> Any:
        return cell.replace(schema, "<schema>") if isinstance(cell, str) else cell

    return {section: sorted((tuple(map(unnamed, row)) for row in connection.execute(sa.text(query))), key=repr)
            for section, query in POSTGRESQL_CATALOGUE.items()}


def differing_sections(first: Snapshot, second: Snapshot) -> set[str]:
    return {section for section in first.keys() | second.keys() if first.get(section) != second.get(section)}


def head_revision(migrations: Path = MIGRATIONS) -> str:
    head = ScriptDirectory(str(migrations)).get_current_head()
    assert head is not None
    return head


def test_a_database_from_the_shortcut_is_the_one_the_migrations_make(databases: Databases) -> None:
    shortcuts = MigrationShortcuts()
    first = databases.new_app()
    assert shortcuts.bring_to_head(first) == "upgrade"
    copied = databases.new_app()
    assert shortcuts.bring_to_head(copied) == SHORTCUT[databases.dialect]
    reference = snapshot(migrated_for_real(databases))

    assert snapshot(copied) == reference
    assert snapshot(first) == reference  # recording the first upgrade left no mark on it either
    # The comparison covers what the migrations insert, not only the schema:
    assert reference["rows of alembic_version"] == [(head_revision(),)]
    assert [row[:2] for row in reference["rows of audit_head"]] == [(1, 0)]
    assert reference["rows of qa_sampling_head"] == [(1, -1)]


def _drop_a_trigger(dialect: str) -> str:
    return "DROP TRIGGER audit_entries_no_update" + (" ON audit_entries" if dialect == "postgresql" else "")


# (a change made to one of two equal databases, the section each dialect's snapshot shows it in)
CHANGES: dict[str, tuple[Callable[[str], str], dict[str, str]]] = {
    "an extra index": (lambda dialect: "CREATE INDEX ix_extra ON audit_entries (created_at, kind)",
                       {"sqlite": "objects", "postgresql": "indexes"}),
    "a trigger dropped": (_drop_a_trigger, {"sqlite": "objects", "postgresql": "triggers"}),
    "a row changed": (lambda dialect: "UPDATE qa_sampling_head SET considered_through = 0",
                      {"sqlite": "rows of qa_sampling_head", "postgresql": "rows of qa_sampling_head"}),
    "a row added": (lambda dialect: "INSERT INTO alembic_version (version_num) VALUES ('extra')",
                    {"sqlite": "rows of alembic_version", "postgresql": "rows of alembic_version"}),
    "a function changed": (lambda dialect: "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger "
                                           "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END; $$",
                           {"postgresql": "functions"}),
    "a column default changed": (lambda dialect: "ALTER TABLE audit_head ALTER COLUMN frontier SET DEFAULT '\\x00'",
                                 {"postgresql": "columns"}),
}


# SQLite has no functions and no ALTER COLUMN: those changes are made on PostgreSQL only.
@pytest.mark.parametrize(("databases", "change"), [(dialect, change) for change, (_, shown_in) in CHANGES.items()
                                                   for dialect in DATABASES if dialect in shown_in],
                         indirect=["databases"])
def test_the_comparison_tells_apart_databases_that_differ(databases: Databases, change: str) -> None:
    statement, shown_in = CHANGES[change]
    shortcuts = primed(databases)
    copied = databases.new_app()
    assert shortcuts.bring_to_head(copied) == SHORTCUT[databases.dialect]
    reference = snapshot(migrated_for_real(databases))
    with copied.app_context():
        db.session.execute(sa.text(statement(databases.dialect)))
        db.session.commit()

    assert shown_in[databases.dialect] in differing_sections(snapshot(copied), reference)


def test_a_second_app_on_the_same_database_migrates_for_real_and_keeps_its_rows(databases: Databases) -> None:
    shortcuts = primed(databases)
    url = databases.new_url()
    first = databases.app_on(url)
    assert shortcuts.bring_to_head(first) == SHORTCUT[databases.dialect]
    with first.app_context():
        db.session.execute(sa.text("UPDATE qa_sampling_head SET considered_through = 41"))
        db.session.commit()

    second = databases.app_on(url)
    assert shortcuts.bring_to_head(second) == "upgrade"
    with second.app_context():
        assert db.session.scalar(sa.text("SELECT considered_through FROM qa_sampling_head")) == 41


def test_a_database_part_way_up_is_migrated_for_real(databases: Databases) -> None:
    shortcuts = primed(databases)
    partly = databases.new_app()
    with partly.app_context():
        upgrade(directory=str(MIGRATIONS), revision="a1c0f0000001")
    assert shortcuts.bring_to_head(partly) == "upgrade"
    assert snapshot(partly) == snapshot(migrated_for_real(databases))


def test_the_escape_hatch_migrates_every_database_for_real(databases: Databases,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    shortcuts = primed(databases)
    monkeypatch.setenv(REAL_MIGRATIONS_VARIABLE, "1")
    assert shortcuts.bring_to_head(databases.new_app()) == "upgrade"


def migrations_with(tmp_path: Path, upgrade_body: str) -> Path:
    """A copy of the migrations with one more revision on top, whose upgrade() is `upgrade_body`."""
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / "9999_added_by_the_test.py").write_text(
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f'revision = "ffffffff0001"\ndown_revision = "{head_revision()}"\nbranch_labels = None\ndepends_on = None\n\n\n'
        f'def upgrade():\n{textwrap.indent(upgrade_body, "    ")}\n\n\ndef downgrade():\n    pass\n')
    return copy


def test_a_changed_migrations_folder_is_never_answered_from_what_the_old_one_made(
        databases: Databases, tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shortcuts = primed(databases, copy)
    shutil.rmtree(copy)
    migrations_with(tmp_path, 'op.create_table("added_by_the_test", sa.Column("id", sa.Integer, primary_key=True))')

    after_the_change = databases.new_app(copy)
    assert shortcuts.bring_to_head(after_the_change) == "upgrade"
    copied = databases.new_app(copy)
    assert shortcuts.bring_to_head(copied) == SHORTCUT[databases.dialect]
    assert snapshot(copied) == snapshot(after_the_change)
    assert snapshot(copied)["rows of alembic_version"] == [("ffffffff0001",)]


# PostgreSQL only: SQLite databases are copied, not replayed.
@pytest.mark.parametrize("databases", [name for name in DATABASES if name == "postgresql"], indirect=True)
def test_a_recording_that_names_its_schema_is_not_replayed(databases: Databases, tmp_path: Path) -> None:
    copy = migrations_with(tmp_path, textwrap.dedent('''\
        schema = op.get_bind().scalar(sa.text("SELECT current_schema()"))
        op.execute(f'CREATE TABLE "{schema}".named_schema (id integer)')'''))
    shortcuts = MigrationShortcuts()
    for _ in range(2):
        assert shortcuts.bring_to_head(databases.new_app(copy)) == "upgrade"
    assert not shortcuts.postgresql_recordings
