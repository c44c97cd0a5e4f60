"""The household in the profile summary (results, the advisor's call, receipts): the other drivers
and cars, the extra covers asked for and the discounts claimed. A profile from before households
has none of these, and its summary is what it always was."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from app.formatting import plural
from app.money import format_money
from app.products.auto_insurance.household import describe_discounts, extras_wanted


def _car(number: int, vehicle: Mapping[str, Any]) -> str:
    name = " ".join(str(part) for part in (vehicle["year"], vehicle["make"], vehicle["model"], vehicle.get("trim")) if part)
    value = format_money(Decimal(vehicle["value"]), whole=True) + (" (our estimate)" if vehicle.get("value_estimated") else "")
    return f"car {number}: {name}, worth {value}, {vehicle['use']}, {vehicle['annual_mileage']:,} miles a year"


def _driver(number: int, driver: Mapping[str, Any]) -> str:
    return (f"driver {number}: born {date.fromisoformat(driver['birth_date']):%Y}, "
            f"licensed {plural(driver['years_licensed'], 'year')}, "
            f"{plural(driver['at_fault_accidents_5y'], 'at-fault accident')}, "
            f"{plural(driver['violations_5y'], 'violation')}, drives car {driver['vehicle']}")


def household_summary(profile: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    drivers = profile.get("drivers") or []
    vehicles = profile.get("vehicles") or []
    if len(drivers) > 1:
        rows.append(("Other drivers", "; ".join(_driver(n, d) for n, d in enumerate(drivers[1:], 2))))
    if len(vehicles) > 1:
        rows.append(("Other cars", "; ".join(_car(n, v) for n, v in enumerate(vehicles[1:], 2))))
    if vehicles and vehicles[0].get("value_estimated"):
        rows.append(("Car's value", "our estimate from the model year (you did not give one)"))
    if "discounts" in profile:
        rows.append(("Extra cover asked for", ", ".join(label for _, label in extras_wanted(profile)) or "none"))
        rows.append(("Discounts claimed", describe_discounts(profile["discounts"])))
    return rows
