"""`flask audit verify` against logs altered behind the append-only triggers' back: each kind of
damage is found, and the first bad entry is named."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.audit import checkpoints, merkle
from app.audit.keys import current_keys
from app.audit.models import AuditEntry
from app.audit.verify import verify_log
from app.db import db
from tests.app.audit.conftest import add, add_many, tamper, triggers_lifted

SIZE = 37


# On PostgreSQL `--processes 3` shares the entries' own checks among worker processes, each in the
# verifying transaction's snapshot: every kind of damage must be found the same way (on SQLite
# the option changes nothing).
@pytest.fixture(params=[1, 3], ids=["one process", "three processes"])
def log_app(app_with, request) -> Flask:  # type: ignore[no-untyped-def]
    """A log of 37 entries with a checkpoint every 8 entries and one at the end."""
    application = app_with(CANDOR_CHECKPOINT_EVERY=8, CANDOR_CHECKPOINT_MAX_AGE_S=10**9)
    application.config["TEST_VERIFY_PROCESSES"] = request.param
    with application.app_context():
        add_many(SIZE)
        checkpoints.checkpoint_now(db.session)
        db.session.commit()
    return application


def run_verify(application: Flask, *args: str):  # type: ignore[no-untyped-def]
    processes = str(application.config.get("TEST_VERIFY_PROCESSES", 1))
    return application.test_cli_runner().invoke(args=["audit", "verify", "--processes", processes, *args])


def test_an_intact_log_verifies(log_app):
    result = run_verify(log_app)
    assert result.exit_code == 0, result.output
    assert f"The log of {SIZE} entries is intact." in result.output
    with log_app.app_context():
        report = verify_log(db.session, current_keys(), batch_size=5)
        assert report.ok and report.entries == SIZE and report.checkpoints == 6
        assert report.consistency_proofs == 5  # 1 → 8 → 16 → 24 → 32 → 37
        assert report.nodes == sum(SIZE >> level for level in range(1, 6))


def test_an_empty_log_verifies(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "The log of 0 entries is intact." in result.output


def test_an_altered_entry_is_named(log_app):
    with log_app.app_context():
        tamper("audit_entries", 'UPDATE audit_entries SET leaf = :leaf WHERE "index" = 13',
               leaf=b'{"channel":"web","index":13,"kind":"test","n":999,"reference":"R13","time":"2026-11-23T05:00:00Z"}')
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert "First bad entry: 13" in result.output
    assert "entry 13: its leaf hash does not match its leaf" in result.output
    assert "checkpoint of 16 entries: its signed root does not match" in result.output


def test_an_entry_rewritten_with_a_matching_hash_is_still_caught(log_app):
    """The attacker recomputes the leaf hash, every tree node and the head: only the signed
    checkpoints remain to betray them, and they do, naming the entries between two checkpoints."""
    with log_app.app_context():
        forged = b'{"channel":"web","index":20,"kind":"test","n":-1,"reference":"R20","time":"2026-11-23T05:00:00Z"}'
        tamper("audit_entries", 'UPDATE audit_entries SET leaf = :leaf, leaf_hash = :hash WHERE "index" = 20',
               leaf=forged, hash=merkle.leaf_hash(forged))
        hashes = [bytes(h) for h in db.session.scalars(sa.select(AuditEntry.leaf_hash).order_by(AuditEntry.index))]
        frontier: list[bytes] = []
        with triggers_lifted("audit_tree_nodes"):
            for index, value in enumerate(hashes):
                frontier, completed = merkle.extend(frontier, index, value)
                for (level, node_index), node in completed:
                    db.session.execute(sa.text('UPDATE audit_tree_nodes SET hash = :hash WHERE level = :level '
                                               'AND "index" = :i'), {"hash": node, "level": level, "i": node_index})
            db.session.commit()
        db.session.execute(sa.text("UPDATE audit_head SET frontier = :f"), {"f": merkle.pack_frontier(frontier)})
        db.session.commit()
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert "one of entries 16–23 was changed after it was signed" in result.output
    assert "its leaf hash does not match" not in result.output


def test_columns_that_no_longer_match_their_leaf_are_named(log_app):
    with log_app.app_context():
        tamper("audit_entries", 'UPDATE audit_entries SET reference = :value WHERE "index" = 9', value="CND-FAKE-FAKE")
        tamper("audit_entries", 'UPDATE audit_entries SET kind = :value WHERE "index" = 11', value="recommendation")
        tamper("audit_entries", 'UPDATE audit_entries SET house_best = :value WHERE "index" = 12', value=True)
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert "First bad entry: 9" in result.output
    assert "entry 9: its reference column says 'CND-FAKE-FAKE' but its leaf says 'R9'" in result.output
    assert "entry 11: its kind column says 'recommendation' but its leaf says 'test'" in result.output
    assert "entry 12: its house_best column says True but its leaf says None" in result.output
    assert "leaf hash" not in result.output


def test_columns_are_checked_when_the_header_itself_holds_the_record_marker(log_app):
    """The header is read up to the first ',"record":'; where the header holds that text itself
    (here an actor member named "record"), the header is still read whole and checked."""
    with log_app.app_context():
        add({"actor": {"type": "advisor", "id": "7", "record": ',"record":{}'}}, reference="R-MARK")
        db.session.commit()
        checkpoints.checkpoint_now(db.session)
        db.session.commit()
        assert run_verify(log_app).exit_code == 0
        tamper("audit_entries", 'UPDATE audit_entries SET actor_id = :value WHERE "index" = :index', value="8",
               index=SIZE)
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert f"entry {SIZE}: its actor_id column says '8' but its leaf says '7'" in result.output


def test_a_deleted_entry_is_named(log_app):
    with log_app.app_context():
        tamper("audit_entries", 'DELETE FROM audit_entries WHERE "index" = 30')
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert "First bad entry: 30" in result.output and "entry 30 is missing" in result.output


def test_entries_dropped_from_the_end_are_found(log_app):
    with log_app.app_context():
        tamper("audit_entries", 'DELETE FROM audit_entries WHERE "index" >= 35')
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert "First bad entry: 35" in result.output


def test_a_damaged_tree_node_is_found(log_app):
    with log_app.app_context():
        tamper("audit_tree_nodes", 'UPDATE audit_tree_nodes SET hash = :hash WHERE level = 2 AND "index" = 3',
               hash=bytes(32))
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert "the stored tree node over entries 12–15 does not match them" in result.output
    assert "First bad entry" not in result.output


def test_a_deleted_tree_node_is_found_whatever_the_batch_size(log_app):
    with log_app.app_context():
        tamper("audit_tree_nodes", 'DELETE FROM audit_tree_nodes WHERE level = 3 AND "index" = 2')
        for batch_size in (5, 7, 16, 2000):
            report = verify_log(db.session, current_keys(), batch_size=batch_size,
                                processes=log_app.config["TEST_VERIFY_PROCESSES"])
            db.session.rollback()
            messages = [problem.message for problem in report.problems]
            assert "the tree node over entries 16–23 is missing" in messages, (batch_size, messages)
            assert report.first_bad_entry is None


def test_forged_checkpoints_are_found(log_app):
    with log_app.app_context():
        for size, replace in ((24, ("\n24\n", "\n25\n")), (32, ("—", "-"))):
            note = db.session.scalar(sa.text("SELECT note FROM audit_checkpoints WHERE tree_size = :s"), {"s": size})
            tamper("audit_checkpoints", "UPDATE audit_checkpoints SET note = :note WHERE tree_size = :s",
                   note=note.replace(*replace), s=size)
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert "checkpoint of 24 entries: the signature by candor.example/recommendations does not verify" in result.output
    assert "checkpoint of 32 entries: every line after the blank line is a signature line" in result.output


def test_a_checkpoint_signed_by_another_key_is_not_ours(log_app, tmp_path, app_with):
    other = app_with(CANDOR_SIGNING_KEY_FILE=str(tmp_path / "other.pem"))
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "is not signed by candor.example/recommendations+" in result.output


def test_a_tampered_head_is_found(log_app):
    with log_app.app_context():
        db.session.execute(sa.text("UPDATE audit_head SET size = size + 1"))
        db.session.commit()
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert f"the log should have {SIZE + 1} entries but entries from {SIZE} are missing" in result.output


def test_verify_runs_in_a_session_bound_to_a_connection(log_app):
    """As the compliance console runs it: its own connection, its own session."""
    with log_app.app_context(), db.engine.connect() as connection, Session(bind=connection) as session:
        report = verify_log(session, current_keys())
        assert report.ok and report.entries == SIZE


@pytest.mark.parametrize("options", [[], ["--skip-columns"]])
def test_every_anomaly_after_a_deleted_middle_entry_is_still_named(log_app, options):
    """A row deleted behind the triggers' back leaves a hole in the recomputed tree; the check
    takes the tree up again from the stored subtree over the hole and goes on naming the rest."""
    with log_app.app_context():
        tamper("audit_entries", 'DELETE FROM audit_entries WHERE "index" = 13')
        tamper("audit_entries", 'UPDATE audit_entries SET leaf = :leaf WHERE "index" = 20',
               leaf=b'{"channel":"web","index":20,"kind":"test","n":-5,"reference":"R20","time":"2026-11-23T05:00:00Z"}')
        tamper("audit_tree_nodes", 'UPDATE audit_tree_nodes SET hash = :hash WHERE level = 1 AND "index" = 14',
               hash=bytes(32))
        note = db.session.scalar(sa.text("SELECT note FROM audit_checkpoints WHERE tree_size = 32"))
        tamper("audit_checkpoints", "UPDATE audit_checkpoints SET note = :note WHERE tree_size = 32",
               note=note.replace("\n32\n", "\n33\n"))
    result = run_verify(log_app, *options)
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "First bad entry: 13" in result.output
    assert "entry 13 is missing" in result.output
    assert "entry 20: its leaf hash does not match its leaf" in result.output
    assert "the stored tree node over entries 28–29 does not match them" in result.output
    assert "checkpoint of 32 entries: the signature by candor.example/recommendations does not verify" in result.output
    assert "checkpoint of 16 entries: its signed root does not match" not in result.output  # 13 is reported, not blamed twice
    assert "checkpoint of 24 entries: its signed root does not match entries 0–23" in result.output  # entry 20


def test_a_hole_whose_covering_nodes_are_gone_too_is_named_and_the_rest_still_checked(log_app):
    with log_app.app_context():
        tamper("audit_entries", 'DELETE FROM audit_entries WHERE "index" IN (5, 6)')
        tamper("audit_tree_nodes", 'DELETE FROM audit_tree_nodes WHERE level >= 2 AND "index" = 0')
        tamper("audit_entries", 'UPDATE audit_entries SET leaf = :leaf WHERE "index" = 30',
               leaf=b'{"channel":"web","index":30,"kind":"test","n":-5,"reference":"R30","time":"2026-11-23T05:00:00Z"}')
    result = run_verify(log_app)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "entries 5–6 are missing" in result.output
    assert "the tree could not be taken up again after the hole where entries 5–6 are missing" in result.output
    assert "checkpoint of 8 entries could not be checked against the entries: entries 5–6 are missing" in result.output
    assert "entry 30: its leaf hash does not match its leaf" in result.output


@pytest.mark.parametrize("statement, named", [
    ("DELETE FROM audit_head", "the head cannot be read"),
    ("UPDATE audit_head SET frontier = :garbage", "the head cannot be read (a packed frontier is a whole number of hashes)"),
])
def test_a_missing_or_garbled_head_is_named_and_the_entries_still_checked(log_app, statement, named):
    with log_app.app_context():
        db.session.execute(sa.text(statement), {"garbage": b"\x01\x02"} if ":garbage" in statement else {})
        db.session.commit()
        tamper("audit_entries", 'DELETE FROM audit_entries WHERE "index" = 9')
    result = run_verify(log_app)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert named in result.output
    assert "entry 9 is missing" in result.output and "Checked 36 entries" in result.output


def test_entries_dropped_from_the_end_with_the_head_rolled_back_are_named_by_the_checkpoint(log_app):
    with log_app.app_context():
        tamper("audit_entries", 'DELETE FROM audit_entries WHERE "index" >= 35')
        db.session.execute(sa.text("UPDATE audit_head SET size = 35"))
        db.session.commit()
    result = run_verify(log_app)
    assert result.exit_code == 1
    assert "First bad entry: 35" in result.output
    assert "checkpoint of 37 entries: the log has only 35 entries, so entries 35–36 it covers are missing" in result.output
