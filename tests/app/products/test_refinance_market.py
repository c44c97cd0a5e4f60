"""The sandbox's refinance lenders over real HTTP on loopback, read by the real adapters — Candor Quote
Protocol and the CSV rate sheet — with the product, closing costs and cash-out rules a refinance has."""

import csv
import io
from decimal import Decimal

import pytest
import requests

from app.products import get_product_line
from providers.base import QuoteQuery
from providers.errors import ProviderDeclined
from providers.registry import ProviderRegistry
from providers.sandbox.refinance_lenders import refinance_lenders

line = get_product_line("refinance")
LENDERS = {spec.key: spec for spec in refinance_lenders()}
EXAMPLE = line.profile_schema["examples"][0]


def homeowner(**changes) -> dict:
    profile = {**EXAMPLE, "max_points": "3", **changes}
    profile["loan_amount"] = f"{Decimal(profile['current_balance']) + Decimal(profile['cash_out']):.2f}"
    return profile


@pytest.fixture(scope="module")
def lenders(market):
    """A registry of the market's refinance lenders only, as the providers file names them."""
    registry = ProviderRegistry.from_entries([entry for entry in market.provider_entries() if entry["key"] in LENDERS])
    yield registry
    registry.close()


def ask(registry: ProviderRegistry, key: str, profile: dict):
    config = next(config for config in registry.configs if config.key == key)
    return registry.adapter(config).fetch_quotes(QuoteQuery("refinance", profile, "test-request"), timeout_s=3)


def test_the_market_has_four_refinance_lenders_one_by_rate_sheet(market):
    entries = {entry["key"]: entry for entry in market.provider_entries() if "refinance" in entry["products"]}
    assert set(entries) == set(LENDERS)
    assert [entry["adapter"] for entry in entries.values()].count("rate_sheet") == 1
    assert [key for key, entry in entries.items() if entry["house"]] == ["harbor_home_refi"]


@pytest.mark.parametrize("key", sorted(LENDERS))
def test_every_lender_quotes_the_example_homeowner_with_its_third_party_costs(lenders, key):
    quotes = ask(lenders, key, homeowner())
    assert quotes, f"{key} made no offer"
    for quote in quotes:
        assert quote.product == "refinance" and quote.currency == "USD"
        terms = line.parse_terms(quote.terms)
        assert terms["third_party_costs"] == LENDERS[key].third_party_costs
        assert line.assess(terms, homeowner()).exclusion is None


def test_a_refinance_costs_more_than_a_purchase_and_cash_out_more_again(lenders, market):
    purchase = requests.post(f"{market.urls['harbor_home']}/quotes", timeout=5, json={
        "protocol": "candor-quote/1", "product": "mortgage", "request_id": "r",
        "profile": {**homeowner(), "down_payment": "150000.00", "max_monthly_payment": None}}).json()
    rate_and_term = ask(lenders, "harbor_home_refi", homeowner())
    cash_out = ask(lenders, "harbor_home_refi", homeowner(cash_out="20000.00"))
    rates = [min(Decimal(q["terms"]["note_rate"]) for q in purchase["quotes"]),
             min(Decimal(q.terms["note_rate"]) for q in rate_and_term),
             min(Decimal(q.terms["note_rate"]) for q in cash_out)]
    assert rates == sorted(rates) and rates[0] < rates[1] < rates[2]


def test_cash_out_is_not_on_the_rate_sheet_and_over_80_percent_is_declined(lenders):
    with pytest.raises(ProviderDeclined) as sheet:
        ask(lenders, "granite_refi", homeowner(cash_out="10000.00"))
    assert sheet.value.reason == "its rate sheet does not cover this loan"
    with pytest.raises(ProviderDeclined):
        ask(lenders, "bluebird_refi", homeowner(cash_out="100000.00"))  # $400,000 of a $450,000 home


def test_a_refinance_lender_checks_what_it_is_sent_and_serves_its_rate_sheet(market):
    url = market.urls["harbor_home_refi"]
    reply = requests.post(f"{url}/quotes", timeout=5, json={"protocol": "candor-quote/1", "product": "refinance",
                                                            "request_id": "r", "profile": {**homeowner(), "cash_out": 5}})
    assert reply.status_code == 400 and [e["pointer"] for e in reply.json()["errors"]] == ["/profile/cash_out"]
    wrong = requests.post(f"{url}/quotes", timeout=5, json={"protocol": "candor-quote/1", "product": "mortgage",
                                                            "request_id": "r", "profile": homeowner()})
    assert wrong.status_code == 400
    sheet = requests.get(f"{market.urls['granite_refi']}/rates.csv", timeout=5)
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert rows and all(row["third_party_costs"] == "2200.00" and row["cash_out_up_to"] == "0.00" for row in rows)
