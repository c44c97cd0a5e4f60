"""Plausible savers and plausible deposit offers, from a seeded Random: what `flask ranking sweep`
ranks against the sandbox banks, and what the named-preset property makes markets of
(ProductLine.sample_customers)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from app.products.base import SampleCustomers
from candor_savings.profile_schema import HORIZONS_MONTHS

PLACES = (("CA", "94110"), ("NY", "10001"), ("CO", "80203"), ("TX", "73301"), ("IL", "60601"), ("FL", "33101"))
DEPOSIT_BANDS = ((Decimal(5000), "under $5,000"), (Decimal(25000), "$5,000–24,999"),
                 (Decimal(100000), "$25,000–99,999"), (None, "$100,000 or more"))


def random_profile(rng: random.Random, today: date) -> dict[str, Any]:
    state, zip_code = rng.choice(PLACES)
    deposit = Decimal(rng.choice((500, 1000, 2500, 5000, 10000, 25000, 50000, 150000))) + Decimal(rng.randrange(0, 100))
    return {
        "state": state,
        "zip_code": zip_code,
        "deposit": f"{deposit:.2f}",
        "horizon_months": rng.choice((None, *HORIZONS_MONTHS)),
        "insured_only": rng.random() < 0.7,
        "keeps_minimum_balance": rng.random() < 0.6,
        "direct_deposit": rng.random() < 0.4,
    }


def _rate(rng: random.Random, low: int, high: int) -> str:
    return f"{Decimal(rng.randint(low, high)) / 100:.2f}"


def random_offer(rng: random.Random, profile: Mapping[str, Any]) -> dict[str, Any]:
    """A deposit offer's raw terms, valid against TERMS_SCHEMA and its cross-field rules."""
    kind = rng.choice(("savings", "money_market", "cd"))
    insurer = rng.choice(("FDIC", "FDIC", "NCUA", "none"))
    promotional = kind != "cd" and rng.random() < 0.3
    penalty = kind == "cd" and rng.random() < 0.85
    fee = rng.choice(("0.00", "0.00", "5.00", "12.00"))
    tiers = [{"balance_from": "25000.00", "interest_rate": _rate(rng, 20, 540)}] if rng.random() < 0.3 else []
    return {
        "product_name": "Sample account",
        "account_type": kind,
        "term_months": rng.choice((3, 6, 12, 18, 24, 60)) if kind == "cd" else None,
        "interest_rate": _rate(rng, 10, 520),
        "tiers": tiers,
        "tiering_method": rng.choice(("whole_balance", "portion")) if tiers else None,
        "compounding": rng.choice(("daily", "monthly")),
        "crediting": "monthly",
        "interest_paid_out": False,
        "stated_apy": _rate(rng, 10, 530),
        "minimum_opening_deposit": rng.choice(("0.00", "100.00", "1000.00")),
        "minimum_balance_for_apy": "0.00",
        "monthly_fee": fee,
        "fee_waivers": {"minimum_balance": "1000.00", "direct_deposit": rng.random() < 0.5},
        "early_withdrawal": None if kind != "cd" else "penalty" if penalty else "not_allowed",
        "early_withdrawal_penalty_days": rng.choice((0, 90, 180, 365)) if penalty else None,
        "promotional_rate": _rate(rng, 400, 700) if promotional else None,
        "promotional_months": 3 if promotional else None,
        "insurer": insurer,
        "certificate_number": None if insurer == "none" else str(rng.randint(1000, 99999)),
        "service_score": rng.randint(600, 950),
    }


def _deposit_band(profile: Mapping[str, Any], today: date) -> str:
    deposit = Decimal(profile["deposit"])
    return next(label for limit, label in DEPOSIT_BANDS if limit is None or deposit < limit)


def _horizon(profile: Mapping[str, Any], today: date) -> str:
    horizon = profile["horizon_months"]
    return "any time" if horizon is None else f"{horizon} months"


SAMPLE_CUSTOMERS = SampleCustomers(
    profile=random_profile,
    segments={"deposit": _deposit_band, "horizon": _horizon,
              "insured only": lambda profile, today: "yes" if profile["insured_only"] else "no"},
    group_order={"deposit": [label for _, label in DEPOSIT_BANDS],
                 "horizon": ["any time", *(f"{months} months" for months in HORIZONS_MONTHS)]},
    offer=random_offer,
)
