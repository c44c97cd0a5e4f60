"""The household parts of an auto profile as the sandbox insurers read them: every driver and car on
the policy, the discounts claimed and the extra covers wanted (Candor Quote Protocol 1.1 added
them; a 1.0 profile has none and is one driver in one car, read from its single fields)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

DISCOUNT_KEYS: tuple[str, ...] = ("multi_policy", "good_student", "telematics", "anti_theft", "paid_in_full")
EXTRA_KEYS: tuple[str, ...] = ("uninsured_motorist", "rental_reimbursement", "roadside_assistance")
MAX_ENTRIES = 6
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONEY_RE = re.compile(r"(0|[1-9]\d{0,8})(\.\d{1,2})?")
VEHICLE_USES: tuple[str, ...] = ("commute", "pleasure", "business")


@dataclass(frozen=True)
class Driver:
    birth_date: date
    years_licensed: int
    at_fault_accidents_5y: int
    violations_5y: int
    vehicle: int
    """The car (counting from 1) this driver usually drives."""


@dataclass(frozen=True)
class Vehicle:
    year: int
    value: Decimal
    annual_mileage: int
    use: str


@dataclass(frozen=True)
class Household:
    drivers: tuple[Driver, ...]
    vehicles: tuple[Vehicle, ...]
    discounts: frozenset[str]
    wanted: frozenset[str]
    """The extra covers the shopper asked for."""
    says_discounts: bool
    """The profile named its discounts (1.1): the reply says which it applied."""
    listed: bool = False
    """The profile listed its drivers or cars (1.1): the reply says how many it rated and covers."""


def _integer(raw: dict[str, Any], name: str, low: int, high: int, fail: Any) -> int:
    value = raw.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        fail(name, f"must be an integer between {low} and {high}")
        return low
    return value


def _driver(raw: Any, vehicles: int, fail: Any) -> Driver | None:
    if not isinstance(raw, dict):
        fail("", "must be an object")
        return None
    text = raw.get("birth_date")
    try:
        birth = date.fromisoformat(text) if isinstance(text, str) and _DATE_RE.fullmatch(text) else None
    except ValueError:
        birth = None
    if birth is None:
        fail("birth_date", "must be a real date as YYYY-MM-DD")
    driver = Driver(birth or date(2000, 1, 1), _integer(raw, "years_licensed", 0, 95, fail),
                    _integer(raw, "at_fault_accidents_5y", 0, 20, fail), _integer(raw, "violations_5y", 0, 50, fail),
                    _integer(raw, "vehicle", 1, vehicles, fail))
    return driver if birth else None


def _vehicle(raw: Any, today: date, fail: Any) -> Vehicle | None:
    if not isinstance(raw, dict):
        fail("", "must be an object")
        return None
    value = raw.get("value")
    if not isinstance(value, str) or not _MONEY_RE.fullmatch(value):
        fail("value", 'must be a decimal amount in USD such as "18500.00"')
        value = "0"
    use = raw.get("use")
    if use not in VEHICLE_USES:
        fail("use", "must be one of " + ", ".join(VEHICLE_USES))
        use = "commute"
    return Vehicle(_integer(raw, "year", 1950, today.year + 1, fail), Decimal(value),
                   _integer(raw, "annual_mileage", 0, 200_000, fail), str(use))


def _entries(raw: dict[str, Any], name: str, fail_at: Any) -> list[Any] | None:
    entries = raw.get(name)
    if entries is None:
        return None
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_ENTRIES:
        fail_at(f"/profile/{name}", f"must be a list of 1 to {MAX_ENTRIES} entries")
        return None
    return entries


def read_household(raw: dict[str, Any], primary_driver: Driver, primary_vehicle: Vehicle, today: date,
                   fail_at: Any) -> Household:
    """The household; `fail_at(pointer, detail)` hears of each bad field."""
    vehicles_raw = _entries(raw, "vehicles", fail_at) or []
    vehicles = [_vehicle(entry, today, lambda f, d, n=n: fail_at(f"/profile/vehicles/{n}/{f}".rstrip("/"), d))
                for n, entry in enumerate(vehicles_raw)]
    count = max(1, len(vehicles_raw))
    drivers_raw = _entries(raw, "drivers", fail_at) or []
    drivers = [_driver(entry, count, lambda f, d, n=n: fail_at(f"/profile/drivers/{n}/{f}".rstrip("/"), d))
               for n, entry in enumerate(drivers_raw)]
    claimed = raw.get("discounts", [])
    if not isinstance(claimed, list) or not all(key in DISCOUNT_KEYS for key in claimed):
        fail_at("/profile/discounts", "must be a list of: " + ", ".join(DISCOUNT_KEYS))
        claimed = []
    for key in EXTRA_KEYS:
        if not isinstance(raw.get(key, False), bool):
            fail_at(f"/profile/{key}", "must be true or false")
    first = drivers[0] if drivers else None
    primary = replace(primary_driver, vehicle=first.vehicle) if first else primary_driver
    return Household(
        drivers=(primary, *(d for d in drivers[1:] if d)),
        vehicles=(primary_vehicle, *(v for v in vehicles[1:] if v)),
        discounts=frozenset(claimed),
        wanted=frozenset(key for key in EXTRA_KEYS if raw.get(key) is True),
        says_discounts="discounts" in raw,
        listed="drivers" in raw or "vehicles" in raw,
    )
