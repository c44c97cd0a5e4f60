"""Template filters, so every page formats money, dates and ranks the same way."""

from __future__ import annotations

from datetime import UTC, datetime
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


def plural(number: int | Decimal, word: str, plural_form: str | None = None) -> str:
    """The number and the word that goes with it: "1 accident", "3 accidents", "1 entry",
    "2 entries", "12,000 miles". Irregular words give their plural: plural(2, "person", "people")."""
    shown = f"{number:,}" if isinstance(number, int) else str(number)
    if number == 1:
        return f"{shown} {word}"
    if plural_form is None:
        plural_form = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
    return f"{shown} {plural_form}"


def sentence(text: str) -> str:
    """Text ended by exactly one full stop, whether or not it came with one of its own."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


# Beside the price: how firm it is, in the fewest words that are still true (providers/base.py FIRMNESS).
FIRMNESS_TAGS = {"binding": "Firm price", "indicative": "Subject to checks", "estimate": "Our estimate"}


def firmness_tag(firmness: str | None) -> str:
    """The short tag beside an offer's price; empty for offers logged before firmness was recorded."""
    return FIRMNESS_TAGS.get(firmness or "", "")


def firmness_sentence(firmness: str | None, provider_name: str, valid_until: str) -> str:
    """What the firmness means for the shopper, with the time the quote lapses."""
    until = utc_time(valid_until)
    if firmness == "binding":
        return f"{provider_name} will honour this price as shown until {until}."
    if firmness == "indicative":
        return (f"{provider_name} may change this price after its own checks (underwriting); "
                f"the quote is valid until {until}.")
    if firmness == "estimate":
        return (f"We worked this price out from the rates {provider_name} publishes; {provider_name} has not "
                f"quoted you, so its own quote may differ. Our estimate holds until {until}.")
    return f"Quote valid until {until}."


def validity_words(valid_until: str | datetime, firmness: str | None = None, now: datetime | None = None,
                   kept: bool = False) -> str:
    """Beside the firmness tag, until when the quote holds, in plain words: "until 14:05 UTC today",
    "until 14:05 UTC on 6 December", "expired at 14:05 UTC today". `kept`, for what the shopper keeps
    (a receipt, a written summary), always names the whole date, because "today" on paper means
    nothing a week later: "until 14:05 UTC on 6 December 2026". Empty for our estimates: the tag
    "Our estimate" says it all, and the estimate's own lapse is only when we read the rates again."""
    if firmness == "estimate":
        return ""
    moment = valid_until if isinstance(valid_until, datetime) else datetime.fromisoformat(
        valid_until.replace("Z", "+00:00"))
    moment = moment.astimezone(UTC)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if kept:
        day = f"on {moment.day} {moment:%b %Y}"
    else:
        day = "today" if moment.date() == now.date() else f"on {moment.day} {moment:%B}"
    clock = f"{moment:%H:%M} UTC {day}"
    return f"expired at {clock}" if moment <= now else f"until {clock}"


def init_app(app: Flask) -> None:
    app.add_template_filter(firmness_tag)
    app.add_template_global(validity_words)
    app.add_template_global(firmness_sentence)
    app.add_template_filter(money)
    app.add_template_filter(utc_time)
    app.add_template_filter(points)
    app.add_template_filter(ordinal)
    app.add_template_filter(plural)
    app.add_template_filter(sentence)
