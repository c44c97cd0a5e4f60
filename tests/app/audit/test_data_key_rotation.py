"""Rotating CANDOR_DATA_KEY: every customer key re-wrapped, resumable, logged, readable throughout."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa

from app import create_app
from app.audit.data_key_rotation import rewrap_batch, still_wrapped_by_old_keys
from app.audit.erasure import erase
from app.audit.keys import KeyConfigurationError, current_keys, data_key_id_of
from app.audit.log import document
from app.audit.models import AuditEntry, PersonalDataKey
from app.audit.personal import KeyMismatch
from app.comparison.api import load_result, run_comparison
from app.db import db, utcnow
from app.products import get_product_line
from providers.registry import ProviderRegistry
from tests.factories import auto_profile

line = get_product_line("auto")
OLD, NEW, OTHER = (bytes([n]) * 32 for n in (1, 2, 3))


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def compare(market, birth: str):  # type: ignore[no-untyped-def]
    registry = ProviderRegistry.from_entries(market.provider_entries())
    try:
        entry = run_comparison(db.session, registry, line, auto_profile(driver_birth_date=birth), preferences={},
                               channel="web")
        db.session.commit()
    finally:
        registry.close()
    return entry.reference


def key_ids() -> dict[str, str]:
    return dict(db.session.execute(sa.select(PersonalDataKey.subject, PersonalDataKey.data_key_id)).all())


def rotation_entries() -> list[dict]:
    return [document(entry) for entry in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.kind == "data-key-rotation").order_by(AuditEntry.index))]


BIRTHS = ("1970-01-02", "1980-03-04", "1990-05-06")


def test_rotation_rewraps_every_customer_key_in_logged_batches_and_the_old_key_can_go(app_with, market):
    with app_with(CANDOR_DATA_KEY=b64(OLD)).app_context():
        references = [compare(market, birth) for birth in BIRTHS]
    rotating = app_with(CANDOR_DATA_KEY=b64(NEW), CANDOR_READ_DATA_KEYS=b64(OLD))
    with rotating.app_context():
        # Before the run: old rows read with the old key, a new customer is wrapped by the new one.
        assert [load_result(db.session, ref)["profile"]["driver_birth_date"] for ref in references] == list(BIRTHS)
        references.append(compare(market, "2000-07-08"))
        assert still_wrapped_by_old_keys(db.session, current_keys()) == {data_key_id_of(OLD): 3}
    result = rotating.test_cli_runner().invoke(args=["audit", "rotate-data-key", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert f"CANDOR_DATA_KEY is {data_key_id_of(NEW)}; 3 customer keys to re-wrap." in result.output
    assert "Re-wrapped 3 customer keys" in result.output and "earlier keys can be removed" in result.output
    with rotating.app_context():
        assert set(key_ids().values()) == {data_key_id_of(NEW)}
        entries = rotation_entries()
        assert [entry["rewrapped"] for entry in entries] == [2, 1]
        assert all(entry["from"] == {data_key_id_of(OLD): entry["rewrapped"]} and entry["to"] == data_key_id_of(NEW)
                   for entry in entries)
    finished = app_with(CANDOR_DATA_KEY=b64(NEW))  # the old key is gone
    with finished.app_context():
        assert [load_result(db.session, ref)["profile"]["driver_birth_date"] for ref in references] == \
            [*BIRTHS, "2000-07-08"]
    verified = finished.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "is intact" in verified.output


def test_an_instance_not_yet_switched_reads_rows_already_rewrapped(app_with, market):
    """The first step of the rollout: the new key is readable everywhere before anyone wraps with it."""
    with app_with(CANDOR_DATA_KEY=b64(OLD)).app_context():
        reference = compare(market, BIRTHS[0])
    rotating = app_with(CANDOR_DATA_KEY=b64(NEW), CANDOR_READ_DATA_KEYS=b64(OLD))
    assert rotating.test_cli_runner().invoke(args=["audit", "rotate-data-key"]).exit_code == 0
    with app_with(CANDOR_DATA_KEY=b64(OLD), CANDOR_READ_DATA_KEYS=f"{b64(NEW)}, {b64(OTHER)}").app_context():
        assert load_result(db.session, reference)["profile"]["driver_birth_date"] == BIRTHS[0]
        compare(market, BIRTHS[1])  # and it still wraps new customers with its own key, readable by the others
    with rotating.app_context():
        assert still_wrapped_by_old_keys(db.session, current_keys()) == {data_key_id_of(OLD): 1}


def test_a_stopped_run_is_resumed_by_running_it_again(app_with, market):
    with app_with(CANDOR_DATA_KEY=b64(OLD)).app_context():
        for birth in BIRTHS:
            compare(market, birth)
    rotating = app_with(CANDOR_DATA_KEY=b64(NEW), CANDOR_READ_DATA_KEYS=b64(OLD))
    with rotating.app_context():
        batch = rewrap_batch(db.session, current_keys(), after="", limit=1, now=utcnow())
        db.session.commit()  # … and the run stops here
        assert sum(batch.rewrapped.values()) == 1 and batch.entry is not None
        assert still_wrapped_by_old_keys(db.session, current_keys()) == {data_key_id_of(OLD): 2}
    again = rotating.test_cli_runner().invoke(args=["audit", "rotate-data-key"])
    assert again.exit_code == 0 and "2 customer keys to re-wrap" in again.output
    with rotating.app_context():
        assert set(key_ids().values()) == {data_key_id_of(NEW)}
        assert sum(entry["rewrapped"] for entry in rotation_entries()) == 3


def test_erased_customers_are_left_alone_and_keys_not_at_hand_are_named(app_with, market):
    with app_with(CANDOR_DATA_KEY=b64(OLD)).app_context():
        erased = compare(market, BIRTHS[0])
        compare(market, BIRTHS[1])
        subject = db.session.scalar(sa.select(AuditEntry.subject).where(AuditEntry.reference == erased))
        erase(db.session, subject, actor={"type": "admin", "id": "1"}, reason="asked", now=utcnow())
        db.session.commit()
    without_old = app_with(CANDOR_DATA_KEY=b64(NEW))
    with without_old.app_context(), pytest.raises(KeyMismatch, match="CANDOR_READ_DATA_KEYS"):
        load_result(db.session, compare_reference_of_kept(erased))
    result = without_old.test_cli_runner().invoke(args=["audit", "rotate-data-key"])
    assert result.exit_code == 1
    assert "1 customer key to re-wrap" in result.output and "Re-wrapped 0 customer keys" in result.output
    assert f"1 customer key still wrapped by {data_key_id_of(OLD)}" in result.output
    with without_old.app_context():
        assert rotation_entries() == []
        assert key_ids()[subject] == data_key_id_of(OLD)  # erased: nothing to wrap, untouched


def compare_reference_of_kept(erased_reference: str) -> str:
    return db.session.scalar(sa.select(AuditEntry.reference).where(AuditEntry.kind == "recommendation",
                                                                   AuditEntry.reference != erased_reference))


@pytest.mark.parametrize("value", ["not base64!", b64(b"short")])
def test_a_malformed_read_key_stops_the_app(value):
    with pytest.raises(KeyConfigurationError, match="every key in CANDOR_READ_DATA_KEYS"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "CANDOR_DATA_KEY": b64(NEW),
                    "CANDOR_READ_DATA_KEYS": value})


def test_a_damaged_wrapped_key_is_named_and_the_others_are_rewrapped(app_with, market):
    with app_with(CANDOR_DATA_KEY=b64(OLD)).app_context():
        damaged, kept = compare(market, BIRTHS[0]), compare(market, BIRTHS[1])
        subject = db.session.scalar(sa.select(AuditEntry.subject).where(AuditEntry.reference == damaged))
        db.session.execute(sa.update(PersonalDataKey).where(PersonalDataKey.subject == subject)
                           .values(wrapped_key=b"\0" * 60))
        db.session.commit()
    rotating = app_with(CANDOR_DATA_KEY=b64(NEW), CANDOR_READ_DATA_KEYS=b64(OLD))
    result = rotating.test_cli_runner().invoke(args=["audit", "rotate-data-key"])
    assert result.exit_code == 1 and "Re-wrapped 1 customer key" in result.output
    assert f"1 customer key wrapped by {data_key_id_of(OLD)} did not open with that key" in result.output
    with rotating.app_context():
        assert load_result(db.session, kept)["profile"]["driver_birth_date"] == BIRTHS[1]
