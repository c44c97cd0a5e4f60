"""The sandbox banks: the market the issue asks for, on real HTTP on loopback, registered through the
`candor.sandbox` entry point — and the lessons it is there to teach hold in figures."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import requests

from candor_savings.apy import check_stated_apy
from candor_savings.earnings import project
from candor_savings.sandbox import savings_banks
from candor_savings.terms import SavingsTerms, parse_terms
from providers.base import QuoteQuery
from providers.errors import LayoutChanged, ProviderError
from providers.registry import ProviderRegistry
from providers.sandbox.discovery import discover_sandbox_sets
from providers.sandbox.market import SandboxMarket

START = date(2026, 1, 1)
DEPOSIT = Decimal("10000.00")
BANKS = savings_banks()


def offers_of(key: str) -> list[SavingsTerms]:
    return [parse_terms(terms) for terms in next(bank for bank in BANKS if bank.key == key).offers()]


def every_offer() -> dict[str, SavingsTerms]:
    return {terms.product_name: terms for bank in BANKS for terms in offers_of(bank.key)}


def earned(terms: SavingsTerms, months: int) -> Decimal:
    return project(terms, DEPOSIT, months, start=START).net_earnings


def test_the_market_has_what_the_issue_asks_for() -> None:
    assert len(BANKS) >= 6 and len({bank.key for bank in BANKS}) == len(BANKS)
    assert [bank.key for bank in BANKS if bank.house] == ["harbor_savings"]
    assert [bank.publishes for bank in BANKS].count("deposit_rate_page") == 1
    assert [bank.publishes for bank in BANKS].count("deposit_rate_sheet") == 1
    offers = every_offer()
    assert any(terms.tiers for terms in offers.values())
    assert [name for name, terms in offers.items() if not terms.insured] == ["Summit Cash Reserve"]
    assert any(terms.promotional_months == 3 for terms in offers.values())
    steep = offers["Keystone 12-month Share Certificate"]
    assert steep.early_withdrawal_penalty_days is not None and steep.early_withdrawal_penalty_days >= 365
    assert {terms.insurer for terms in offers.values()} == {"FDIC", "NCUA", "none"}


def test_every_honest_bank_states_the_regulation_dd_apy_and_the_teaser_bank_is_flagged() -> None:
    flagged = {name for name, terms in every_offer().items() if any(check.flagged for check in check_stated_apy(terms))}
    assert flagged == {"Bluebird Bonus Savings"}


def test_the_highest_rate_is_not_the_most_interest_over_a_year() -> None:
    offers = every_offer()
    teaser, steady = offers["Bluebird Bonus Savings"], offers["Granite Online Savings"]
    assert teaser.promotional_rate is not None and teaser.promotional_rate > steady.interest_rate
    assert earned(teaser, 3) > earned(steady, 3)
    assert earned(teaser, 12) < earned(steady, 12)


def test_the_steep_penalty_makes_a_better_rate_earn_less_when_the_money_comes_out_early() -> None:
    offers = every_offer()
    steep, savings = offers["Keystone 12-month Share Certificate"], offers["Granite Online Savings"]
    assert steep.interest_rate > savings.interest_rate
    assert earned(steep, 12) > earned(savings, 12)
    assert earned(steep, 6) < 0 < earned(savings, 6), "a year's interest as penalty after six months"


def test_the_uninsured_offer_pays_the_most_among_accounts_with_access_any_time() -> None:
    any_time = {name: earned(terms, 12) for name, terms in every_offer().items() if terms.access == "any_time"}
    assert max(any_time, key=any_time.__getitem__) == "Summit Cash Reserve"


def test_the_banks_join_the_default_market_through_their_entry_point() -> None:
    sets, errors = discover_sandbox_sets()
    assert "savings" in sets and not [error for error in errors if error.key == "savings"]
    assert [bank.key for bank in sets["savings"]()] == [bank.key for bank in BANKS]


@pytest.fixture(scope="module")
def market() -> Any:
    with SandboxMarket(savings_banks()) as running:
        yield running


def ask(market: SandboxMarket, key: str, profile: Any) -> requests.Response:
    body = {"protocol": "candor-quote/1", "product": "savings", "request_id": "sandbox-test", "profile": profile}
    return requests.post(f"{market.urls[key]}/quotes", data=json.dumps(body), timeout=5,
                         headers={"Content-Type": "application/json"})


def test_a_quoting_bank_offers_the_accounts_the_deposit_can_open(market: SandboxMarket) -> None:
    reply = ask(market, "harbor_savings", {"deposit": "300.00"}).json()
    assert [quote["terms"]["product_name"] for quote in reply["quotes"]] == ["Harbor Everyday Savings"]
    assert all(quote["id"].startswith("harbor_savings-") for quote in reply["quotes"])
    declined = ask(market, "keystone_fcu", {"deposit": "50.00"}).json()
    assert declined["quotes"] == [] and "$1,000.00" in declined["declined"]["reason"]


@pytest.mark.parametrize("profile", [{"deposit": 10000}, {"deposit": "lots"}, {"deposit": "-5"}, "not an object"])
def test_a_bad_request_gets_a_problem_naming_the_field(market: SandboxMarket, profile: Any) -> None:
    answer = ask(market, "summit_cash", profile)
    assert answer.status_code == 400 and answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["errors"][0]["pointer"].startswith("/profile")


def test_each_bank_publishes_only_how_it_publishes(market: SandboxMarket) -> None:
    for bank in BANKS:
        base = market.urls[bank.key]
        page = requests.get(f"{base}/rates", timeout=5)
        sheet = requests.get(f"{base}/rates.csv", timeout=5)
        assert (page.status_code == 200) == (bank.publishes == "deposit_rate_page")
        assert (sheet.status_code == 200) == (bank.publishes == "deposit_rate_sheet")
        assert requests.get(base, timeout=5).json()["publishes"] == bank.publishes


@pytest.mark.parametrize(("key", "fault", "error"), [("maple_street_bank", "changed_layout", LayoutChanged),
                                                     ("granite_direct", "status_500", ProviderError),
                                                     ("harbor_savings", "malformed_json", ProviderError)])
def test_a_bank_can_be_told_to_misbehave_and_candor_names_the_failure(key: str, fault: str,
                                                                      error: type[Exception]) -> None:
    with SandboxMarket(savings_banks(), overrides={key: {"fault": fault}}) as faulty:
        entry = next(entry for entry in faulty.provider_entries() if entry["key"] == key)
        registry = ProviderRegistry.from_entries([entry], origin="test")
        try:
            config = registry.get(key)
            assert config is not None
            with pytest.raises(error):
                registry.adapter(config).fetch_quotes(QuoteQuery("savings", {"deposit": "5000.00"}, "fault"), timeout_s=5)
        finally:
            registry.close()


def test_an_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        SandboxMarket(savings_banks(), overrides={"summit_cash": {"fault": "sulks"}})


def test_a_tiered_cds_penalty_is_days_of_the_interest_its_tiers_pay() -> None:
    tiered = parse_terms({**next(bank for bank in BANKS if bank.key == "maple_street_bank").offers()[2],
                          "tiers": [{"balance_from": "5000.00", "interest_rate": "6.00"}], "tiering_method": "portion"})
    projection = project(tiered, DEPOSIT, 6, start=START)
    withdrawn = projection.balance_by_month[-1]
    yearly = (5000 * Decimal("4.10") + (withdrawn - 5000) * Decimal("6.00")) / 100
    assert projection.penalty == (yearly * 180 / 365).quantize(Decimal("0.01"))
