"""The figures a real auto-insurance offer has (app/products/plausibility.py says why); published on
the methodology page."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.money import format_money, to_cents
from app.products.plausibility import PlausibleRange, figure

LOWEST_ANNUAL_PREMIUM = Decimal("100")
HIGHEST_ANNUAL_PREMIUM = Decimal("50000")
HIGHEST_DEDUCTIBLE = Decimal("10000")
HIGHEST_COMPLAINT_INDEX = Decimal("10")


def _annual_premium(terms: Mapping[str, Any]) -> Decimal:
    return to_cents(terms["premium"] * 12 / terms["term_months"])


def _money(value: Decimal) -> str:
    return format_money(value, "USD")


PLAUSIBLE: tuple[PlausibleRange, ...] = (
    PlausibleRange("price per year", LOWEST_ANNUAL_PREMIUM, HIGHEST_ANNUAL_PREMIUM, _annual_premium, _money),
    PlausibleRange("comprehensive deductible", Decimal(0), HIGHEST_DEDUCTIBLE, figure("comprehensive_deductible"), _money),
    PlausibleRange("collision deductible", Decimal(0), HIGHEST_DEDUCTIBLE, figure("collision_deductible"), _money),
    PlausibleRange("claims satisfaction score", Decimal(0), Decimal(1000), figure("claims_satisfaction"),
                   lambda value: f"{value:,.0f}/1,000"),
    PlausibleRange("complaint index", Decimal(0), HIGHEST_COMPLAINT_INDEX, figure("complaint_index"),
                   lambda value: f"{value:.2f}"),
)
