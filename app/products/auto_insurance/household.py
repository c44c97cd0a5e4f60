"""A household on one policy: up to six drivers, each with the car they usually drive, and up to
six cars; the discounts the shopper claims; the extra covers they want. The profile's single
driver and vehicle fields stay (Candor Quote Protocol 1.0 providers read only them): they are the
primary driver and vehicle, always drivers[0] and vehicles[0] of the household arrays."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MAX_DRIVERS = 6
MAX_VEHICLES = 6
DISCOUNTS: tuple[tuple[str, str], ...] = (
    ("multi_policy", "Multi-policy"),
    ("good_student", "Good student (a driver under 25)"),
    ("telematics", "Telematics"),
    ("anti_theft", "Anti-theft device"),
    ("paid_in_full", "Paid in full"),
)
DISCOUNT_NAMES = {key: label.split(" (")[0].lower() for key, label in DISCOUNTS}
EXTRA_COVERS: tuple[tuple[str, str], ...] = (
    ("uninsured_motorist", "uninsured-motorist cover"),
    ("rental_reimbursement", "rental car cover"),
    ("roadside_assistance", "roadside assistance"),
)
# The primary driver and vehicle: (top-level field, field of drivers[0] / vehicles[0]).
PRIMARY_DRIVER = (("driver_birth_date", "birth_date"), ("years_licensed", "years_licensed"),
                  ("at_fault_accidents_5y", "at_fault_accidents_5y"), ("violations_5y", "violations_5y"))
PRIMARY_VEHICLE = (("vehicle_year", "year"), ("vehicle_make", "make"), ("vehicle_model", "model"),
                   ("vehicle_value", "value"), ("annual_mileage", "annual_mileage"), ("vehicle_use", "use"))

# A suggested value when the shopper gives none: an assumed $40,000 new, less 15% for each year of
# age, never under $2,000, to the $100 (published on the methodology page; marked as estimated).
SUGGESTED_NEW_VALUE = Decimal(40000)
SUGGESTED_YEARLY_LOSS = Decimal("0.15")
SUGGESTED_FLOOR = Decimal(2000)


def suggested_value(model_year: int, day: date) -> Decimal:
    age = max(0, day.year - model_year)
    value = SUGGESTED_NEW_VALUE * (1 - SUGGESTED_YEARLY_LOSS) ** age
    return max(SUGGESTED_FLOOR, (value / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 100).quantize(Decimal("0.01"))


def primary_driver(profile: Mapping[str, Any], vehicle: int = 1) -> dict[str, Any]:
    return {**{inner: profile[outer] for outer, inner in PRIMARY_DRIVER}, "vehicle": vehicle}


def primary_vehicle(profile: Mapping[str, Any], *, trim: str | None = None, vin: str | None = None,
                    value_estimated: bool = False) -> dict[str, Any]:
    entry = {inner: profile[outer] for outer, inner in PRIMARY_VEHICLE}
    return {"year": entry["year"], "make": entry["make"], "model": entry["model"], "trim": trim, "vin": vin,
            "value": entry["value"], "value_estimated": value_estimated,
            "annual_mileage": entry["annual_mileage"], "use": entry["use"]}


def household_counts(profile: Mapping[str, Any]) -> tuple[int, int]:
    """Drivers and vehicles on the policy (a profile from before households has one of each)."""
    return len(profile.get("drivers") or [None]), len(profile.get("vehicles") or [None])


def extras_wanted(profile: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(key, label) for key, label in EXTRA_COVERS if profile.get(key) is True]


def describe_discounts(keys: list[str] | tuple[str, ...]) -> str:
    return ", ".join(DISCOUNT_NAMES.get(key, key) for key in keys) if keys else "none"
