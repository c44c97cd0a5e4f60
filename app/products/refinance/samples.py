"""Plausible homeowners and plausible refinance offers, from a seeded Random: what `flask ranking
sweep` ranks against the sandbox lenders, and what the named-preset property makes markets of
(ProductLine.sample_customers). Current rates run from well below today's market to well above it,
so some homeowners have nothing to gain and the answer is to keep their loan."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from app.products.base import SampleCustomers
from app.products.mortgage.amortization import MONTHS_PER_YEAR

PLACES = (("CO", "80203"), ("CA", "94110"), ("TX", "73301"), ("NY", "10001"), ("FL", "33101"), ("IL", "60601"))
CREDIT_BANDS = ("760-850", "740-759", "700-719", "660-679")
RATE_BANDS = ((Decimal("5.5"), "under 5.5%"), (Decimal("7"), "5.5–6.99%"), (None, "7% or more"))
STAY_BANDS = ((3, "1–2 years"), (6, "3–5 years"), (11, "6–10 years"), (None, "11 years or more"))


def random_profile(rng: random.Random, today: date) -> dict[str, Any]:
    """`today` is unused (a refinance profile has no dates) but kept so every line's generator is called alike."""
    state, zip_code = rng.choice(PLACES)
    value = Decimal(rng.randrange(200_000, 900_001, 5_000))
    balance = (value * Decimal(rng.randint(30, 80)) / 100).quantize(Decimal(1))
    cash_out = Decimal(0) if rng.random() < 0.8 else Decimal(rng.randrange(5_000, 40_001, 5_000))
    cash_out = min(cash_out, value - balance)
    return {
        "state": state, "zip_code": zip_code,
        "property_value": f"{value:.2f}",
        "current_balance": f"{balance:.2f}",
        "current_rate": f"{Decimal(rng.randint(24, 68)) / 8:.3f}",
        "remaining_months": rng.randint(60, 357),
        "current_payment": None,
        "cash_out": f"{cash_out:.2f}",
        "loan_amount": f"{balance + cash_out:.2f}",
        "credit_score_band": rng.choice(CREDIT_BANDS),
        "loan_type": "conventional",
        "term_years": rng.choice((15, 20, 30)),
        "rate_type": "fixed",
        "max_points": rng.choice(("0", "1", "2")),
        "occupancy": "primary",
        "years_expected": rng.randint(1, 15),
    }


def random_offer(rng: random.Random, profile: Mapping[str, Any]) -> dict[str, Any]:
    """A refinance offer's raw terms for this homeowner, valid against TERMS_SCHEMA."""
    points = Decimal(rng.choice([p for p in ("0", "0.5", "1", "2") if Decimal(p) <= Decimal(profile["max_points"])]))
    return {
        "loan_type": profile["loan_type"], "term_years": profile["term_years"], "rate_type": profile["rate_type"],
        "note_rate": f"{Decimal(rng.randint(40, 64)) / 8:.3f}",
        "points": f"{points:.3f}",
        "lender_fees": f"{rng.choice((0, 495, 995, 1495, 1950))}.00",
        "other_prepaid_finance_charges": "0.00",
        "third_party_costs": f"{rng.randint(1500, 4500)}.00",
        "rate_lock_days": rng.choice((30, 45, 60)),
        "service_score": rng.randint(700, 900),
        "loan_amount": profile["loan_amount"],
        "monthly_payment": None, "apr": None, "adjustment": None, "features": [],
    }


def _current_rate(profile: Mapping[str, Any], today: date) -> str:
    rate = Decimal(profile["current_rate"])
    return next(label for limit, label in RATE_BANDS if limit is None or rate < limit)


def _stay(profile: Mapping[str, Any], today: date) -> str:
    stay = int(profile["years_expected"])
    return next(label for limit, label in STAY_BANDS if limit is None or stay < limit)


def _left(profile: Mapping[str, Any], today: date) -> str:
    return "under 20 years left" if int(profile["remaining_months"]) < 20 * MONTHS_PER_YEAR else "20 years or more left"


SAMPLE_CUSTOMERS = SampleCustomers(
    profile=random_profile,
    segments={"current rate": _current_rate, "stays": _stay, "loan left": _left},
    group_order={"current rate": [label for _, label in RATE_BANDS], "stays": [label for _, label in STAY_BANDS]},
    offer=random_offer,
)
