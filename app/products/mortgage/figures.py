"""How the mortgage pages write a figure: money to the cent, rates to three decimals, years and points."""

from __future__ import annotations

from decimal import Decimal

from app.formatting import plural
from app.money import format_money


def money(value: Decimal) -> str:
    return format_money(value, "USD")


def percent(value: Decimal) -> str:
    return f"{value:.3f}%"


def years(count: int) -> str:
    return plural(count, "year")


def points(value: Decimal) -> str:
    return plural(Decimal(f"{value.normalize():f}"), "point")
