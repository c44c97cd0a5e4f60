import hashlib
import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.audit.canonical import NotLoggable, canonical_json, leaf_hash
from app.audit.log import append, document, size
from app.audit.models import AuditEntry
from app.db import db

MOMENT = datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)


def add(body=None, **kwargs):
    return append(db.session, body or {"note": "x"}, kind=kwargs.pop("kind", "test"), channel="web",
                  created_at=MOMENT, **kwargs)


def test_leaf_bytes_are_canonical_json_with_decimal_strings():
    assert canonical_json({"b": Decimal("1.50"), "a": [1, True, None], "t": MOMENT}) == \
        b'{"a":[1,true,null],"b":"1.50","t":"2026-11-23T05:00:00Z"}'


def test_floats_and_naive_times_never_reach_the_log():
    with pytest.raises(NotLoggable):
        canonical_json({"price": 1.5})
    with pytest.raises(NotLoggable):
        canonical_json({"time": datetime(2026, 1, 1)})


def test_leaf_hash_is_rfc9162_leaf_hash():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()


def test_indices_are_dense_from_zero_and_each_entry_hashes_its_own_leaf(app):
    with app.app_context():
        entries = [add({"n": n}, reference=f"R{n}") for n in range(5)]
        db.session.commit()
        assert [entry.index for entry in entries] == [0, 1, 2, 3, 4]
        assert size(db.session) == 5
        stored = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.index)).all()
        for entry in stored:
            assert entry.leaf_hash == leaf_hash(entry.leaf)
            assert document(entry)["index"] == entry.index
            assert entry.created_at == MOMENT and entry.created_at.tzinfo is not None


def test_a_rolled_back_append_leaves_no_gap(app):
    with app.app_context():
        add()
        db.session.rollback()
        assert add().index == 0
        db.session.commit()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET kind = 'forged'",
    "DELETE FROM audit_entries",
])
def test_triggers_reject_changes_to_logged_entries(app, statement):
    with app.app_context():
        add()
        db.session.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
        assert db.session.scalar(sa.select(AuditEntry.kind)) == "test"


def test_truncate_is_rejected_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            assert db.engine.dialect.name == "sqlite"  # SQLite has no TRUNCATE statement to guard
            return
        add()
        db.session.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text("TRUNCATE audit_entries"))
        db.session.rollback()


def test_the_document_round_trips(app):
    with app.app_context():
        entry = add({"amount": Decimal("12.30"), "nested": {"k": [1, 2]}}, reference="CND-TEST")
        db.session.commit()
        doc = document(entry)
        assert doc["amount"] == "12.30" and doc["nested"] == {"k": [1, 2]}
        assert doc["time"] == "2026-11-23T05:00:00Z" and doc["reference"] == "CND-TEST"
        assert json.loads(entry.leaf) == doc
