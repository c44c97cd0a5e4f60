"""Whole-log verification run from the console, and its result kept in the log itself: an entry of
kind "log-verification", so the record that the log was checked is as tamper-evident as what was
checked, and needs no table of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import append, AuditEntry, current_keys, document, Report, verify_log
from app.db import db, utcnow

VERIFICATION = "log-verification"
CHANNEL = "console"
PROBLEMS_KEPT = 20


@dataclass(frozen=True)
class Verification:
    index: int
    time: str
    actor: dict[str, Any] | None
    ok: bool
    size: int
    entries: int
    checkpoints: int
    consistency_proofs: int
    milliseconds: int
    first_bad_entry: int | None
    problems: list[str]
    problems_left_out: int


def run_verification() -> Report:
    """Verifies the whole log in a session of its own: on PostgreSQL in one REPEATABLE READ
    snapshot, so appends made meanwhile neither show up half-way nor look like damage."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind=connection) as session:
            report = verify_log(session, current_keys())
            session.rollback()
    return report


def record_verification(session: Session, report: Report, *, actor: dict[str, Any]) -> AuditEntry:
    """Appends the result; the caller commits. Numbers are integers (the log holds no floats)."""
    body = {
        "actor": actor,
        "ok": report.ok,
        "size": report.size,
        "entries": report.entries,
        "nodes": report.nodes,
        "checkpoints": report.checkpoints,
        "consistency_proofs": report.consistency_proofs,
        "milliseconds": round(report.seconds * 1000),
        "first_bad_entry": report.first_bad_entry,
        "problems": [problem.message for problem in report.problems[:PROBLEMS_KEPT]],
        "problems_left_out": report.problems_left_out + max(0, len(report.problems) - PROBLEMS_KEPT),
    }
    return append(session, body, kind=VERIFICATION, channel=CHANNEL, created_at=utcnow())


def last_verification(session: Session) -> Verification | None:
    entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == VERIFICATION)
                            .order_by(AuditEntry.index.desc()).limit(1)).first()
    if entry is None:
        return None
    record = document(entry)
    return Verification(entry.index, record["time"], record.get("actor"), bool(record["ok"]), record["size"],
                        record["entries"], record["checkpoints"], record["consistency_proofs"],
                        record["milliseconds"], record.get("first_bad_entry"), list(record.get("problems", [])),
                        record.get("problems_left_out", 0))
