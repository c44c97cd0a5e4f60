"""`flask audit verify --processes N` on PostgreSQL: each entry's own checks (its leaf hashed
again, its copied columns compared with its leaf — nine tenths of a verification's CPU) shared
among N processes. Each worker opens its own connection in the verifying transaction's exported
snapshot, so every process sees exactly the same log, and reads its ranges of indices by binary
COPY. The main process gets back, per range, one recomputed 32-byte hash per entry, the problems
found and the stored tree nodes of the range, in index order, and walks the tree, checkpoints and
head from them exactly as a single process does (that part is sequential, and cheap)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.audit.merkle import NodeKey
from app.audit.verify_entries import checked_rows
from app.audit.verify_reading import read_range, stored_nodes_between, use_snapshot

Found = list[tuple[str, int | None, str]]
CheckedBatch = tuple[list[tuple[int, bytes]], Found, dict[NodeKey, bytes]]

_connection: psycopg.Connection[Any] | None = None  # the worker's own, opened by _connect


class _Collected:
    """The problems a worker finds, handed back to the main process, which counts them against
    the report's limit; at most `limit` per range travel back."""

    def __init__(self, limit: int) -> None:
        self.found: Found = []
        self.limit = limit

    def add(self, area: str, index: int | None, message: str) -> None:
        if len(self.found) < self.limit:
            self.found.append((area, index, message))


def parallel_entry_batches(session: Session, size: int, batch_size: int, processes: int,
                           check_columns: bool, max_problems: int = 50) -> Iterator[CheckedBatch]:
    """Batches of entries below `size`, checked on their own by `processes` worker processes,
    in index order; empty ranges (missing entries) are left out, so the walk meets the hole."""
    snapshot = session.connection().exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    bind = session.get_bind()
    url = (bind.engine if isinstance(bind, Connection) else bind).url
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    ranges = [(first, min(size, first + batch_size), check_columns, max_problems)
              for first in range(0, size, batch_size)]
    # fork: the workers start in milliseconds and import nothing; they never touch the parent's
    # connections (each opens its own), and the verifying process has started no threads.
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_connect, initargs=(dsn, snapshot)) as pool:
        for checked, found, stored in pool.imap(_check_range, ranges):
            if checked:
                yield checked, found, stored


def _connect(dsn: str, snapshot: str) -> None:
    global _connection
    _connection = psycopg.connect(dsn)
    _connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    _connection.read_only = True
    with _connection.cursor() as cursor:
        use_snapshot(cursor, snapshot)


def _check_range(task: tuple[int, int, bool, int]) -> CheckedBatch:
    first, end, check_columns, max_problems = task
    assert _connection is not None, "the pool's initializer connects every worker"
    problems = _Collected(max_problems)
    with _connection.cursor(binary=True) as cursor:
        rows = read_range(cursor, first, end)
        checked = checked_rows(rows, check_columns, problems)
        stored = stored_nodes_between(cursor, rows[0][0], rows[-1][0]) if rows else {}
    return checked, problems.found, stored
