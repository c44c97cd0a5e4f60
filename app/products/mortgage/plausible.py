"""The figures a real mortgage offer has (app/products/plausibility.py says why); published on the
methodology page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from app.money import format_money
from app.products.plausibility import PlausibleRange, figure

LOWEST_NOTE_RATE = Decimal("0.5")
HIGHEST_NOTE_RATE = Decimal("20")
HIGHEST_POINTS = Decimal("5")
HIGHEST_CHARGE = Decimal("100000")
HIGHEST_ADJUSTMENT = Decimal("10")


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def _points(value: Decimal) -> str:
    return f"{value.normalize():f} points"


def _percentage_points(value: Decimal) -> str:
    return f"{value.normalize():f} percentage points"


def _money(value: Decimal) -> str:
    return format_money(value, "USD")


def _adjustment(key: str) -> Callable[[Mapping[str, Any]], Decimal | None]:
    def read(terms: Mapping[str, Any]) -> Decimal | None:
        adjustment = terms.get("adjustment")
        return None if adjustment is None else Decimal(adjustment[key])
    return read


PLAUSIBLE: tuple[PlausibleRange, ...] = (
    PlausibleRange("interest rate", LOWEST_NOTE_RATE, HIGHEST_NOTE_RATE, figure("note_rate"), _percent),
    PlausibleRange("discount points", Decimal(0), HIGHEST_POINTS, figure("points"), _points),
    PlausibleRange("lender fees", Decimal(0), HIGHEST_CHARGE, figure("lender_fees"), _money),
    PlausibleRange("other charges at closing", Decimal(0), HIGHEST_CHARGE, figure("other_prepaid_finance_charges"),
                   _money),
    PlausibleRange("rate lock", Decimal(0), Decimal(365), figure("rate_lock_days"), lambda value: f"{value:.0f} days"),
    PlausibleRange("borrower satisfaction score", Decimal(0), Decimal(1000), figure("service_score"),
                   lambda value: f"{value:,.0f}/1,000"),
    *(PlausibleRange(f"adjustable-rate {label}", Decimal(0), HIGHEST_ADJUSTMENT, _adjustment(key), _percentage_points)
      for key, label in (("margin", "margin"), ("initial_cap", "first cap"), ("periodic_cap", "periodic cap"),
                         ("lifetime_cap", "lifetime cap"))),
)
