"""Template filters, so every page formats money, dates and ranks the same way."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask
from jinja2 import Undefined

from app.money import format_money


def money(value: str | Decimal, currency: str = "USD", whole: bool = False) -> str:
    return format_money(Decimal(value), currency, whole=whole)


def utc_time(value: str) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%d %B %Y, %H:%M UTC")


def points(value: str | Decimal | None | Undefined) -> str:
    """Points to one decimal place; a dash where there are none (erased with the customer's details)."""
    if value is None or isinstance(value, Undefined):
        return "—"
    return f"{Decimal(value):.1f}"


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def init_app(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(utc_time)
    app.add_template_filter(points)
    app.add_template_filter(ordinal)
