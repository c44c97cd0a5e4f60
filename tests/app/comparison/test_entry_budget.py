"""A whole log entry stays within its per-comparison budget whatever providers send (issue 14, item 3):
every provider the file may configure sending the largest reply we accept, against real servers on
loopback; each provider compares an even share of offers, and the surplus is told and logged."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.audit.canonical import canonical_json, loggable
from app.comparison import bounds
from app.comparison.api import load_result, replay
from app.comparison.settle import logged_quote
from app.db import db
from app.products import get_product_line
from app.products.auto_insurance.schemas import TERMS_SCHEMA
from providers.base import Quote
from providers.errors import ProvidersFileError
from providers.registry import load_providers_file, parse_provider_entries
from providers.sandbox.market import toml_value
from providers.settings import MAX_COMMISSION_CHARS, MAX_NAME_CHARS, MAX_PROVIDERS_PER_LINE
from providers.testing.plugin import loopback  # noqa: F401 - a pytest fixture
from tests.app.comparison.test_provider_content import (  # noqa: F401 - pytest fixtures
    logged,
    protocol_quote,
    provider,
    reply_body,
    serve,
    site,
)
from tests.factories import auto_form, mortgage_form, mortgage_terms

EXAMPLE_TERMS = TERMS_SCHEMA["examples"][0]


# Per line: the shopper's form, and the longest terms its schema allows that still rank (a schema
# allows no other terms, so a provider cannot pad an offer, nor can a plug-in adapter). A lender's own
# closing costs itemisation is left out here: with it, an offer is bounded by the bytes we record of one
# offer (bounds.QUOTE_BUDGET_BYTES), and the guard keeps the entry within budget (the itemised test below).
LINES: dict[str, tuple[dict[str, str], Callable[[int], dict[str, Any]]]] = {
    "auto": (auto_form(), lambda n: {**EXAMPLE_TERMS, "premium": f"{24000 + n}.99", "liability_limits": "1000/3000/1000",
                                     "complaint_index": "4.99", "comprehensive_deductible": "2500.00",
                                     "collision_deductible": "2500.00", "claims_satisfaction": 1000}),
    "mortgage": (mortgage_form(max_points=3), lambda n: {key: value for key, value in mortgage_terms(
        note_rate=f"6.{100 + n}", points="1.125", lender_fees="1495.55", other_prepaid_finance_charges="1000.55",
        loan_amount="400000.00", monthly_payment="2430.44", apr="6.255", rate_lock_days=365, service_score=1000,
        # A lender credit (so each logged estimate records one) too small to bring our APR within the law's
        # tolerance of the quoted one, which keeps the longest facts (a larger credit made the entry smaller,
        # measured); and the longer of the two booleans (ignored for a conventional loan).
        lender_credits="0.01", upfront_fee_financed=False,
    ).items() if key != "closing_costs"}),
}


def offer(line: str, quote_id: str, terms: dict[str, Any]) -> dict[str, Any]:
    return {**protocol_quote(quote_id), "product": line, "terms": terms}


def largest_offer(line: str, provider_key: str, number: int) -> dict[str, Any]:
    """A usable offer with the longest id and link we accept and the longest terms that rank."""
    quote_id = f"{provider_key}-{number:02d}-".ljust(bounds.MAX_QUOTE_ID_CHARS, "i")
    largest = {**offer(line, quote_id, LINES[line][1](number)),
               "url": "https://insurer.example/".ljust(bounds.MAX_URL_CHARS, "u")}
    assert len(canonical_json(logged_quote(Quote(largest["id"], line, "USD", datetime.now(timezone.utc),
                                                 largest["terms"], largest["url"])))) <= bounds.QUOTE_BUDGET_BYTES
    return largest


def unusable_offer(line: str, provider_key: str, number: int) -> dict[str, Any]:
    """An offer the schema refuses, with the longest id we list and a complaint quoting a long value."""
    quote_id = f"{provider_key}-bad-{number:02d}-".ljust(bounds.MAX_QUOTE_ID_CHARS, "b")
    return offer(line, quote_id, {**LINES[line][1](number), "rate_lock_days": "Z" * 400, "premium": "Z" * 400})


def largest_reply(line: str, provider_key: str, usable: int) -> bytes:
    """The most offers one reply may hold: `usable` of the largest usable ones, then unusable ones.
    Each provider's are priced apart from the others', ours (p0) the dearest: the reasons then
    name the offers around each one, and the notice about our offer compares it with the first."""
    first = 20 * (MAX_PROVIDERS_PER_LINE - int(provider_key[1:]))
    offers = [largest_offer(line, provider_key, first + n) for n in range(usable)]
    offers += [unusable_offer(line, provider_key, n) for n in range(bounds.MAX_OFFERS_PER_PROVIDER - usable)]
    return reply_body(offers)


def compare(application: Flask, line: str) -> tuple[FlaskClient, str, str]:
    client = application.test_client()
    location = client.post(f"/compare/{line}", data=LINES[line][0]).headers["Location"]
    return client, location, re.search(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", location).group(0)  # type: ignore[union-attr]


@pytest.fixture
def only(make_apps: Callable[..., Flask]) -> Callable[[list[dict[str, Any]]], Flask]:
    """only(providers) -> the app with exactly these providers."""
    return lambda entries: make_apps(entries)


def flooded(only: Callable[..., Flask], serve: Callable[[bytes], str], line: str, providers_asked: int,
            usable: int) -> tuple[Flask, dict[str, str]]:
    """The app with `providers_asked` providers (names and commissions as long as a file may give)
    each sending the largest reply we accept, `usable` of its offers usable; and their names."""
    keys = [f"p{n}" for n in range(providers_asked)]
    names = {key: f"{key.title()} Insurance".ljust(MAX_NAME_CHARS, "n") for key in keys}
    entries = [{**provider(key, serve(largest_reply(line, key, usable))), "house": key == "p0", "products": [line],
                "name": names[key], "commission": "c" * MAX_COMMISSION_CHARS} for key in keys]
    return only(entries), names


def check_told_logged_and_replayed(application: Flask, line: str, names: dict[str, str], usable: int,
                                   budget: int) -> dict[str, Any]:
    """One comparison: its entry within `budget`, each provider's offers within the limits the entry
    records, what was left out told to the shopper in our words, and a replay that ranks the same."""
    client, location, reference = compare(application, line)
    entry = logged(application, reference)
    with application.app_context():
        result = load_result(db.session, reference)
    limits = bounds.Limits.from_record(result["limits"])
    print(f"{line}: {len(names)} providers, each sending {bounds.MAX_OFFERS_PER_PROVIDER} of the largest offers: "
          f"{len(entry.leaf):,} bytes stored ({limits.compared} compared from each)")
    assert len(entry.leaf) <= budget, f"{len(entry.leaf):,} bytes logged"
    for record in result["providers"]:
        assert len(record["quotes"]) == limits.compared, record["provider"]
        assert record["offers_not_compared"] == usable - limits.compared, record["provider"]
        assert len(record["invalid_quotes"]) == limits.listed
        assert len(record["invalid_quotes"]) + record["invalid_quotes_not_listed"] == 20 - limits.compared
    assert len(result["ranking"]) + len(result["excluded"]) == len(names) * limits.compared
    page = client.get(location).get_data(as_text=True)
    at_most = "1 offer" if limits.compared == 1 else f"{limits.compared} offers"
    surplus = (f"sent {usable - limits.compared} offers we did not compare: "
               f"we compare at most {at_most} from one provider in one comparison.")
    for key, name in names.items():
        named = f"{name}</strong>" + (" (our offer)" if key == "p0" else "")
        assert f"{named} {surplus}" in page and f"{named} sent {20 - usable} offers we could not use." in page
    replayed = replay(get_product_line(line), result)
    for part in ("limits", "providers", "ranking", "excluded", "failures", "recommended"):
        assert json.loads(json.dumps(loggable(replayed[part]))) == result[part], part
    return result


# Where the guard steps in: a mortgage entry also logs its top offers' closing costs (about 700 bytes
# sealed) and every offer's terms may carry a lender credit and whether an FHA or VA charge is financed, so
# with 6 lenders each flooding, it lists two unusable offers fewer from each (one fewer before those two
# terms existed), and with 4 lenders one fewer (none before); the offers compared are never fewer.
GUARDED = {("mortgage", 6): {"listed": 0}, ("mortgage", 4): {"listed": 2}}


@pytest.mark.parametrize("line", list(LINES))
@pytest.mark.parametrize("providers_asked", [MAX_PROVIDERS_PER_LINE, 6, 4, 2])
def test_every_provider_sending_the_largest_reply_stays_within_the_entry_budget(only, serve, line: str,
                                                                              providers_asked: int) -> None:
    share = bounds.offers_compared_share(providers_asked)
    application, names = flooded(only, serve, line, providers_asked, usable=share + 3)
    result = check_told_logged_and_replayed(application, line, names, share + 3, bounds.ENTRY_BUDGET_BYTES)
    expected = {**bounds.Limits.among(providers_asked).as_record(), **GUARDED.get((line, providers_asked), {})}
    assert result["limits"] == expected, "the budget held without the guard (or with only its first step, as said)"


def test_an_entry_that_would_outgrow_the_budget_is_built_again_with_tighter_limits(only, serve, monkeypatch) -> None:
    monkeypatch.setattr(bounds, "ENTRY_BUDGET_BYTES", 40 * 1024)
    application, names = flooded(only, serve, "mortgage", 6, usable=5)
    result = check_told_logged_and_replayed(application, "mortgage", names, 5, 40 * 1024)
    assert result["limits"] == {**bounds.Limits.among(6).as_record(), "compared": 1, "listed": 0}


def test_ordinary_comparisons_compare_every_sandbox_offer_well_within_the_budget(site) -> None:
    application = site([])
    for line in LINES:
        _, _, reference = compare(application, line)
        entry = logged(application, reference)
        with application.app_context():
            result = load_result(db.session, reference)
        offers = sum(len(record["quotes"]) for record in result["providers"])
        print(f"an ordinary {line} comparison: {len(entry.leaf):,} bytes stored ({offers} offers compared)")
        assert len(entry.leaf) < bounds.ENTRY_BUDGET_BYTES * 3 // 4
        for record in result["providers"]:
            assert record["offers_not_compared"] == 0 and record["invalid_quotes"] == [], record["provider"]
        assert not any(failure["kind"] == "not_compared" for failure in result["failures"])
        assert offers == len(result["ranking"]) + len(result["excluded"])


def test_a_providers_file_with_too_many_providers_for_a_line_is_refused(tmp_path: Path) -> None:
    entries = [provider(f"p{n}", "https://insurer.example/quotes") for n in range(MAX_PROVIDERS_PER_LINE + 1)]
    assert len(parse_provider_entries(entries[:-1], origin="test")) == MAX_PROVIDERS_PER_LINE
    with pytest.raises(ProvidersFileError, match=f"test: {MAX_PROVIDERS_PER_LINE + 1} providers quote for the "
                                                 f"'auto' line .*; at most {MAX_PROVIDERS_PER_LINE} may"):
        parse_provider_entries(entries, origin="test")
    path = tmp_path / "providers.toml"
    path.write_text("".join("[[provider]]\n" + "".join(f"{name} = {toml_value(value)}\n"
                                                      for name, value in entry.items() if value is not None)
                            for entry in entries), encoding="utf-8")
    with pytest.raises(ProvidersFileError, match=f"{re.escape(str(path))}: .*'auto' line"):
        load_providers_file(path)


@pytest.mark.parametrize(("setting", "value"), [("name", "N" * (MAX_NAME_CHARS + 1)),
                                                ("commission", "c" * (MAX_COMMISSION_CHARS + 1))])
def test_a_name_or_commission_longer_than_every_entry_can_hold_is_refused(setting: str, value: str) -> None:
    assert parse_provider_entries([{**provider("p0", "https://insurer.example/quotes"), setting: value[:-1]}],
                                  origin="test")
    with pytest.raises(ProvidersFileError, match=f"test: provider 'p0': '{setting}' has an invalid value"):
        parse_provider_entries([{**provider("p0", "https://insurer.example/quotes"), setting: value}], origin="test")


def largest_itemisation(terms: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The most closing-cost items (longest names, largest plausible amounts) that still let the
    largest offer fit the bytes we record of one offer."""
    candidates = [("other", "hoa_capital_contribution", "99999.99"), ("taxes", "transfer_taxes", "99999.99"), ("can_shop", "pest_inspection", "49999.99"),
                  ("can_shop", "settlement_agent", "49999.99"), ("can_shop", "title_insurance", "49999.99"),
                  ("cannot_shop", "flood_determination", "9999.99"), ("prepaids", "homeowners_insurance", "49999.99"),
                  ("escrow", "mortgage_insurance", "49999.99"), ("cannot_shop", "credit_report", "9999.99")]
    itemised: dict[str, dict[str, str]] = {}
    for section, item, amount in candidates:
        trial = {**itemised, section: {**itemised.get(section, {}), item: amount}}
        quote = largest_offer("mortgage", "p0", 0)
        size = len(canonical_json(logged_quote(Quote(quote["id"], "mortgage", "USD", datetime.now(timezone.utc),
                                                     {**terms, "closing_costs": trial}, quote["url"]))))
        if size > bounds.QUOTE_BUDGET_BYTES:
            break
        itemised = trial
    return itemised


@pytest.mark.parametrize("providers_asked", [6, 2])
def test_lenders_flooding_with_the_largest_itemised_offers_stay_within_the_budget(only, serve, monkeypatch,
                                                                                 providers_asked: int) -> None:
    form, terms_of = LINES["mortgage"]
    itemised = largest_itemisation(terms_of(0))
    assert len([item for items in itemised.values() for item in items]) >= 4
    monkeypatch.setitem(LINES, "mortgage", (form, lambda n: {**terms_of(n), "closing_costs": itemised}))
    share = bounds.offers_compared_share(providers_asked)
    application, names = flooded(only, serve, "mortgage", providers_asked, usable=share + 3)
    result = check_told_logged_and_replayed(application, "mortgage", names, share + 3, bounds.ENTRY_BUDGET_BYTES)
    assert result["limits"]["compared"] >= 1 and result["explanation"]["findings"]["closing_costs"]
