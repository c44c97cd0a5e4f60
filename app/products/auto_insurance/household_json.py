"""The household parts of a JSON profile (the API's): the extra covers, the discounts claimed, and
the `drivers` and `vehicles` arrays, each entry read field by field with the words the form uses,
each problem under its own JSON pointer ("/drivers/2/vehicle"). The arrays' first entries are the
primary driver and vehicle: they must agree with the single fields (which the API's request schema
requires, as protocol 1.0 did; a single field left out is taken from the first entry here, for a
caller of profile_from_json that has only the lists)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.products.auto_insurance.household import (
    DISCOUNTS,
    EXTRA_COVERS,
    MAX_DRIVERS,
    MAX_VEHICLES,
    PRIMARY_DRIVER,
    PRIMARY_VEHICLE,
    suggested_value,
)
from app.products.auto_insurance.rules import (
    DRIVER_REQUIRED,
    MALFORMED,
    OLDEST_MODEL_YEAR,
    OUT_OF_RANGE,
    VEHICLE_REQUIRED,
    driver_vehicle_problem,
    newest_model_year,
    other_driver_birth_problem,
    other_driver_years_problem,
    today,
    vehicle_year_range,
    vin_against_answers,
)
from app.products.auto_insurance.schemas import DRIVER_SCHEMA, VEHICLE_SCHEMA
from app.products.auto_insurance.vin import decode, normalise, vin_problem
from app.products.profile_json import ProfileReader, profile_validator

Problems = list[tuple[str, str]]
_driver_validator = profile_validator(DRIVER_SCHEMA)
_vehicle_validator = profile_validator(VEHICLE_SCHEMA)
VALUE_RANGE = (Decimal(500), Decimal(500000))
DISCOUNT_KEYS = {key for key, _ in DISCOUNTS}


def _entries(document: Mapping[str, Any], name: str, most: int, noun: str, problems: Problems) -> list[Any] | None:
    entries = document.get(name)
    if entries is None:
        return None
    if not isinstance(entries, list) or not entries:
        problems.append((f"/{name}", f"Give the {noun}s as a list of at least one."))
        return None
    if len(entries) > most:
        problems.append((f"/{name}", f"One policy covers at most {most} {noun}s; this lists {len(entries)}."))
        return None
    return entries


def with_primary_filled(document: Mapping[str, Any], problems: Problems) -> dict[str, Any]:
    """The document with any single driver/vehicle field it lacks taken from the arrays' first
    entries; one that disagrees with them is a problem (the first entries are the primary ones)."""
    filled = dict(document)
    for array, pairs in (("drivers", PRIMARY_DRIVER), ("vehicles", PRIMARY_VEHICLE)):
        entries = document.get(array)
        if not isinstance(entries, list) or not entries or not isinstance(entries[0], Mapping):
            continue
        for outer, inner in pairs:
            if inner not in entries[0]:
                continue
            if outer not in document:
                filled[outer] = entries[0][inner]
            elif document[outer] != entries[0][inner]:
                problems.append((f"/{array}/0/{inner}", f"The first entry is the primary one: this must be the same as {outer}."))
    return filled


def _estimated(entry: Mapping[str, Any], value: str, year: str) -> dict[str, Any] | None:
    """The entry with our estimate of the car's value when it gives none but a model year."""
    given_year = entry.get(year)
    if entry.get(value) not in (None, "") or not isinstance(given_year, int) or isinstance(given_year, bool):
        return None
    if not OLDEST_MODEL_YEAR <= given_year <= newest_model_year(today()):
        return None
    return {**entry, value: str(suggested_value(given_year, today()))}


def _with_estimate(entry: Any) -> Any:
    estimate = _estimated(entry, "value", "year") if isinstance(entry, Mapping) else None
    return entry if estimate is None else {**estimate, "value_estimated": True}


