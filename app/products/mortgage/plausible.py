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
# The largest single item a lender's Loan Estimate could show in each section it itemises (closing_costs.py):
# an appraisal or credit report is hundreds of dollars, title insurance on the largest jumbo loan tens of
# thousands, a transfer tax on an expensive home up to the highest charge.
HIGHEST_CLOSING_COST_ITEM = {
    "origination": HIGHEST_CHARGE, "cannot_shop": Decimal("10000"), "can_shop": Decimal("50000"),
    "taxes": HIGHEST_CHARGE, "prepaids": Decimal("50000"), "escrow": Decimal("50000"), "other": HIGHEST_CHARGE,
}
# A lender credit pays closing costs, so it is at most the highest charge (and never more than the offer's
# own closing costs: closing_costs.credits_beyond_closing_costs).
HIGHEST_LENDER_CREDIT = HIGHEST_CHARGE
CLOSING_COST_SECTION_WORDS = {
    "origination": "origination charges", "cannot_shop": "services you cannot shop for",
    "can_shop": "services you can shop for", "taxes": "taxes and government fees", "prepaids": "prepaids",
    "escrow": "initial escrow", "other": "other costs",
}


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


def _largest_item(section: str) -> Callable[[Mapping[str, Any]], Decimal | None]:
    def read(terms: Mapping[str, Any]) -> Decimal | None:
        items = (terms.get("closing_costs") or {}).get(section)
        return max(items.values()) if items else None
    return read


PLAUSIBLE: tuple[PlausibleRange, ...] = (
    PlausibleRange("interest rate", LOWEST_NOTE_RATE, HIGHEST_NOTE_RATE, figure("note_rate"), _percent),
    PlausibleRange("discount points", Decimal(0), HIGHEST_POINTS, figure("points"), _points),
    PlausibleRange("lender fees", Decimal(0), HIGHEST_CHARGE, figure("lender_fees"), _money),
    PlausibleRange("other charges at closing", Decimal(0), HIGHEST_CHARGE, figure("other_prepaid_finance_charges"),
                   _money),
    PlausibleRange("lender credit", Decimal(0), HIGHEST_LENDER_CREDIT, figure("lender_credits"), _money),
    PlausibleRange("rate lock", Decimal(0), Decimal(365), figure("rate_lock_days"), lambda value: f"{value:.0f} days"),
    PlausibleRange("borrower satisfaction score", Decimal(0), Decimal(1000), figure("service_score"),
                   lambda value: f"{value:,.0f}/1,000"),
    *(PlausibleRange(f"adjustable-rate {label}", Decimal(0), HIGHEST_ADJUSTMENT, _adjustment(key), _percentage_points)
      for key, label in (("margin", "margin"), ("initial_cap", "first cap"), ("periodic_cap", "periodic cap"),
                         ("lifetime_cap", "lifetime cap"))),
    *(PlausibleRange(f"closing cost among {CLOSING_COST_SECTION_WORDS[section]}", Decimal(0), highest,
                     _largest_item(section), _money)
      for section, highest in HIGHEST_CLOSING_COST_ITEM.items()),
)
