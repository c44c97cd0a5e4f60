"""Personal data in the log: sealed per customer, readable while kept, gone after erasure or the
retention period — while the entries, and every proof over them, stay exactly as they were."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from app import create_app
from app.actors import ANONYMOUS
from app.audit import tree
from app.audit.canonical import canonical_json
from app.audit.erasure import erase, subject_of_reference
from app.audit.keys import KeyConfigurationError, current_keys
from app.audit.log import document
from app.audit.models import AuditEntry, PersonalDataKey
from app.audit.personal import KeyMismatch, PersonalDataErased, reveal
from app.audit.verify import verify_log
from app.comparison.api import InputsErased, load_result, replay, rerank, run_comparison
from app.db import db, utcnow
from app.products import get_product_line
from providers.registry import ProviderRegistry
from tests.factories import auto_form, auto_profile

line = get_product_line("auto")
PROFILE = auto_profile(vehicle_make="Subaru", vehicle_model="Outback Wilderness", zip_code="59001", state="MT",
                       driver_birth_date="1971-02-03")
CLEAR_TEXT_MARKERS = (b"Outback Wilderness", b"Subaru", b"59001", b"1971-02-03")


def compare(market, profile=PROFILE):  # type: ignore[no-untyped-def]
    registry = ProviderRegistry.from_entries(market.provider_entries())
    try:
        entry = run_comparison(db.session, registry, line, dict(profile), preferences={}, channel="web")
        db.session.commit()
    finally:
        registry.close()
    return entry


def test_the_profile_is_sealed_in_the_leaf_and_read_back_decrypted(app, market):
    with app.app_context():
        entry = compare(market)
        for marker in CLEAR_TEXT_MARKERS:
            assert marker not in entry.leaf
        sealed = document(entry)["personal"]
        assert sealed["alg"] == "A256GCM" and sealed["subject"] == entry.subject and "profile" not in document(entry)
        opened = reveal(db.session, document(entry)).data
        assert opened["profile"] == PROFILE and set(opened) == {"profile", "derived"}  # and what was worked out from it
        assert len(base64.b64decode(sealed["ciphertext"])) == len(canonical_json(opened)) + 16  # GCM tag
        result = load_result(db.session, entry.reference)
        assert result["profile"] == PROFILE and result["erasure"] is None
        row = db.session.get(PersonalDataKey, entry.subject)
        assert row.wrapped_key is not None and row.data_key_id == current_keys().data_key_id


def test_each_comparison_is_a_customer_with_its_own_key_and_a_rerank_keeps_it(app, market):
    with app.app_context():
        first, second = compare(market), compare(market)
        assert first.subject != second.subject
        again = rerank(db.session, line, load_result(db.session, first.reference),
                       preferences={"preset": "lowest_cost"}, channel="web", actor=ANONYMOUS)
        db.session.commit()
        assert again.subject == first.subject and again.reference == first.reference
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalDataKey)) == 2
        assert load_result(db.session, first.reference)["profile"] == PROFILE


def test_erasure_makes_the_profile_unreadable_and_the_log_still_verifies(app, market):
    with app.app_context():
        entry = compare(market)
        rerank(db.session, line, load_result(db.session, entry.reference), preferences={"preset": "lowest_cost"},
               channel="web", actor=ANONYMOUS)
        db.session.commit()
        root_before = tree.read_head(db.session).root_hash
        leaves_before = db.session.scalars(sa.select(AuditEntry.leaf).order_by(AuditEntry.index)).all()

        erasure = erase(db.session, subject_of_reference(db.session, entry.reference),
                        actor={"type": "compliance", "id": "17"}, reason="the customer asked", now=utcnow())
        db.session.commit()

        assert db.session.scalars(sa.select(AuditEntry.leaf).order_by(AuditEntry.index)).all()[:2] == leaves_before
        assert tree.root_hash(db.session, len(leaves_before)) == root_before
        logged = document(erasure)
        assert (erasure.kind, logged["subject"], logged["references"], logged["actor"]) == \
            ("erasure", entry.subject, [entry.reference], {"type": "compliance", "id": "17"})
        for marker in CLEAR_TEXT_MARKERS:
            assert marker not in erasure.leaf
        row = db.session.get(PersonalDataKey, entry.subject)
        assert row.wrapped_key is None and row.erasure_index == erasure.index

        result = load_result(db.session, entry.reference)
        assert result["profile"] is None
        assert result["erasure"]["by"] == "compliance officer 17" and result["erasure"]["index"] == erasure.index
        assert result["ranking"], "what was recommended stays readable"
        with pytest.raises(InputsErased, match="erased on .* by compliance officer 17"):
            replay(line, result)
        with pytest.raises(InputsErased):
            rerank(db.session, line, result, preferences={}, channel="web", actor=ANONYMOUS)
        with pytest.raises(PersonalDataErased):
            erase(db.session, entry.subject, actor={"type": "admin", "id": "1"}, reason="again", now=utcnow())
        db.session.rollback()
        assert verify_log(db.session, current_keys()).ok


def test_the_shoppers_pages_say_when_and_by_whom_their_details_were_erased(app, client, runner):
    response = client.post("/compare/auto", data=auto_form(vehicle_model="Outback Wilderness"))
    assert response.status_code == 303
    results_url = response.headers["Location"]
    reference = results_url.rsplit("/", 1)[-1]
    page = client.get(results_url).get_data(as_text=True)
    assert "Outback Wilderness" in page and "data-erased" not in page
    assert f'href="/verify?reference={reference}"' in page

    erased = runner.invoke(args=["audit", "erase", reference, "--by", "ops-7"])
    assert erased.exit_code == 0, erased.output
    assert "Erased the personal data under" in erased.output

    for url in (results_url, f"{results_url}/receipt"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Outback Wilderness" not in page
        assert "Erased on" in page and "by administrator ops-7" in page

    replayed = runner.invoke(args=["audit", "replay", reference])
    assert replayed.exit_code == 2
    assert "cannot be replayed: the customer's details it was ranked on were erased" in replayed.output
    assert "by administrator ops-7" in replayed.output
    again = runner.invoke(args=["audit", "erase", reference, "--by", "ops-7"])
    assert again.exit_code == 2 and "already erased" in again.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_replay_of_a_kept_recommendation_is_identical(app, client, runner):
    response = client.post("/compare/auto", data=auto_form())
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    result = runner.invoke(args=["audit", "replay", reference.lower()])
    assert result.exit_code == 0, result.output
    assert f"{reference} (entry 0): identical" in result.output
    unknown = runner.invoke(args=["audit", "replay", "CND-0000-0000"])
    assert unknown.exit_code == 2 and "No recommendation has the reference CND-0000-0000" in unknown.output


def test_without_a_retention_period_nothing_is_erased(app, market, runner):
    with app.app_context():
        reference = compare(market).reference
    result = runner.invoke(args=["audit", "retention"])
    assert result.exit_code == 0 and "CANDOR_RETENTION_DAYS is not set" in result.output, result.output
    with app.app_context():
        assert load_result(db.session, reference)["profile"] == PROFILE


def test_another_data_key_cannot_read_the_profile_and_says_so(app, market, app_with):
    with app.app_context():
        reference = compare(market).reference
    with app_with(CANDOR_DATA_KEY=base64.b64encode(b"k" * 32).decode()).app_context():
        with pytest.raises(KeyMismatch, match="wrapped by another CANDOR_DATA_KEY"):
            load_result(db.session, reference)


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_data_key_stops_the_app_with_a_clear_message(value):
    with pytest.raises(KeyConfigurationError, match="CANDOR_DATA_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "CANDOR_DATA_KEY": value})


def test_a_signing_key_of_the_wrong_kind_stops_the_app(tmp_path):
    path = tmp_path / "ec.pem"
    path.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    with pytest.raises(KeyConfigurationError, match="not an Ed25519 key"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "CANDOR_SIGNING_KEY_FILE": str(path)})


def test_keys_are_generated_once_and_reused(tmp_path):
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
              "CANDOR_SIGNING_KEY_FILE": str(tmp_path / "signing.pem")}
    first = create_app(config)
    second = create_app(config)
    with first.app_context():
        first_key = current_keys().verifier.verifier_key
    with second.app_context():
        assert current_keys().verifier.verifier_key == first_key
    assert (tmp_path / "signing.pem").stat().st_mode & 0o777 == 0o600
