"""Sunrise's adapter against Candor's conformance kit, plus what is particular to Sunrise."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from candor_adapter_example import ExamplePricingAdapter
from candor_adapter_example.fake_service import sunrise_api
from providers.base import ProviderConfig, QuoteQuery
from providers.errors import ProviderConfigError, ProviderDeclined
from providers.registry import discover_kinds
from providers.testing.conformance import AdapterConformance, check_offers, provider_config

PROFILE: dict[str, Any] = {
    "zip_code": "94110", "state": "CA", "driver_birth_date": "1988-04-12", "years_licensed": 15,
    "at_fault_accidents_5y": 0, "violations_5y": 1, "vehicle_year": 2019, "vehicle_make": "Toyota",
    "vehicle_model": "Corolla", "vehicle_value": "16500.00", "annual_mileage": 11000, "vehicle_use": "commute",
    "continuous_cover": True, "liability_limits": "100/300/100", "comprehensive": True, "collision": True,
    "deductible": "500",
}


def sunrise(url: str, *, timeout_s: float = 2.0, **changes: Any) -> ProviderConfig:
    options = {"url": url, "financial_strength": "A-", "claims_satisfaction": 822, "complaint_index": "0.95", **changes}
    return provider_config("sunrise", ExamplePricingAdapter.kind, timeout_s=timeout_s, **options)


class TestConformance(AdapterConformance):
    adapter_class = ExamplePricingAdapter
    product = "auto"

    def config_at(self, url: str, *, timeout_s: float = 2.0) -> ProviderConfig:
        return sunrise(url, timeout_s=timeout_s)

    def working_app(self, stopping: threading.Event) -> Any:
        return sunrise_api(stopping)

    def example_profile(self) -> dict[str, Any]:
        return dict(PROFILE)


def test_cents_become_an_exact_decimal_premium(loopback: Any) -> None:
    server = loopback(sunrise_api())
    adapter = ExamplePricingAdapter(sunrise(server.url))
    query = QuoteQuery("auto", PROFILE, "t-1")
    [quote] = check_offers(adapter.fetch_quotes(query, timeout_s=2), query)
    assert quote.terms["premium"] == "1100.00"  # 980.00 base + one ticket at 120.00
    assert quote.terms["financial_strength"] == "A-"
    adapter.close()


def test_a_referral_is_a_decline_with_sunrises_words(loopback: Any) -> None:
    server = loopback(sunrise_api())
    adapter = ExamplePricingAdapter(sunrise(server.url))
    with pytest.raises(ProviderDeclined, match="we price this by phone"):
        adapter.fetch_quotes(QuoteQuery("auto", {**PROFILE, "at_fault_accidents_5y": 3}, "t-2"), timeout_s=2)
    adapter.close()


def test_a_grade_that_does_not_exist_is_refused_naming_the_setting() -> None:
    with pytest.raises(ProviderConfigError, match="financial_strength"):
        ExamplePricingAdapter(sunrise("http://127.0.0.1:9", financial_strength="AAA"))


def test_candor_finds_the_adapter_through_its_entry_point() -> None:
    """Passes once the package is installed (pip install .), as Candor will find it."""
    kinds, errors = discover_kinds()
    assert kinds.get(ExamplePricingAdapter.kind) is ExamplePricingAdapter
    assert not [error for error in errors if error.kind == ExamplePricingAdapter.kind]
