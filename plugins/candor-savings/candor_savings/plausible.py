"""The figures a real deposit offer has (app/products/plausibility.py says why); published on the
methodology page. A 40% savings rate or a $5,000 monthly fee is a broken or hostile reply."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from app.products.plausibility import PlausibleRange
from candor_savings.figures import money, percent

HIGHEST_RATE = Decimal("15")
HIGHEST_FEE = Decimal("50")
HIGHEST_OPENING_DEPOSIT = Decimal("1000000")


def _typed(name: str) -> Callable[[Mapping[str, Any]], Decimal | None]:
    def read(terms: Mapping[str, Any]) -> Decimal | None:
        value = getattr(terms["offer"], name)
        return None if value is None else Decimal(value)
    return read


def _highest_tier_rate(terms: Mapping[str, Any]) -> Decimal | None:
    tiers = terms["offer"].tiers
    return max(tier.interest_rate for tier in tiers) if tiers else None


PLAUSIBLE: tuple[PlausibleRange, ...] = (
    PlausibleRange("interest rate", Decimal(0), HIGHEST_RATE, _typed("interest_rate"), percent),
    PlausibleRange("highest tier's rate", Decimal(0), HIGHEST_RATE, _highest_tier_rate, percent),
    PlausibleRange("promotional rate", Decimal(0), HIGHEST_RATE, _typed("promotional_rate"), percent),
    PlausibleRange("stated APY", Decimal(0), HIGHEST_RATE, _typed("stated_apy"), percent),
    PlausibleRange("monthly fee", Decimal(0), HIGHEST_FEE, _typed("monthly_fee"), money),
    PlausibleRange("minimum opening deposit", Decimal(0), HIGHEST_OPENING_DEPOSIT, _typed("minimum_opening_deposit"),
                   money),
    PlausibleRange("customer satisfaction score", Decimal(0), Decimal(1000), _typed("service_score"),
                   lambda value: f"{value:,.0f}/1,000"),
)
