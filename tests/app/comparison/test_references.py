"""A comparison's reference is made unique by the log: a clash is forced (the generator made to draw
a reference already logged) and must be drawn again, the append having written nothing, keeping
what the transaction did before and leaving the log dense and verifiable."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.audit.keys import current_keys
from app.audit.log import AuditWriteError, ReferenceTaken, append, size
from app.audit.models import UNIQUE_REFERENCE, AuditEntry
from app.audit.verify import verify_log
from app.comparison import references
from app.comparison import orchestration
from app.comparison.api import run_comparison
from app.comparison.references import MAX_DRAWS
from app.db import db, utcnow
from app.products import get_product_line
from providers.registry import ProviderRegistry
from tests.factories import auto_profile

line = get_product_line("auto")


def compare(registry: ProviderRegistry) -> AuditEntry:
    return run_comparison(db.session, registry, line, auto_profile(), preferences={}, channel="web")


def draws(monkeypatch: pytest.MonkeyPatch, *drawn: str) -> list[str]:
    """The reference generator made to draw `drawn` first, then at random; returns what it drew."""
    queued: Iterator[str] = iter(drawn)
    fresh = references.new_reference
    seen: list[str] = []

    def drawing() -> str:
        seen.append(next(queued, None) or fresh())
        return seen[-1]

    monkeypatch.setattr(references, "new_reference", drawing)
    return seen


def entries() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.index)))


def test_a_taken_reference_is_drawn_again_and_the_transaction_keeps_what_it_did_before(app, market, monkeypatch):
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        taken = compare(registry).reference
        db.session.commit()
        seen = draws(monkeypatch, taken, taken)
        # Written in the same transaction before the comparison: must survive the clashes' rollbacks.
        before = append(db.session, {"note": "before"}, kind="login", channel="web", created_at=utcnow())
        entry = compare(registry)
        db.session.commit()
        registry.close()
        assert seen[:2] == [taken, taken] and len(seen) == 3 and entry.reference == seen[2] != taken
        logged = entries()
        assert [row.index for row in logged] == list(range(len(logged))) == [0, 1, 2]
        assert [(row.kind, row.reference) for row in logged] == [
            ("recommendation", taken), ("login", None), ("recommendation", entry.reference)]
        assert logged[1].leaf == before.leaf and logged[2].leaf == entry.leaf
        assert size(db.session) == 3
        assert verify_log(db.session, current_keys()).ok


def test_a_generator_that_keeps_drawing_taken_references_fails_and_leaves_the_log_as_it_was(app, market,
                                                                                            monkeypatch):
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        taken = compare(registry).reference
        db.session.commit()
        seen = draws(monkeypatch, *[taken] * MAX_DRAWS)
        with pytest.raises(RuntimeError, match="generator is broken"):
            compare(registry)
        registry.close()
        assert seen == [taken] * MAX_DRAWS
        assert size(db.session) == 1  # no try wrote anything, in the still-open transaction
        db.session.commit()
        assert [(row.index, row.reference) for row in entries()] == [(0, taken)]
        assert verify_log(db.session, current_keys()).ok


def test_a_taken_reference_writes_nothing_and_the_unique_index_still_guards_the_race(app, market):
    """The append answers a taken reference before writing anything; two appends drawing the same
    fresh reference at once (the check passed for both) meet the unique index, which refuses the
    second: that comparison fails whole, and only recommendations are held to it."""
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        logged = compare(registry)
        db.session.commit()
        registry.close()
        with pytest.raises(ReferenceTaken):
            append(db.session, {"note": "again"}, kind="recommendation", channel="web", created_at=utcnow(),
                   reference=logged.reference)
        assert size(db.session) == 1  # nothing written, the transaction still usable
        # Other kinds share their comparison's reference.
        again = append(db.session, {"note": "re-ranked"}, kind="re-rank", channel="web", created_at=utcnow(),
                       reference=logged.reference)
        assert again.index == 1
        db.session.rollback()
        row = {column.name: getattr(logged, column.key) for column in AuditEntry.__table__.columns}
        with pytest.raises(IntegrityError) as refused:
            db.session.execute(sa.insert(AuditEntry.__table__).values({**row, "index": 1}))
        db.session.rollback()
        assert UNIQUE_REFERENCE in str(refused.value.orig) or "audit_entries.reference" in str(refused.value.orig)


def test_the_append_commits_nothing_the_caller_does_not_commit(app, market):
    """The entry stays the caller's to commit or roll back (DESIGN invariant 2: no entry without its result)."""
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        entry = compare(registry)
        assert size(db.session) == 1 and entry.reference
        db.session.rollback()
        registry.close()
        assert size(db.session) == 0 and entries() == []


def test_a_reference_already_shown_that_turns_out_taken_fails_the_comparison_as_not_logged(app, market):
    """The progress page draws its reference before the comparison runs and shows it at once: a
    clash then (2**-40) cannot draw again, so the comparison is not logged, with an AuditWriteError
    that `recorded` answers as "not logged", never a 500."""
    with app.app_context():
        registry = ProviderRegistry.from_entries(market.provider_entries())
        taken = compare(registry).reference
        db.session.commit()
        comparing = orchestration.compare(db.session, registry, line, auto_profile(), preferences={}, channel="web",
                                          deadline_s=2.0, reference=taken)
        with pytest.raises(AuditWriteError, match="already logged"):
            orchestration.finish(comparing)
        registry.close()
        db.session.rollback()
        assert size(db.session) == 1
