"""The bare fan-out the CPU ratio is measured against (bench/baseline_fanout.py) does the work it
claims to do against the real sandbox market: every auto insurer asked, every quote kept, the
quotes sorted by yearly price; a mortgage lender is never asked for an auto quote."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bench.baseline_fanout import create_app, yearly_price
from providers.sandbox.market import SandboxMarket
from providers.sandbox.sample_profiles import example_auto_profile


def test_the_baseline_asks_every_auto_insurer_and_sorts_their_quotes_by_yearly_price(
        market: SandboxMarket, tmp_path: Path) -> None:
    providers_file = tmp_path / "providers.toml"
    providers_file.write_text(market.providers_toml())
    quoting = {entry["key"] for entry in market.provider_entries()
               if "auto" in entry["products"] and entry["adapter"] == "quote_protocol"}

    answer = create_app(providers_file).test_client().post(
        "/api/v1/comparisons", json={"product": "auto", "profile": example_auto_profile()})

    assert answer.status_code == 201
    ranking = answer.get_json()["ranking"]
    answered = {quote["provider"] for quote in ranking}
    assert answered <= quoting
    assert len(answered) + answer.get_json()["failures"] >= len(quoting) - 1  # one may decline: no quotes
    prices = [yearly_price(quote) for quote in ranking]
    assert prices == sorted(prices) and all(price > 0 for price in prices)


def test_a_six_month_premium_is_doubled_for_the_yearly_price() -> None:
    six_months = {"terms": {"premium": "600.00", "term_months": 6}}
    assert yearly_price(six_months) == Decimal("1200.00")
