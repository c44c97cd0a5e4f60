"""Profiles for demos, tests and benchmarks: one known-good auto example and seeded random spreads
of auto and mortgage customers."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .profile import LIABILITY_LIMITS, US_STATE_CODES

EXAMPLE_AUTO_PROFILE: dict[str, Any] = {
    "zip_code": "94110",
    "state": "CA",
    "driver_birth_date": "1980-04-12",
    "years_licensed": 25,
    "at_fault_accidents_5y": 0,
    "violations_5y": 0,
    "vehicle_year": 2019,
    "vehicle_make": "Toyota",
    "vehicle_model": "Corolla",
    "vehicle_value": "18500.00",
    "annual_mileage": 12000,
    "vehicle_use": "commute",
    "continuous_cover": True,
    "liability_limits": "100/300/100",
    "comprehensive": True,
    "collision": True,
    "deductible": "500",
}

_VEHICLES: tuple[tuple[str, str, int], ...] = (
    ("Toyota", "Corolla", 24000),
    ("Honda", "Civic", 25000),
    ("Ford", "F-150", 42000),
    ("Tesla", "Model 3", 45000),
    ("Subaru", "Outback", 32000),
    ("Chevrolet", "Malibu", 26000),
    ("BMW", "3 Series", 48000),
    ("Kia", "Rio", 18000),
)
_SORTED_STATES: tuple[str, ...] = tuple(sorted(US_STATE_CODES))


def example_auto_profile(**overrides: Any) -> dict[str, Any]:
    """A valid auto profile (a clean 40-something commuter in San Francisco), with fields replaced."""
    unknown = set(overrides) - set(EXAMPLE_AUTO_PROFILE)
    if unknown:
        raise KeyError(f"not auto profile fields: {sorted(unknown)}")
    return {**EXAMPLE_AUTO_PROFILE, **overrides}


def birth_date_for_age(age: int, today: date) -> str:
    """A birth date that makes the driver exactly `age` on `today` (birthday a week ago)."""
    a_week_ago = today - timedelta(days=7)
    try:
        return a_week_ago.replace(year=a_week_ago.year - age).isoformat()
    except ValueError:  # 29 February in a non-leap year
        return a_week_ago.replace(year=a_week_ago.year - age, day=28).isoformat()


def random_auto_profile(rng: random.Random, today: date) -> dict[str, Any]:
    """A plausible profile drawn from a rough picture of the US driving population."""
    age = int(rng.triangular(17, 86, 42))
    make, model, new_price = rng.choice(_VEHICLES)
    vehicle_age = rng.randint(0, 18)
    comprehensive = rng.random() < 0.75
    return {
        "zip_code": f"{rng.randint(501, 99950):05d}",
        "state": rng.choice(_SORTED_STATES),
        "driver_birth_date": (today - timedelta(days=age * 365 + rng.randint(0, 364))).isoformat(),
        "years_licensed": max(0, age - 16 - int(rng.expovariate(1 / 4))),
        "at_fault_accidents_5y": rng.choices([0, 1, 2, 3, 4], weights=[70, 18, 7, 4, 1])[0],
        "violations_5y": rng.choices([0, 1, 2, 3], weights=[65, 22, 9, 4])[0],
        "vehicle_year": today.year - vehicle_age,
        "vehicle_make": make,
        "vehicle_model": model,
        "vehicle_value": _depreciated_value(new_price, vehicle_age, rng),
        "annual_mileage": round(rng.triangular(2000, 30000, 11000) / 500) * 500,
        "vehicle_use": rng.choices(["commute", "pleasure", "business"], weights=[55, 35, 10])[0],
        "continuous_cover": rng.random() < 0.85,
        "liability_limits": rng.choices(LIABILITY_LIMITS, weights=[15, 30, 40, 15])[0],
        "comprehensive": comprehensive,
        "collision": rng.random() < (0.85 if comprehensive else 0.2),
        "deductible": rng.choices(["250", "500", "1000", "2000"], weights=[15, 45, 30, 10])[0],
    }


def _depreciated_value(new_price: int, vehicle_age: int, rng: random.Random) -> str:
    value = new_price * (0.86**vehicle_age) * rng.uniform(0.85, 1.15)
    return str(Decimal(max(1500, round(value / 50) * 50)).quantize(Decimal("0.01")))


_MORTGAGE_CREDIT_BANDS = ("760-850", "740-759", "700-719", "660-679")
_MORTGAGE_RATE_TYPES = ("fixed", "arm_7_6")


def random_mortgage_profile(rng: random.Random, today: date) -> dict[str, Any]:
    """A plausible conventional home buyer: a 15- or 30-year loan, fixed or 7/6 adjustable, 5–30%
    down, one of four credit bands, keeping the loan 3 to 30 years. `today` is unused (a mortgage
    profile has no dates) but kept so every line's generator is called the same way."""
    value = Decimal(rng.randrange(250_000, 800_001, 5_000))
    down = (value * Decimal(rng.randint(5, 30)) / 100).quantize(Decimal("1"))
    return {
        "state": rng.choice(_SORTED_STATES),
        "zip_code": f"{rng.randint(1001, 99950):05d}",
        "property_value": f"{value:.2f}",
        "down_payment": f"{down:.2f}",
        "loan_amount": f"{value - down:.2f}",
        "credit_score_band": rng.choice(_MORTGAGE_CREDIT_BANDS),
        "loan_type": "conventional",
        "term_years": rng.choice((15, 30)),
        "rate_type": rng.choice(_MORTGAGE_RATE_TYPES),
        "max_points": rng.choice(("0", "1", "2")),
        "occupancy": "primary",
        "years_expected": rng.randint(3, 30),
        "max_monthly_payment": None,
    }
