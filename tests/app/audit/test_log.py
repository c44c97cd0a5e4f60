import hashlib
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import rfc8785
import sqlalchemy as sa
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.audit import checkpoints, merkle, tree
from app.audit.canonical import NotLoggable, canonical_json, leaf_hash
from app.audit.entries import InvalidEntry, columns_of
from app.audit.keys import current_keys
from app.audit.log import append, document, size
from app.audit.models import AuditCheckpoint, AuditEntry, AuditHead, AuditTreeNode
from app.audit.verify import verify_log
from app.comparison.api import load_result
from app.db import db
from tests.app.audit.conftest import MOMENT, add, add_many
from tests.app.audit.test_merkle import naive_consistency, naive_mth, naive_path


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


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_json_is_exactly_rfc8785(value):
    """The fast encoder gives the reference implementation's bytes, whatever the strings hold."""
    assert canonical_json(value) == rfc8785.dumps(value)


def test_keys_beyond_the_basic_plane_sort_by_utf16_code_units():
    document_ = {"\U0001f600": 1, "\ufffd": 2, "a": 3, "\u00e9": 4, "\U00010000x": 5}
    assert canonical_json(document_) == rfc8785.dumps(document_)
    assert canonical_json(document_).index("\U0001f600".encode()) < canonical_json(document_).index("\ufffd".encode())


def test_unsafe_integers_are_refused():
    with pytest.raises(NotLoggable, match="too large"):
        canonical_json({"n": 2**53})


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
            assert rfc8785.dumps(json.loads(entry.leaf)) == entry.leaf
            assert entry.leaf.startswith(b'{"entry":{"actor":null,"channel":"web","index":')


def test_a_rolled_back_append_leaves_no_gap_and_no_tree_nodes(app):
    with app.app_context():
        add()
        add()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditTreeNode)) == 0
        assert [add().index, add().index] == [0, 1]
        db.session.commit()
        assert tree.read_head(db.session).root_hash == naive_mth([e.leaf for e in db.session.scalars(
            sa.select(AuditEntry).order_by(AuditEntry.index))])


def test_triggers_reject_changes_to_the_log_its_tree_and_its_checkpoints(app):
    with app.app_context():
        add_many(4)
        checkpoints.checkpoint_now(db.session)
        db.session.commit()
        for statement in ("UPDATE audit_entries SET kind = 'forged'", "DELETE FROM audit_entries",
                          "UPDATE audit_tree_nodes SET hash = hash", "DELETE FROM audit_tree_nodes",
                          "UPDATE audit_checkpoints SET note = 'forged'", "DELETE FROM audit_checkpoints"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditTreeNode)) == 3
        assert db.session.scalar(sa.select(AuditEntry.kind).limit(1)) == "test"
        assert db.session.scalar(sa.select(AuditCheckpoint.note).limit(1)) != "forged"


