"""The refinance profile read straight from JSON (the API's request), field by field, in the form's
words: the same profile the form gives for the same answers."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.money import CENT
from app.products.mortgage.rules import occupancy_problem
from app.products.profile_json import ProfileReader, profile_validator, read_place
from app.products.refinance import rules
from app.products.refinance.rules import MALFORMED, OUT_OF_RANGE, REQUIRED
from app.products.refinance.schemas import PROFILE_SCHEMA
from providers.us_states import US_STATES

_validator = profile_validator(PROFILE_SCHEMA)
_CHOICES = ("credit_score_band", "loan_type", "term_years", "rate_type", "max_points", "occupancy")


def profile_from_json(document: Mapping[str, Any]) -> dict[str, Any]:
    """The profile, or InvalidProfile naming each field that does not fit. The new loan is worked out from the
    balance and the cash out, as the form does: a `loan_amount` sent is replaced by it."""
    reader = ProfileReader(document, _validator, REQUIRED)
    place = read_place(reader, US_STATES, MALFORMED["zip_code"])
    value = reader.amount("property_value", rules.MIN_VALUE, rules.MAX_VALUE, OUT_OF_RANGE["property_value"])
    balance = reader.amount("current_balance", rules.MIN_BALANCE, rules.MAX_LOAN, OUT_OF_RANGE["current_balance"])
    rate = reader.amount("current_rate", rules.LOWEST_RATE, rules.HIGHEST_RATE, OUT_OF_RANGE["current_rate"])
    months = reader.integer("remaining_months", 1, rules.MAX_REMAINING_MONTHS, OUT_OF_RANGE["remaining_months"])
    payment = (reader.amount("current_payment", Decimal(1), rules.MAX_LOAN, OUT_OF_RANGE["current_payment"])
               if reader.document.get("current_payment") is not None else None)
    cash_out = reader.amount("cash_out", Decimal(0), rules.MAX_LOAN, OUT_OF_RANGE["cash_out"])
    years = reader.integer("years_expected", 1, 30, OUT_OF_RANGE["years_expected"])
    choices = {name: reader.choice(name) for name in _CHOICES}
    reader.refuse("occupancy", occupancy_problem(choices["loan_type"], choices["occupancy"]))
    if None not in (balance, cash_out, value):
        reader.refuse("cash_out", rules.loan_problem(balance, cash_out, value))
    if None not in (payment, balance, rate):
        reader.refuse("current_payment", rules.payment_problem(payment, balance, rate))
    return reader.checked(lambda: {
        **place,
        "property_value": str(value.quantize(CENT)),
        "current_balance": str(balance.quantize(CENT)),
        "current_rate": f"{rate:.3f}",
        "remaining_months": months,
        "current_payment": None if payment is None else str(payment.quantize(CENT)),
        "cash_out": str(cash_out.quantize(CENT)),
        "loan_amount": str(rules.new_loan_amount(balance, cash_out)),
        **choices,
        "years_expected": years,
    })
