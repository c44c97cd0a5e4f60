"""The sandbox market's own average prime offer rates: a table in the layout the FFIEC publishes
(the CFPB's YieldTableFixed.txt / YieldTableAdjustable.txt), with a row for each of the last weeks
up to the current one, priced from the same market the sandbox lenders price from — what a prime
borrower (a 740+ score, 20% down, no points) would be offered. The demo imports it with `flask apor
import`, so its higher-priced flags are against a table that matches its market; it is simulated,
never the FFIEC's figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .lender_pricing import MARKET_BASE_RATE, RATE_TYPE_ADJUSTMENT, TERM_ADJUSTMENT

TERMS = 50
HEADER = {"fixed": "Term of Loan in Years", "adjustable": "Years to First Adjustment"}
# A prime offer's APR sits a little above the market's base note rate.
PRIME_DISCOUNT = Decimal("0.125")
_ADJUSTABLE = {5: RATE_TYPE_ADJUSTMENT["arm_5_6"], 7: RATE_TYPE_ADJUSTMENT["arm_7_6"],
               10: RATE_TYPE_ADJUSTMENT["arm_10_6"]}


def _fixed_rate(term: int) -> Decimal:
    nearest = min(TERM_ADJUSTMENT, key=lambda years: (abs(years - term), years))
    return MARKET_BASE_RATE + TERM_ADJUSTMENT[nearest] - PRIME_DISCOUNT


def _adjustable_rate(years: int) -> Decimal:
    nearest = min(_ADJUSTABLE, key=lambda fixed: (abs(fixed - years), fixed))
    return MARKET_BASE_RATE + _ADJUSTABLE[nearest] - PRIME_DISCOUNT


def apor_table(kind: str, today: date, weeks: int = 8) -> str:
    """The `kind` ("fixed" or "adjustable") table, its newest week the one `today` is in."""
    monday = today - timedelta(days=today.weekday())
    rate = _fixed_rate if kind == "fixed" else _adjustable_rate
    lines = ["|".join([HEADER[kind], *(str(term) for term in range(1, TERMS + 1))])]
    for back in range(weeks - 1, -1, -1):
        week = monday - timedelta(weeks=back)
        # A small weekly drift, so each week's row is its own.
        drift = Decimal(back % 3) * Decimal("0.01")
        lines.append("|".join([f"{week.month}/{week.day}/{week.year}",
                               *(f"{rate(term) + drift:.2f}" for term in range(1, TERMS + 1))]))
    return "\n".join(lines) + "\n"