def test_truncate_is_rejected_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            assert db.engine.dialect.name == "sqlite"  # SQLite has no TRUNCATE statement to guard
            return
        add_many(2)
        checkpoints.checkpoint_now(db.session)
        db.session.commit()
        for table in ("audit_entries", "audit_tree_nodes", "audit_checkpoints"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(sa.text(f"TRUNCATE {table} CASCADE"))
            db.session.rollback()


def test_the_document_round_trips(app):
    with app.app_context():
        entry = add({"amount": Decimal("12.30"), "nested": {"k": [1, 2]}}, reference="CND-TEST")
        db.session.commit()
        doc = document(entry)
        assert doc["amount"] == "12.30" and doc["nested"] == {"k": [1, 2]}
        assert doc["time"] == "2026-11-23T05:00:00Z" and doc["reference"] == "CND-TEST"
        assert json.loads(entry.leaf) == {
            "entry": {"index": 0, "time": "2026-11-23T05:00:00Z", "kind": "test", "channel": "web",
                      "reference": "CND-TEST", "actor": None, "product": None, "subject": None, "summary": None},
            "record": {"amount": "12.30", "nested": {"k": [1, 2]}},
        }


def test_columns_copied_out_of_the_leaf(app):
    with app.app_context():
        entry = add({"actor": {"type": "advisor", "id": 7}, "house": {"rank": 2, "best": False},
                     "recommended": {"provider": "acme", "quote_id": "q1"}, "failures": [{"kind": "timeout"}]},
                    kind="recommendation", channel="phone", reference="CND-AAAA-BBBB", product="auto")
        db.session.commit()
        assert (entry.actor_type, entry.actor_id, entry.house_rank, entry.house_best, entry.recommended_provider,
                entry.failure_count, entry.product, entry.channel) == \
            ("advisor", "7", 2, False, "acme", 1, "auto", "phone")
        assert columns_of(json.loads(entry.leaf)) == {column: getattr(entry, column)
                                                      for column in columns_of(json.loads(entry.leaf))}
        assert document(entry)["actor"] == {"type": "advisor", "id": 7} and "actor" not in json.loads(entry.leaf)["record"]


MALFORMED = [
    ({"kind": "Recommendation"}, "not an entry kind"),
    ({"kind": "drop table"}, "not an entry kind"),
    ({"body": {"index": 5}}, "may not set index"),
    ({"body": {"personal": {}}}, "may not set personal"),
    ({"body": {"product": {"key": "mortgage"}}, "product": "auto"}, "product is not"),
    ({"subject": "s-123"}, "only given with the personal data"),
]


def test_malformed_entries_are_refused_before_anything_is_written(app):
    with app.app_context():
        for kwargs, message in MALFORMED:
            kwargs = dict(kwargs)
            body = kwargs.pop("body", {"note": "x"})
            with pytest.raises(InvalidEntry, match=message):
                append(db.session, body, kind=kwargs.pop("kind", "test"), channel="web", created_at=MOMENT, **kwargs)
            db.session.rollback()
        assert size(db.session) == 0


def test_the_tree_is_stored_as_it_grows_and_proofs_match_the_naive_tree(app):
    with app.app_context():
        add_many(70)
        leaves = [bytes(leaf) for leaf in db.session.scalars(sa.select(AuditEntry.leaf).order_by(AuditEntry.index))]
        expected_nodes = sum(70 >> level for level in range(1, 7))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditTreeNode)) == expected_nodes
        assert tree.read_head(db.session).root_hash == naive_mth(leaves)
        for tree_size in range(1, 71):
            assert tree.root_hash(db.session, tree_size) == naive_mth(leaves[:tree_size])
        for tree_size in (1, 3, 8, 9, 33, 70):
            for index in range(tree_size):
                assert tree.inclusion_proof(db.session, index, tree_size) == naive_path(index, leaves[:tree_size])
            for first in range(tree_size + 1):
                assert tree.consistency_proof(db.session, first, tree_size) == naive_consistency(first, leaves[:tree_size])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_stored_proofs_for_arbitrary_sizes_match_the_naive_tree(app, data):
    with app.app_context():
        if size(db.session) == 0:
            add_many(70)
        leaves = [bytes(leaf) for leaf in db.session.scalars(sa.select(AuditEntry.leaf).order_by(AuditEntry.index))]
        tree_size = data.draw(st.integers(1, 70), label="tree size")
        index = data.draw(st.integers(0, tree_size - 1), label="index")
        first = data.draw(st.integers(0, tree_size), label="first")
        root = naive_mth(leaves[:tree_size])
        path = tree.inclusion_proof(db.session, index, tree_size)
        merkle.verify_inclusion(index, tree_size, merkle.leaf_hash(leaves[index]), path, root)
        proof = tree.consistency_proof(db.session, first, tree_size)
        merkle.verify_consistency(first, tree_size, naive_mth(leaves[:first]), root, proof)
        db.session.rollback()


def test_appends_and_proofs_cost_a_few_statements_however_long_the_log(app, statements):
    """O(log n) work: an append runs the same handful of statements at any size, and a proof one
    query (plus reading the head), never a read of the log."""
    with app.app_context():
        add_many(40)
        counts = []
        for _ in range(24):
            statements()
            add()
            db.session.commit()
            counts.append(len(statements()))
        assert max(counts) <= 4, counts
        if db.engine.dialect.name == "postgresql":
            # Appenders wait for each other from the head's lock to the commit: on PostgreSQL all
            # of that is one call, whatever the append writes; a new customer's key goes in the
            # same call, so such an append is one round trip.
            statements()
            add({"n": 1}, personal={"profile": {"x": 1}})
            written = statements()
            assert len(written) == 1 and written[0].lstrip().startswith("SELECT entry_index, entry_leaf_hash"), written
        for index, tree_size in [(0, 64), (37, 64), (63, 64), (5, 33)]:
            statements()
            tree.inclusion_proof(db.session, index, tree_size)
            assert len(statements()) <= 2
            statements()
            tree.consistency_proof(db.session, index + 1, tree_size)
            assert len(statements()) <= 2


