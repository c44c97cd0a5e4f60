"""After erasure nothing worked out from the customer's profile can be read anywhere: not on the
shopper's results page or receipt, not in the API, not on the compliance console or in its
exports, not in the advisor's lookup, and not in the clear text of any log entry. The one
boundary: a provider's quote terms are kept exactly as the provider sent them (docs/audit-log.md),
and a lender may echo the loan amount it quoted for — so the loan amount is searched for
everywhere except inside provider-sent terms."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from app.audit.canonical import loggable
from app.audit.entries import RECOMMENDATION
from app.audit.log import append, document
from app.audit.models import AuditEntry
from app.comparison.fetch import gather_quotes
from app.comparison.api import build_result, load_result, replay, resolve_weights
from app.db import db, utcnow
from app.products import get_product_line
from providers.registry import ProviderRegistry
from tests.factories import auto_form, auto_profile, mortgage_form


@dataclass(frozen=True)
class Journey:
    product: str
    form: dict[str, str]
    markers: tuple[str, ...]  # as typed and as shown: none may be read anywhere after erasure
    echoed_by_providers: tuple[str, ...] = ()  # none may be read anywhere but inside provider-sent terms


JOURNEYS = [
    Journey("auto", auto_form(vehicle_make="Studebaker", vehicle_model="Lark Daytona", zip_code="59001", state="MT",
                              driver_birth_date="1971-02-03", vehicle_value="23457", annual_mileage="12345",
                              liability_limits="250/500/250"),
            ("Studebaker", "Lark Daytona", "59001", "1971-02-03", "1971", "23457", "23,457", "12345", "12,345",
             "250/500/250")),
    Journey("mortgage", mortgage_form(state="CO", zip_code="80917", property_value="523457", down_payment="111457",
                                      max_monthly_payment="4987"),
            ("80917", "523457", "523,457", "111457", "111,457", "4987", "4,987"),
            echoed_by_providers=("412000", "412,000")),
]


def found(text: str, values: tuple[str, ...]) -> list[str]:
    """The values that occur in `text` as a whole number or word (not inside a hash or base64)."""
    return [value for value in values
            if re.search(rf"(?<![0-9A-Za-z+/]){re.escape(value)}(?![0-9A-Za-z+/])", text)]


def without_provider_terms(record: Any) -> Any:
    """A logged or answered document minus the quote terms exactly as providers sent them."""
    if isinstance(record, dict):
        return {key: ("<provider-sent terms>" if key == "terms" else without_provider_terms(value))
                for key, value in record.items()}
    if isinstance(record, list):
        return [without_provider_terms(item) for item in record]
    return record


def shown(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def surfaces(app, shopper, staff, token: str, reference: str) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(where, what it shows), provider-sent terms taken out of machine-readable answers."""
    yield "results page", shown(shopper.get(f"/results/{reference}"))
    yield "receipt", shown(shopper.get(f"/results/{reference}/receipt"))
    answer = shopper.get(f"/api/v1/comparisons/{reference}", headers={"Authorization": f"Bearer {token}"})
    yield "API", json.dumps(without_provider_terms(json.loads(shown(answer))))
    yield "advisor lookup", shown(staff.post("/advisor/lookup", data={"reference": reference}, follow_redirects=True))
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.index)).all()
        leaves = [(entry.index, entry.reference, document(entry)) for entry in entries]
    for index, filed_under, logged in leaves:
        yield f"clear leaf {index}", json.dumps(without_provider_terms(logged))
        if filed_under == reference:
            yield f"compliance entry {index}", shown(staff.get(f"/compliance/entries/{index}"))
            yield f"compliance replay {index}", shown(staff.post(f"/compliance/entries/{index}/replay"))
    for fmt in ("csv", "jsonl"):
        yield f"export {fmt}", shown(staff.get(f"/compliance/export/{fmt}"))
        yield f"personal export {fmt}", shown(staff.post(f"/compliance/export/{fmt}", data={"include_personal": "yes"}))


@pytest.fixture
def staff(client_as):  # type: ignore[no-untyped-def]
    return client_as("advisor", "compliance")


@pytest.fixture
def token(runner, staff):  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["tokens", "create", "--scope", "compliance"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("journey", JOURNEYS, ids=[journey.product for journey in JOURNEYS])
def test_erasure_leaves_nothing_derived_from_the_profile_anywhere(app, client, runner, staff, token, journey):
    started = client.post(f"/compare/{journey.product}", data=journey.form)
    assert started.status_code == 303, started.get_data(as_text=True)[:2000]
    reference = started.headers["Location"].rsplit("/", 1)[-1]
    reranked = client.post(f"/results/{reference}/preferences", data={"apply": "preset", "preset": "lowest_cost"})
    assert reranked.status_code in (200, 303)

    # Before erasure the values are there to find (so the search below can fail), and replay works.
    before = client.get(f"/results/{reference}/receipt").get_data(as_text=True)
    assert found(before, journey.markers[:1]) == list(journey.markers[:1])
    with app.app_context():
        result = load_result(db.session, reference)
        assert result["kind"] == "re-rank" and result["profile"] is not None
        replayed = loggable(replay(get_product_line(journey.product), result))
        assert replayed["ranking"] == result["ranking"] and replayed["explanation"] == result["explanation"]
    assert runner.invoke(args=["audit", "replay", reference]).exit_code == 0

    erased = runner.invoke(args=["audit", "erase", reference, "--by", "ops-7"])
    assert erased.exit_code == 0, erased.output
    replayed_after = runner.invoke(args=["audit", "replay", reference])
    assert replayed_after.exit_code == 2 and "erased" in replayed_after.output

    checked = []
    for where, text in surfaces(app, client, staff, token, reference):
        assert found(text, journey.markers + journey.echoed_by_providers) == [], where
        checked.append(where)
    assert {"results page", "receipt", "API", "advisor lookup", "export csv", "personal export jsonl"} <= set(checked)
    assert "Erased on" in client.get(f"/results/{reference}").get_data(as_text=True)


def test_a_result_sealed_the_old_way_still_reads_and_replays(app, market):
    """Entries sealed before the derived text was (the profile alone) keep their clear text and
    are read and replayed as they were."""
    line = get_product_line("auto")
    profile = auto_profile()
    registry = ProviderRegistry.from_entries(market.provider_entries())
    try:
        with app.app_context():
            outcomes = gather_quotes(registry, registry.for_product("auto"), "auto", line.provider_profile(profile),
                                     deadline_s=2.0)
            preset, weights = resolve_weights(line, {})
            body = build_result(line, profile, outcomes, preset=preset, weights=weights, now=utcnow(), deadline_s=2.0)
            body["actor"] = {"type": "anonymous", "id": None}
            clear = dict(body)
            append(db.session, clear, kind=RECOMMENDATION, channel="web", created_at=utcnow(), reference="CND-0LD0-0NE0",
                   product="auto", personal={"profile": clear.pop("profile")})
            db.session.commit()
            result = load_result(db.session, "CND-0LD0-0NE0")
            assert result["explanation"] and result["ranking"][0]["facts"] and result["profile"] == loggable(profile)
            assert loggable(replay(line, result))["ranking"] == result["ranking"]
    finally:
        registry.close()
