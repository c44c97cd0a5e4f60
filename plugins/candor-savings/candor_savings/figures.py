"""How the savings pages write their figures: money to the cent, rates and APYs to two decimals,
horizons in months."""

from __future__ import annotations

from decimal import Decimal

from app.formatting import plural
from app.money import format_money


def money(value: Decimal) -> str:
    return format_money(value, "USD")


def percent(value: Decimal) -> str:
    return f"{value:.2f}%"


def months(count: int) -> str:
    return plural(count, "month")


ACCOUNT_WORDS = {"savings": "Savings account", "money_market": "Money market account"}


def account_name(account_type: str, term_months: int | None) -> str:
    """An offer's name made from its terms, never from text the bank chose: "12-month CD"."""
    if account_type == "cd":
        return f"{term_months}-month CD"
    return ACCOUNT_WORDS[account_type]
