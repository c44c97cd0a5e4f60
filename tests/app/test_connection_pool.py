"""A server database's pool keeps a connection for every request thread (app/db.py, CANDOR_DB_POOL_SIZE,
set by gunicorn.conf.py from GUNICORN_THREADS): with a smaller pool, each time every thread was busy
the extra connections were closed on their return and opened again for the next burst, a new
PostgreSQL backend each time."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import sqlalchemy as sa

from app.db import db

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_as_many_threads_as_the_pool_holds_find_their_connections_kept_for_the_next_burst(make_apps):
    threads = 12
    app = make_apps([], CANDOR_DB_POOL_SIZE=threads)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            assert isinstance(engine.pool, sa.pool.QueuePool)  # SQLite files keep SQLAlchemy's own sizing
            return
        assert engine.pool.size() == threads
        all_busy = threading.Barrier(threads)
        backends: list[set[int]] = [set(), set()]

        def request(burst: int) -> None:
            with engine.connect() as connection:
                backends[burst].add(connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
                all_busy.wait(timeout=30)

        for burst in (0, 1):
            workers = [threading.Thread(target=request, args=(burst,)) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        assert len(backends[0]) == threads
        assert backends[1] == backends[0]
        assert engine.pool.checkedin() == threads


def test_gunicorn_gives_each_worker_a_pool_as_large_as_its_threads():
    probe = (
        "import os, runpy; runpy.run_path('gunicorn.conf.py'); print(os.environ['CANDOR_DB_POOL_SIZE'])"
    )
    environment = {key: value for key, value in os.environ.items() if key != "CANDOR_DB_POOL_SIZE"}
    for threads in ("3", "16"):
        printed = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, check=True, capture_output=True,
                                 text=True, env={**environment, "GUNICORN_THREADS": threads}).stdout
        assert printed.strip() == threads
