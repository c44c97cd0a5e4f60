"""The auto-insurance profile read straight from JSON (the API's request), field by field, with the
form's words and the rules in rules.py: the same profile the form gives for the same answers."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.products.auto_insurance.household import primary_driver, primary_vehicle
from app.products.auto_insurance.household_json import (
    read_choices,
    read_household,
    with_primary_filled,
    with_values_estimated,
)
from app.products.auto_insurance.rules import (
    MALFORMED,
    OUT_OF_RANGE,
    OLDEST_MODEL_YEAR,
    REQUIRED,
    birth_date_problem,
    newest_model_year,
    today,
    vehicle_year_range,
    years_licensed_problem,
)
from app.products.auto_insurance.schemas import LIABILITY_LIMITS, PROFILE_SCHEMA, US_STATES
from app.products.auto_insurance.state_minimums import below_state_minimum
from app.products.profile_json import InvalidProfile, ProfileReader, profile_validator, read_place

_validator = profile_validator(PROFILE_SCHEMA)
VALUE_RANGE = (Decimal(500), Decimal(500000))


def _counts(reader: ProfileReader) -> dict[str, Any]:
    return {name: reader.integer(name, 0, high, OUT_OF_RANGE[name]) for name, high in
            (("years_licensed", 85), ("at_fault_accidents_5y", 20), ("violations_5y", 30), ("annual_mileage", 150000))}


def _vehicle(reader: ProfileReader) -> dict[str, Any]:
    day = today()
    return {
        "vehicle_year": reader.integer("vehicle_year", OLDEST_MODEL_YEAR, newest_model_year(day), vehicle_year_range(day)),
        "vehicle_make": reader.text("vehicle_make", MALFORMED["vehicle_make"]),
        "vehicle_model": reader.text("vehicle_model", MALFORMED["vehicle_model"]),
        "vehicle_value": reader.amount("vehicle_value", *VALUE_RANGE, OUT_OF_RANGE["vehicle_value"]),
    }


def _choices(reader: ProfileReader) -> dict[str, Any]:
    return {"vehicle_use": reader.choice("vehicle_use"), "continuous_cover": reader.boolean("continuous_cover"),
            "liability_limits": reader.choice("liability_limits"), "comprehensive": reader.boolean("comprehensive"),
            "collision": reader.boolean("collision"), "deductible": reader.choice("deductible")}


HOUSEHOLD_FIELDS = ("drivers", "vehicles", "discounts")


def profile_from_json(document: Mapping[str, Any]) -> dict[str, Any]:
    """The profile, or InvalidProfile naming each field that does not fit."""
    household_problems: list[tuple[str, str]] = []
    document = with_primary_filled(document, household_problems)
    document = with_values_estimated(document)
    reader = ProfileReader(document, _validator, REQUIRED)
    drivers, vehicles = read_household(document, household_problems)
    choices = read_choices(reader, household_problems)
    try:
        single = _single(reader)
    except InvalidProfile as invalid:
        schema_words = [(where, words) for where, words in invalid.schema_problems
                        if where.lstrip("/") not in HOUSEHOLD_FIELDS or not household_problems]
        raise InvalidProfile(invalid.problems + household_problems, schema_words) from None
    if household_problems:
        raise InvalidProfile(household_problems)
    return _household(single, drivers, vehicles, choices)


def _household(single: dict[str, Any], drivers: list[Any] | None, vehicles: list[Any] | None,
               choices: dict[str, Any]) -> dict[str, Any]:
    """The profile with its household arrays, the primary entries made from the single fields."""
    first_vehicle = (vehicles or [{}])[0]
    drivers = [primary_driver(single, (drivers or [{"vehicle": 1}])[0]["vehicle"]), *(drivers or [])[1:]]
    vehicles = [primary_vehicle(single, trim=first_vehicle.get("trim"), vin=first_vehicle.get("vin"),
                                value_estimated=first_vehicle.get("value_estimated", False)), *(vehicles or [])[1:]]
    return {**single, **choices, "drivers": drivers, "vehicles": vehicles}


def _single(reader: ProfileReader) -> dict[str, Any]:
    """The single driver, vehicle and cover fields (Candor Quote Protocol 1.0's profile)."""
    day = today()
    birth = reader.day("driver_birth_date", MALFORMED["driver_birth_date"])
    if birth is not None:
        reader.refuse("driver_birth_date", birth_date_problem(birth, day))
    counts = _counts(reader)
    if counts["years_licensed"] is not None:
        reader.refuse("years_licensed", years_licensed_problem(counts["years_licensed"], birth, day))
    place = read_place(reader, US_STATES, MALFORMED["zip_code"])
    vehicle, choices = _vehicle(reader), _choices(reader)
    if choices["liability_limits"] in LIABILITY_LIMITS:
        reader.refuse("liability_limits", below_state_minimum(choices["liability_limits"], place["state"]))
    return reader.checked(lambda: {
        **place,
        "driver_birth_date": birth.isoformat() if birth else None,
        "years_licensed": counts["years_licensed"],
        "at_fault_accidents_5y": counts["at_fault_accidents_5y"],
        "violations_5y": counts["violations_5y"],
        **vehicle,
        "vehicle_value": str(vehicle["vehicle_value"].quantize(Decimal("0.01"))),
        "annual_mileage": counts["annual_mileage"],
        "vehicle_use": choices["vehicle_use"],
        "continuous_cover": choices["continuous_cover"],
        "liability_limits": choices["liability_limits"],
        "comprehensive": choices["comprehensive"],
        "collision": choices["collision"],
        "deductible": choices["deductible"],
    })
