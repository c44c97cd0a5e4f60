"""Money is Decimal with an explicit currency; this module rounds and formats it in one way."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SYMBOLS = {"USD": "$"}


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str = "USD", *, whole: bool = False) -> str:
    """`$1,212.50` (or `$1,213` with whole=True); other currencies as `1,212.50 EUR`."""
    rounded = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP) if whole else to_cents(amount)
    sign = "-" if rounded < 0 else ""
    digits = f"{abs(rounded):,.0f}" if whole else f"{abs(rounded):,.2f}"
    symbol = SYMBOLS.get(currency)
    if symbol:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits} {currency}"
