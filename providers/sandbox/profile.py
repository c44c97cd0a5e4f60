"""The auto profile as the sandbox insurers read it: parsing and validation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from providers.us_states import US_STATES

from .household import Driver, Household, Vehicle, read_household

ZipBand = Literal["urban", "suburban", "rural"]

US_STATE_CODES: frozenset[str] = frozenset(US_STATES)
VEHICLE_USES: tuple[str, ...] = ("commute", "pleasure", "business")
LIABILITY_LIMITS: tuple[str, ...] = ("25/50/25", "50/100/50", "100/300/100", "250/500/250")
DEDUCTIBLES: tuple[str, ...] = ("250", "500", "1000", "2000")

MIN_DRIVER_AGE = 14
MAX_DRIVER_AGE = 110
OLDEST_VEHICLE_YEAR = 1950

_ZIP_RE = re.compile(r"\d{5}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Candor's own schema allows 0 (e.g. a car not worth insuring for damage), so the sandbox does too.
_MONEY_RE = re.compile(r"(0|[1-9]\d{0,8})(\.\d{1,2})?")


@dataclass(frozen=True)
class FieldError:
    """One invalid field, named by its JSON pointer into the request body."""

    pointer: str
    detail: str


class ProfileError(ValueError):
    """The request body is not a valid quote request; carries every field error."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.pointer}: {e.detail}" if e.pointer else e.detail for e in errors))


@dataclass(frozen=True)
class AutoProfile:
    zip_code: str
    state: str
    driver_birth_date: date
    years_licensed: int
    at_fault_accidents_5y: int
    violations_5y: int
    vehicle_year: int
    vehicle_make: str
    vehicle_model: str
    vehicle_value: Decimal
    annual_mileage: int
    vehicle_use: str
    continuous_cover: bool
    liability_limits: str
    comprehensive: bool
    collision: bool
    deductible: int
    quoted_on: date
    """The (UTC) day the quote is made; ages are measured on it."""
    household: Household | None = None
    """Every driver and car on the policy; None: this one driver in this one car."""

    @property
    def drivers(self) -> tuple[Driver, ...]:
        return self.household.drivers if self.household else (self.primary_driver,)

    @property
    def vehicles(self) -> tuple[Vehicle, ...]:
        return self.household.vehicles if self.household else (self.primary_vehicle,)

    @property
    def primary_driver(self) -> Driver:
        return Driver(self.driver_birth_date, self.years_licensed, self.at_fault_accidents_5y, self.violations_5y, 1)

    @property
    def primary_vehicle(self) -> Vehicle:
        return Vehicle(self.vehicle_year, self.vehicle_value, self.annual_mileage, self.vehicle_use)

    @property
    def youngest_driver_age(self) -> int:
        return min(age_on(driver.birth_date, self.quoted_on) for driver in self.drivers)

    @property
    def most_accidents(self) -> int:
        return max(driver.at_fault_accidents_5y for driver in self.drivers)

    @property
    def driver_age(self) -> int:
        return age_on(self.driver_birth_date, self.quoted_on)

    @property
    def vehicle_age(self) -> int:
        # Next year's model is on sale before the year starts; treat it as new.
        return max(0, self.quoted_on.year - self.vehicle_year)

    @property
    def zip_band(self) -> ZipBand:
        return zip_band(self.zip_code)


def age_on(birth_date: date, day: date) -> int:
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def zip_band(zip_code: str) -> ZipBand:
    """A stand-in for real rating territories: the 3-digit ZIP prefix, bucketed.

    Deterministic and documented so tests can pick a ZIP in a known band:
    prefix % 10 in 0-2 is urban, 3-6 suburban, 7-9 rural ("94110" is urban,
    "60614" suburban, "59901" rural).
    """
    bucket = int(zip_code[:3]) % 10
    if bucket <= 2:
        return "urban"
    if bucket <= 6:
        return "suburban"
    return "rural"


