"""The savings profile's rules, on typed values: each answers None when the answers fit, or what to
change in the words the saver reads. The form and profile_from_json (the JSON API) both ask them."""

from __future__ import annotations

from decimal import Decimal

from app.money import format_money

MIN_DEPOSIT = Decimal("100")
MAX_DEPOSIT = Decimal("10000000")

REQUIRED = {
    "state": "Choose the state where you live.",
    "zip_code": "Enter the 5-digit ZIP code where you live.",
    "deposit": "Enter how much you want to deposit in dollars, for example 10000.",
}
OUT_OF_RANGE = {
    "deposit": (f"Enter an amount between {format_money(MIN_DEPOSIT, whole=True)} and "
                f"{format_money(MAX_DEPOSIT, whole=True)}."),
}
MALFORMED = {"zip_code": "A ZIP code is 5 digits, for example 94110."}