def with_values_estimated(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document with an estimated value for each car after the first that has none (as the
    form does; the primary car's `vehicle_value` is asked for, as protocol 1.0 always did)."""
    filled = dict(document)
    vehicles = document.get("vehicles")
    if isinstance(vehicles, list) and vehicles:
        filled["vehicles"] = [vehicles[0], *(_with_estimate(entry) for entry in vehicles[1:])]
    return filled


def read_choices(reader: ProfileReader, problems: Problems) -> dict[str, Any]:
    covers = {}
    for key, _ in EXTRA_COVERS:
        value = reader.document.get(key, False)
        covers[key] = value if isinstance(value, bool) else None
    claimed = reader.document.get("discounts", [])
    if not isinstance(claimed, list) or not all(isinstance(key, str) and key in DISCOUNT_KEYS for key in claimed):
        problems.append(("/discounts", "Discounts are a list of: " + ", ".join(key for key, _ in DISCOUNTS) + "."))
    elif len(set(claimed)) != len(claimed):
        problems.append(("/discounts", "Name each discount once."))
    return {**covers, "discounts": [key for key, _ in DISCOUNTS if isinstance(claimed, list) and key in claimed]}


def _read_entry(entry: Any, validator: Any, required: Mapping[str, str], where: str,
                problems: Problems) -> ProfileReader | None:
    if not isinstance(entry, Mapping):
        problems.append((where, "Each entry is an object."))
        return None
    return ProfileReader(entry, validator, required)


def _collect(reader: ProfileReader, where: str, problems: Problems) -> None:
    for name, message in reader.problems.items():
        problems.append((f"{where}/{name}", message))
    for name, message in reader.schema_refused.items():
        if name not in reader.problems:
            problems.append((f"{where}/{name}" if name else where, message))


def read_driver(entry: Any, number: int, vehicles: int, problems: Problems) -> dict[str, Any] | None:
    where = f"/drivers/{number - 1}"
    reader = _read_entry(entry, _driver_validator, DRIVER_REQUIRED, where, problems)
    if reader is None:
        return None
    day = today()
    birth = reader.day("birth_date", MALFORMED["driver_birth_date"])
    if birth is not None:
        reader.refuse("birth_date", other_driver_birth_problem(birth, day))
    counts = {name: reader.integer(name, 0, high, OUT_OF_RANGE[name])
              for name, high in (("years_licensed", 85), ("at_fault_accidents_5y", 20), ("violations_5y", 30))}
    if counts["years_licensed"] is not None:
        reader.refuse("years_licensed", other_driver_years_problem(counts["years_licensed"], birth, day))
    vehicle = reader.integer("vehicle", 1, MAX_VEHICLES, None)
    if vehicle is not None:
        reader.refuse("vehicle", driver_vehicle_problem(vehicle, vehicles))
    _collect(reader, where, problems)
    if reader.problems or reader.schema_refused or birth is None:
        return None
    return {"birth_date": birth.isoformat(), **counts, "vehicle": vehicle}


def read_vehicle(entry: Any, number: int, problems: Problems) -> dict[str, Any] | None:
    where = f"/vehicles/{number - 1}"
    reader = _read_entry(entry, _vehicle_validator, VEHICLE_REQUIRED, where, problems)
    if reader is None:
        return None
    day = today()
    year = reader.integer("year", OLDEST_MODEL_YEAR, newest_model_year(day), vehicle_year_range(day))
    make = reader.text("make", MALFORMED["vehicle_make"])
    model = reader.text("model", MALFORMED["vehicle_model"])
    trim = reader.text("trim", "The trim is at most 60 characters.")
    vin = _read_vin(reader, year, make)
    value = reader.amount("value", *VALUE_RANGE, OUT_OF_RANGE["vehicle_value"])
    mileage = reader.integer("annual_mileage", 0, 150000, OUT_OF_RANGE["annual_mileage"])
    use = reader.choice("use")
    estimated = reader.document.get("value_estimated", False)
    _collect(reader, where, problems)
    if reader.problems or reader.schema_refused or value is None:
        return None
    return {"year": year, "make": make, "model": model, "trim": trim or None, "vin": vin,
            "value": str(value.quantize(Decimal("0.01"))), "value_estimated": estimated is True,
            "annual_mileage": mileage, "use": use}


def _read_vin(reader: ProfileReader, year: int | None, make: str | None) -> str | None:
    raw = reader.document.get("vin")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str):
        return None
    vin = normalise(raw)
    reader.schema_refused.pop("vin", None)  # the rules below say what is wrong, in plain words
    problem = vin_problem(vin)
    if problem is None:
        decoded = decode(vin)
        problem = vin_against_answers(decoded.model_year, decoded.makes, year, make)
    reader.refuse("vin", problem)
    return vin


def read_household(document: Mapping[str, Any], problems: Problems) -> tuple[list[Any] | None, list[Any] | None]:
    """The drivers and vehicles as given (None: the document has no arrays), each entry read."""
    raw_vehicles = _entries(document, "vehicles", MAX_VEHICLES, "vehicle", problems)
    raw_drivers = _entries(document, "drivers", MAX_DRIVERS, "driver", problems)
    vehicles = None if raw_vehicles is None else [read_vehicle(entry, n, problems) for n, entry in enumerate(raw_vehicles, 1)]
    count = len(raw_vehicles) if raw_vehicles is not None else 1
    drivers = None if raw_drivers is None else [read_driver(entry, n, count, problems) for n, entry in enumerate(raw_drivers, 1)]
    _duplicate_vins(raw_vehicles or [], problems)
    return drivers, vehicles


def _duplicate_vins(vehicles: list[Any], problems: Problems) -> None:
    seen: dict[str, int] = {}
    for number, vehicle in enumerate(vehicles, 1):
        raw = vehicle.get("vin") if isinstance(vehicle, Mapping) else None
        vin = normalise(raw) if isinstance(raw, str) else ""
        if not vin:
            continue
        if vin in seen:
            problems.append((f"/vehicles/{number - 1}/vin",
                             f"Car {number} has the same VIN as car {seen[vin]}: each car is listed once."))
        seen.setdefault(vin, number)
