"""The deposit rate page and rate sheet adapters: they pass the conformance kit every adapter passes,
make one offer per account with its tiers, and report what does not add up by name."""

from __future__ import annotations

import csv
import json
import os
import random
import threading
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from candor_savings.adapters import DepositRatePageAdapter, DepositRateSheetAdapter
from candor_savings.sandbox import BankSpec, savings_banks
from candor_savings.sandbox.published import rate_page, rate_sheet
from candor_savings.terms import TERMS_SCHEMA, parse_terms
from providers.base import AdapterContext, ProviderConfig, Quote, QuoteQuery, UnusableQuote
from providers.errors import InvalidReply, LayoutChanged, NotAllowed, ParseError, ProviderConfigError, ReplyTooLarge
from providers.registry import discover_kinds, parse_provider_entries
from providers.sandbox.insurer_app import RunState
from providers.store import MemoryStore, RedisStore, Store
from providers.testing.conformance import AdapterConformance, check_offers
from providers.testing.faults import misbehave, static_app
from providers.testing.servers import LoopbackServer

BANKS = {bank.key: bank for bank in savings_banks()}
MAPLE, GRANITE = BANKS["maple_street_bank"], BANKS["granite_direct"]
QUERY = QuoteQuery("savings", {"deposit": "10000.00"}, "adapter-test")
QUERY_DAY = date(2026, 12, 1)


def config_for(bank: BankSpec, url: str, timeout_s: float = 2.0, **changes: Any) -> ProviderConfig:
    entry = {**bank.provider_entry(url, timeout_s), **changes}
    return parse_provider_entries([entry], origin="test")[0]


def adapter_for(bank: BankSpec, url: str, **changes: Any) -> DepositRatePageAdapter | DepositRateSheetAdapter:
    kind = DepositRatePageAdapter if bank.publishes == "deposit_rate_page" else DepositRateSheetAdapter
    return kind(config_for(bank, url, **changes))


def bank_app(bank: BankSpec, stopping: threading.Event) -> Any:
    return bank.wsgi_app(RunState(stopping=stopping, error_rng=random.Random(1)))


class SavingsProfile:
    product = "savings"
    terms_schema = TERMS_SCHEMA

    def example_profile(self) -> dict[str, Any]:
        return {"deposit": "10000.00"}


class TestDepositRatePageConformance(SavingsProfile, AdapterConformance):
    adapter_class = DepositRatePageAdapter

    def config_at(self, url: str, *, timeout_s: float = 2.0) -> ProviderConfig:
        return config_for(MAPLE, url, timeout_s)

    def working_app(self, stopping: threading.Event) -> Any:
        return bank_app(MAPLE, stopping)


class TestDepositRateSheetConformance(SavingsProfile, AdapterConformance):
    adapter_class = DepositRateSheetAdapter

    def config_at(self, url: str, *, timeout_s: float = 2.0) -> ProviderConfig:
        return config_for(GRANITE, url, timeout_s)

    def working_app(self, stopping: threading.Event) -> Any:
        return bank_app(GRANITE, stopping)


@pytest.fixture
def serving() -> Iterator[Any]:
    servers: list[LoopbackServer] = []

    def start(app: Any) -> str:
        server = LoopbackServer(app, takes_stopping=True).start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def fetched(bank: BankSpec, url: str, **changes: Any) -> list[Any]:
    adapter = adapter_for(bank, url, **changes)
    try:
        return adapter.fetch_quotes(QUERY, timeout_s=5.0)
    finally:
        adapter.close()


@pytest.mark.parametrize("bank", [MAPLE, GRANITE], ids=lambda bank: bank.key)
def test_each_published_account_is_one_offer_with_the_banks_own_terms(serving: Any, bank: BankSpec) -> None:
    url = serving(lambda stopping: bank_app(bank, stopping))
    offers = check_offers(fetched(bank, url), QUERY, terms_schema=TERMS_SCHEMA)
    assert [parse_terms(offer.terms) for offer in offers] == [parse_terms(terms) for terms in bank.offers()]
    assert len({offer.id for offer in offers}) == len(offers)


def test_a_tiered_account_gathers_its_tier_rows(serving: Any) -> None:
    url = serving(lambda stopping: bank_app(MAPLE, stopping))
    money_market = parse_terms(next(offer for offer in fetched(MAPLE, url)
                                    if offer.terms["account_type"] == "money_market").terms)
    assert [(tier.balance_from, tier.interest_rate) for tier in money_market.tiers] == [
        (Decimal("10000.00"), Decimal("4.00")), (Decimal("50000.00"), Decimal("4.40"))]
    assert money_market.tiering_method == "portion" and money_market.fee_waivers.minimum_balance == Decimal("2500.00")


def _page_with(accounts: list[dict[str, Any]]) -> str:
    return rate_page(MAPLE.name, accounts, QUERY_DAY)