def test_cached_nodes_give_the_same_proofs_and_never_cross_to_another_log(app, tmp_path, monkeypatch):
    """Nodes from CACHED_FROM_LEVEL up are kept in memory, filed under the head's frontier: every
    proof served from the cache is the one the stored tree gives, and a second log in the same
    process (same node positions, other entries) gets its own nodes, not the first log's."""
    monkeypatch.setattr(tree, "CACHED_FROM_LEVEL", 1)
    monkeypatch.setattr(tree, "_cached_nodes", {})
    other = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.sqlite3'}", "SECRET_KEY": "x",
                        "TESTING": True, "CANDOR_PROVIDERS": []})
    try:
        for application, entries in ((app, 70), (other, 70), (app, 3)):
            with application.app_context():
                upgrade()
                before = size(db.session)
                for n in range(entries):
                    add({"log": application.name + str(id(application)), "n": before + n})
                db.session.commit()
                leaves = [bytes(leaf) for leaf in db.session.scalars(sa.select(AuditEntry.leaf).order_by(AuditEntry.index))]
                for _ in range(2):  # cold, then from the cache
                    for tree_size in (8, 33, len(leaves)):
                        for index in range(tree_size):
                            assert tree.inclusion_proof(db.session, index, tree_size) == naive_path(index, leaves[:tree_size])
                        for first in (1, 5, tree_size):
                            assert (tree.consistency_proof(db.session, first, tree_size)
                                    == naive_consistency(first, leaves[:tree_size]))
                    assert tree.root_hash(db.session, 40) == naive_mth(leaves[:40])
                db.session.rollback()
        assert tree._cached_nodes  # the proofs above did go through the cache
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_proofs_for_trees_the_log_has_not_reached_are_refused(app):
    with app.app_context():
        add_many(3)
        with pytest.raises(merkle.ProofError):
            tree.inclusion_proof(db.session, 0, 4)
        with pytest.raises(merkle.ProofError):
            tree.inclusion_proof(db.session, 3, 3)
        with pytest.raises(merkle.ProofError):
            tree.consistency_proof(db.session, 2, 4)
        with pytest.raises(merkle.ProofError):
            tree.root_hash(db.session, 4)


def test_a_checkpoint_is_signed_in_the_append_every_n_entries(app_with):
    with app_with(CANDOR_CHECKPOINT_EVERY=4, CANDOR_CHECKPOINT_MAX_AGE_S=10**9).app_context():
        add_many(1)  # the first append of a log signs at once: no append has signed before
        add_many(9)
        sizes = db.session.scalars(sa.select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.tree_size)).all()
        assert sizes == [1, 4, 8]
        add()
        db.session.rollback()
        assert checkpoints.latest(db.session).tree_size == 8


def test_a_checkpoint_is_signed_when_the_last_one_is_too_old(app_with):
    with app_with(CANDOR_CHECKPOINT_EVERY=10**6, CANDOR_CHECKPOINT_MAX_AGE_S=60).app_context():
        add_many(3)
        assert db.session.scalars(sa.select(AuditCheckpoint.tree_size)).all() == [1]
        db.session.execute(sa.update(AuditHead).values(checkpointed_at=datetime.now(timezone.utc) - timedelta(minutes=2)))
        db.session.commit()
        add_many(2)
        assert db.session.scalars(sa.select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.tree_size)).all() == [1, 4]


def test_upgrading_backfills_entries_written_before_the_tree(database_url, market):
    """A log written by the first version (flat leaves, profile in clear, no tree) upgrades to a
    verifiable tree, with the header columns filled in and the triggers back in place."""
    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "TESTING": True,
                              "CANDOR_PROVIDERS": market.provider_entries()})
    try:
        with application.app_context():
            upgrade(revision="a1c0f0000001")
            legacy = [rfc8785.dumps({"actor": {"id": 7, "type": "advisor"}, "channel": "phone", "failures": [{}],
                                     "house": {"best": False, "rank": 2}, "index": n, "kind": "recommendation",
                                     "product": {"key": "auto"}, "profile": {"zip_code": "94110"},
                                     "recommended": {"provider": "acme"}, "reference": f"CND-AAAA-BBB{n}",
                                     "time": "2026-11-23T05:00:00Z"}) for n in range(5)]
            for n, leaf in enumerate(legacy):
                db.session.execute(sa.text(
                    'INSERT INTO audit_entries ("index", created_at, kind, reference, channel, product, leaf, leaf_hash) '
                    "VALUES (:n, :t, 'recommendation', :r, 'phone', 'auto', :leaf, :h)"),
                    {"n": n, "t": MOMENT, "r": f"CND-AAAA-BBB{n}", "leaf": leaf, "h": leaf_hash(leaf)})
            db.session.execute(sa.text("UPDATE audit_head SET size = 5"))
            db.session.commit()
            upgrade()
            entry = db.session.get(AuditEntry, 3)
            assert (entry.actor_id, entry.house_rank, entry.house_best, entry.failure_count) == ("7", 2, False, 1)
            assert tree.read_head(db.session).root_hash == naive_mth(legacy)
            add()
            db.session.commit()
            assert verify_log(db.session, current_keys()).ok
            assert load_result(db.session, "CND-AAAA-BBB3")["profile"] == {"zip_code": "94110"}
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(sa.text("UPDATE audit_entries SET kind = 'forged'"))
            db.session.rollback()
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
