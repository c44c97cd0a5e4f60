"""The mortgage profile read straight from JSON (the API's request), field by field, with the form's
words and the rules in rules.py: the same profile the form gives for the same answers."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.money import CENT
from app.products.mortgage.rules import (
    MALFORMED,
    NO_AMOUNT,
    OUT_OF_RANGE,
    REQUIRED,
    computed_loan_amount,
    down_payment_problem,
    loan_amount_problem,
    loan_size_problem,
    occupancy_problem,
    years_expected_problem,
)
from app.products.mortgage.schemas import PROFILE_SCHEMA, US_STATES
from app.products.profile_json import ProfileReader, profile_validator, read_place

_validator = profile_validator(PROFILE_SCHEMA)
PRICE_RANGE = (Decimal(30000), Decimal(20000000))
MONTHLY_RANGE = (Decimal(100), Decimal(100000))


def _has_text(value: Any) -> bool:
    """Whether an amount was given at all (the form's test: some text in the field)."""
    return value is not None and not isinstance(value, (Mapping, list)) and bool(str(value).strip())


def _amounts(reader: ProfileReader) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Price, down payment and loan amount, each checked against the others."""
    price = reader.amount("property_value", *PRICE_RANGE, OUT_OF_RANGE["property_value"])
    down = reader.amount("down_payment", Decimal(0), None, OUT_OF_RANGE["down_payment"])
    loan = reader.amount("loan_amount", Decimal(0), None, OUT_OF_RANGE["loan_amount"])
    if not (_has_text(reader.document.get("down_payment")) or _has_text(reader.document.get("loan_amount"))):
        reader.refuse("down_payment", NO_AMOUNT)
    if price is not None and down is not None:
        reader.refuse("down_payment", down_payment_problem(down, price))
    if price is not None and loan is not None:
        reader.refuse("loan_amount", loan_amount_problem(loan, down, price))
    return price, down, loan


def _loan(reader: ProfileReader, price: Decimal | None, down: Decimal | None, loan: Decimal | None,
          loan_type: Any) -> Decimal | None:
    """The loan that price and down payment make, checked for size once every answer is right."""
    if reader.problems or reader.schema_refused or price is None or (down is None and loan is None) or loan_type is None:
        return None
    amount = computed_loan_amount(price, down, loan)
    reader.refuse("down_payment" if down is not None else "loan_amount", loan_size_problem(price, amount, loan_type))
    return amount


def _amounts_read(price: Any, loan: Any) -> dict[str, str]:
    """Price, down payment and loan as the profile states them: to the cent, adding up."""
    whole_price = price.quantize(CENT)
    return {"property_value": str(whole_price), "down_payment": str(whole_price - loan), "loan_amount": str(loan)}


def profile_from_json(document: Mapping[str, Any]) -> dict[str, Any]:
    """The profile, or InvalidProfile naming each field that does not fit."""
    reader = ProfileReader(document, _validator, REQUIRED)
    place = read_place(reader, US_STATES, MALFORMED["zip_code"])
    price, down, loan = _amounts(reader)
    occupancy, loan_type, term = reader.choice("occupancy"), reader.choice("loan_type"), reader.choice("term_years")
    if occupancy is not None and loan_type is not None:
        reader.refuse("occupancy", occupancy_problem(loan_type, occupancy))
    years = reader.integer("years_expected", 1, 30, OUT_OF_RANGE["years_expected"])
    if years is not None and isinstance(term, int) and not isinstance(term, bool):
        reader.refuse("years_expected", years_expected_problem(years, term))
    ceiling = reader.amount("max_monthly_payment", *MONTHLY_RANGE, OUT_OF_RANGE["max_monthly_payment"])
    credit_score_band, rate_type, max_points = (reader.choice(name) for name in
                                                 ("credit_score_band", "rate_type", "max_points"))
    amount = _loan(reader, price, down, loan, loan_type)
    return reader.checked(lambda: {
        **place,
        **_amounts_read(price, amount),
        "credit_score_band": credit_score_band,
        "loan_type": loan_type,
        "term_years": term,
        "rate_type": rate_type,
        "max_points": max_points,
        "occupancy": occupancy,
        "years_expected": years,
        "max_monthly_payment": None if ceiling is None else str(ceiling.quantize(CENT)),
    })