def test_an_account_that_does_not_add_up_is_named_and_the_others_still_count(serving: Any) -> None:
    good = MAPLE.offers()[1]
    broken = {**good, "product_name": "Maple Mystery CD", "term_months": None}
    url = serving(lambda stopping: static_app(_page_with([good, broken]), "text/html; charset=utf-8"))
    offers = fetched(MAPLE, url)
    assert isinstance(offers[0], Quote) and offers[0].terms["product_name"] == "Maple 6-month CD"
    assert isinstance(offers[1], UnusableQuote) and offers[1].field == "term_months"


def test_tiers_without_a_first_row_or_with_a_repeated_floor_are_refused(serving: Any) -> None:
    money_market = MAPLE.offers()[0]
    sheet = rate_sheet([money_market]).splitlines()
    repeated = "\n".join([sheet[0], sheet[1], sheet[2], sheet[2]]) + "\n"
    headless = "\n".join([sheet[0], sheet[2], sheet[3]]) + "\n"
    for body in (repeated, headless):
        url = serving(lambda stopping, body=body: static_app(body, "text/csv"))
        offers = fetched(GRANITE, url)
        assert len(offers) == 1 and isinstance(offers[0], UnusableQuote) and offers[0].field == "balance_from"


@pytest.mark.parametrize(("accounts", "tiers", "limit"), [(21, 0, None), (10, 9, None), (3, 1, 6)])
def test_more_accounts_or_rows_than_we_read_is_a_changed_layout(serving: Any, accounts: int, tiers: int,
                                                                limit: int | None) -> None:
    savings = GRANITE.offers()[0]
    tiered = [{"balance_from": f"{1000 * (step + 1)}.00", "interest_rate": "4.40", "stated_apy": "4.49"}
              for step in range(tiers)]
    many = [{**savings, "product_name": f"Granite Savings {number}", "tiers": tiered,
             "tiering_method": "portion" if tiers else None} for number in range(accounts)]
    url = serving(lambda stopping: static_app(rate_sheet(many), "text/csv"))
    with pytest.raises(LayoutChanged):
        fetched(GRANITE, url, **({"max_offers": limit} if limit else {}))


@pytest.mark.parametrize(("fault", "error"), [("comma_decimals", LayoutChanged), ("renamed_columns", LayoutChanged),
                                              ("disallowed", NotAllowed), ("formula_cells", LayoutChanged),
                                              ("fifty_megabytes", ReplyTooLarge), ("deep_nesting", ParseError),
                                              ("redirect_elsewhere", InvalidReply), ("not_available", LayoutChanged)])
def test_a_misbehaving_rate_page_is_a_named_failure(serving: Any, fault: str, error: type[Exception]) -> None:
    url = serving(lambda stopping: misbehave(bank_app(MAPLE, stopping), fault, stopping=stopping))
    with pytest.raises(error):
        fetched(MAPLE, url)


def test_a_json_rate_sheet_reads_as_the_csv_one_does(serving: Any) -> None:
    lines = rate_sheet(GRANITE.offers()).splitlines()
    headings = next(csv.reader(lines[:1]))
    rows = [dict(zip(headings, cells)) for cells in csv.reader(lines[1:])]
    body = json.dumps({"valid_until": "2099-01-01T00:00:00Z", "rows": rows})
    url = serving(lambda stopping: static_app(body, "application/json"))
    offers = fetched(GRANITE, url, format="json")
    assert [parse_terms(offer.terms) for offer in offers] == [parse_terms(terms) for terms in GRANITE.offers()]


def test_the_settings_are_checked_naming_the_provider_and_setting() -> None:
    with pytest.raises(ProviderConfigError, match="account_terms"):
        config = config_for(MAPLE, "http://127.0.0.1:9", account_terms="FDIC")
        DepositRatePageAdapter(config)
    with pytest.raises(ProviderConfigError, match="surprise"):
        DepositRateSheetAdapter(config_for(GRANITE, "http://127.0.0.1:9", surprise=True))


def test_both_kinds_are_installed_through_the_candor_providers_entry_point() -> None:
    kinds, errors = discover_kinds()
    assert kinds["deposit_rate_page"] is DepositRatePageAdapter
    assert kinds["deposit_rate_sheet"] is DepositRateSheetAdapter
    assert not [error for error in errors if "deposit" in str(error)]


STORES = ["memory"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    shared = RedisStore(os.environ["TEST_REDIS_URL"])
    yield shared
    shared.close()


def test_the_page_is_read_once_and_kept_in_the_registrys_store(store: Store) -> None:
    """The context the registry lends reaches the table adapter underneath: the page is kept in the
    shared store (Redis when configured), so a second comparison does not read it again."""
    with LoopbackServer(lambda stopping: bank_app(MAPLE, stopping), takes_stopping=True) as server:
        namespace = f"savings-test-{uuid.uuid4().hex[:8]}"
        first, second = (adapter_for(MAPLE, server.url) for _ in range(2))
        for adapter in (first, second):
            adapter.context = AdapterContext(store=store, namespace=namespace)
        try:
            assert len(first.fetch_quotes(QUERY, timeout_s=5.0)) == len(second.fetch_quotes(QUERY, timeout_s=5.0)) == 3
        finally:
            first.close()
            second.close()
        assert [seen.path for seen in server.requests] == ["/robots.txt", "/rates"]
        assert first.rows.context.store is store