class _FieldReader:
    """Reads typed fields out of the raw profile, collecting every error instead of stopping at the first."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.errors: list[FieldError] = []

    def fail(self, name: str, detail: str) -> None:
        self.errors.append(FieldError(f"/profile/{name}", detail))

    def fail_at(self, pointer: str, detail: str) -> None:
        self.errors.append(FieldError(pointer, detail))

    def present(self, name: str) -> bool:
        if name not in self.raw or self.raw[name] is None:
            self.fail(name, "is required")
            return False
        return True

    def string(self, name: str, *, max_length: int = 100) -> str:
        if not self.present(name):
            return ""
        value = self.raw[name]
        if not isinstance(value, str) or not value.strip():
            self.fail(name, "must be a non-empty string")
            return ""
        if len(value) > max_length:
            self.fail(name, f"must be at most {max_length} characters")
            return ""
        return value.strip()

    def matching(self, name: str, pattern: re.Pattern[str], description: str) -> str:
        if not self.present(name):
            return ""
        value = self.raw[name]
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.fail(name, f"must be {description}")
            return ""
        return value

    def choice(self, name: str, choices: tuple[str, ...] | frozenset[str], description: str) -> str:
        if not self.present(name):
            return ""
        value = self.raw[name]
        if not isinstance(value, str) or value not in choices:
            self.fail(name, f"must be {description}")
            return ""
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        if not self.present(name):
            return 0
        value = self.raw[name]
        # bool is an int subclass; true/false are not counts.
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(name, "must be an integer")
            return 0
        if not low <= value <= high:
            self.fail(name, f"must be between {low} and {high}")
            return 0
        return value

    def boolean(self, name: str) -> bool:
        if not self.present(name):
            return False
        value = self.raw[name]
        if not isinstance(value, bool):
            self.fail(name, "must be true or false")
            return False
        return value


def parse_auto_profile(raw: Any, today: date) -> AutoProfile:
    """Validate a protocol `profile` object; raise ProfileError listing every bad field."""
    if not isinstance(raw, dict):
        raise ProfileError([FieldError("/profile", "must be an object")])
    read = _FieldReader(raw)
    zip_code = read.matching("zip_code", _ZIP_RE, "a 5-digit ZIP code")
    state = read.choice("state", US_STATE_CODES, "a 2-letter US state code")
    birth_date = _read_birth_date(read, today)
    driver_age = age_on(birth_date, today) if birth_date else MAX_DRIVER_AGE
    years_licensed = read.integer("years_licensed", 0, driver_age)
    accidents = read.integer("at_fault_accidents_5y", 0, 20)
    violations = read.integer("violations_5y", 0, 50)
    vehicle_year = read.integer("vehicle_year", OLDEST_VEHICLE_YEAR, today.year + 1)
    make = read.string("vehicle_make")
    model = read.string("vehicle_model")
    vehicle_value = _read_vehicle_value(read)
    mileage = read.integer("annual_mileage", 0, 200_000)
    use = read.choice("vehicle_use", VEHICLE_USES, "one of " + ", ".join(VEHICLE_USES))
    continuous_cover = read.boolean("continuous_cover")
    limits = read.choice("liability_limits", LIABILITY_LIMITS, "one of " + ", ".join(LIABILITY_LIMITS))
    comprehensive, collision = read.boolean("comprehensive"), read.boolean("collision")
    deductible = read.choice("deductible", DEDUCTIBLES, "one of " + ", ".join(DEDUCTIBLES))
    if read.errors:
        raise ProfileError(read.errors)
    assert birth_date is not None and vehicle_value is not None
    household = read_household(raw, Driver(birth_date, years_licensed, accidents, violations, 1),
                               Vehicle(vehicle_year, vehicle_value, mileage, use), today, read.fail_at)
    if read.errors:
        raise ProfileError(read.errors)
    return AutoProfile(
        zip_code=zip_code,
        state=state,
        driver_birth_date=birth_date,
        years_licensed=years_licensed,
        at_fault_accidents_5y=accidents,
        violations_5y=violations,
        vehicle_year=vehicle_year,
        vehicle_make=make,
        vehicle_model=model,
        vehicle_value=vehicle_value,
        annual_mileage=mileage,
        vehicle_use=use,
        continuous_cover=continuous_cover,
        liability_limits=limits,
        comprehensive=comprehensive,
        collision=collision,
        deductible=int(deductible),
        quoted_on=today,
        household=household,
    )


def _read_birth_date(read: _FieldReader, today: date) -> date | None:
    text = read.matching("driver_birth_date", _DATE_RE, "a date as YYYY-MM-DD")
    if not text:
        return None
    try:
        birth_date = date.fromisoformat(text)
    except ValueError:
        read.fail("driver_birth_date", "must be a real calendar date")
        return None
    if not MIN_DRIVER_AGE <= age_on(birth_date, today) <= MAX_DRIVER_AGE:
        read.fail("driver_birth_date", f"driver must be between {MIN_DRIVER_AGE} and {MAX_DRIVER_AGE} years old")
        return None
    return birth_date


def _read_vehicle_value(read: _FieldReader) -> Decimal | None:
    text = read.matching("vehicle_value", _MONEY_RE, 'a decimal amount in USD such as "18500.00"')
    return Decimal(text) if text else None
