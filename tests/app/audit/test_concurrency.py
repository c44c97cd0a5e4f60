"""Several processes appending at once, as several app instances would: the indices stay dense
(0 … n-1, no gap, no duplicate) and the whole log, its tree and its checkpoints verify."""

from __future__ import annotations

import base64
import multiprocessing
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.audit import checkpoints
from app.audit.keys import current_keys
from app.audit.log import append, size
from app.audit.models import AuditCheckpoint, AuditEntry, PersonalDataKey
from app.audit.verify import verify_log
from app.db import db, utcnow

WRITERS = 4
APPENDS_EACH = 24


def _writer(config: dict[str, Any], writer: int, start: Any, failures: Any) -> None:
    """One instance: appends entries one transaction at a time, some with personal data (a new
    customer key each), and now and then asks for a checkpoint as the /verify page does."""
    try:
        application = create_app(config)
        with application.app_context():
            start.wait(timeout=180)
            for n in range(APPENDS_EACH):
                personal = {"profile": {"writer": writer, "n": n}} if n % 3 == 0 else None
                append(db.session, {"writer": writer, "n": n}, kind="test", channel="web", created_at=utcnow(),
                       reference=f"W{writer}-{n}", personal=personal)
                db.session.commit()
                if n % 10 == 5:
                    checkpoints.checkpoint_now(db.session)
                    db.session.commit()
            db.session.remove()
            db.engine.dispose()
    except BaseException as error:  # reported to the parent, which fails the test with it
        failures.put(f"writer {writer}: {type(error).__name__}: {error}")
        raise


def test_concurrent_writers_keep_the_log_dense_and_verifiable(app: Flask) -> None:
    config = {key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING", "CANDOR_SIGNING_KEY_FILE", "CANDOR_PROVIDERS",
        "REDIS_URL", "RATELIMIT_KEY_PREFIX") if key in app.config}
    with app.app_context():
        config["CANDOR_DATA_KEY"] = base64.b64encode(current_keys().data_key).decode()
    config["CANDOR_CHECKPOINT_EVERY"] = 16
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite serialises writers on a file lock; on a busy machine a writer may wait longer
        # than pysqlite's 5 s default for it.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 60}}
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WRITERS)
    failures = context.Queue()
    processes = [context.Process(target=_writer, args=(config, writer, start, failures)) for writer in range(WRITERS)]
    for process in processes:
        process.start()
    verified_meanwhile = []
    while any(process.is_alive() for process in processes) and len(verified_meanwhile) < 3:
        with app.app_context():
            started = size(db.session) > 10
            db.session.remove()
        if started:
            verified_meanwhile.append(app.test_cli_runner().invoke(args=["audit", "verify"]))
        time.sleep(0.2)
    for process in processes:
        process.join(timeout=300)
    reported = [failures.get_nowait() for _ in range(failures.qsize())] if not failures.empty() else []
    assert all(process.exitcode == 0 for process in processes), reported

    with app.app_context():
        indices = db.session.scalars(sa.select(AuditEntry.index).order_by(AuditEntry.index)).all()
        total = WRITERS * APPENDS_EACH
        assert indices == list(range(total))
        references = db.session.scalars(sa.select(AuditEntry.reference)).all()
        assert len(set(references)) == total
        interleaved = [int(reference.split("-")[0][1:]) for reference in
                       db.session.scalars(sa.select(AuditEntry.reference).order_by(AuditEntry.index))]
        assert len({tuple(interleaved[i:i + 2]) for i in range(total - 1)} - {(w, w) for w in range(WRITERS)}) > 0, \
            "the writers should have interleaved"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalDataKey)) == WRITERS * 8
        sizes = db.session.scalars(sa.select(AuditCheckpoint.tree_size)).all()
        assert {16, 32, 48, 64, 80, 96} <= set(sizes)
        report = verify_log(db.session, current_keys())
        assert report.ok, report.problems
    assert verified_meanwhile, "verify should have run while the writers were appending"
    for result in verified_meanwhile:
        assert result.exit_code == 0, (result.output, repr(result.exception))
        assert report.entries == total and report.checkpoints == len(sizes)
