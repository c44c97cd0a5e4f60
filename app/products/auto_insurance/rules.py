"""The auto-insurance rules that tie a profile's answers together, on typed values: each answers
None when the answers fit, or what to change in words the shopper reads. The profile form and
profile_from_json (the JSON API) both ask these, so a rule is written once."""

from __future__ import annotations

from datetime import date, datetime, timezone

OLDEST_DRIVER_YEARS = 110
YOUNGEST_DRIVER_YEARS = 15
OLDEST_MODEL_YEAR = 1950


def today() -> date:
    return datetime.now(timezone.utc).date()


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birth_date_problem(birth: date, day: date) -> str | None:
    if birth >= day:
        return "Your date of birth must be in the past."
    age = age_on(birth, day)
    if age < YOUNGEST_DRIVER_YEARS:
        return f"Drivers must be at least {YOUNGEST_DRIVER_YEARS} years old."
    if age > OLDEST_DRIVER_YEARS:
        return "Check the year of your date of birth: that would make you over 110."
    return None


def years_licensed_problem(years: int, birth: date | None, day: date) -> str | None:
    """None too when the date of birth is missing or wrong: that field says what to change."""
    if birth is None or birth >= day:
        return None
    if years > max(0, age_on(birth, day) - YOUNGEST_DRIVER_YEARS + 1):
        return "That is more years than your age allows; check the number."
    return None


def newest_model_year(day: date) -> int:
    return day.year + 1


def vehicle_year_range(day: date) -> str:
    return f"The model year must be between {OLDEST_MODEL_YEAR} and {newest_model_year(day)}."


def vehicle_year_problem(year: int, day: date) -> str | None:
    return None if OLDEST_MODEL_YEAR <= year <= newest_model_year(day) else vehicle_year_range(day)


# What the form and the JSON API say when an answer is missing, or outside its range.
REQUIRED = {
    "driver_birth_date": "Enter your date of birth: the month, the day and the year.",
    "years_licensed": "Enter how many years you have held a driving licence (a whole number).",
    "at_fault_accidents_5y": "Enter the number of at-fault accidents (0 if none).",
    "violations_5y": "Enter the number of violations (0 if none).",
    "continuous_cover": "Say whether you have been insured without a break.",
    "zip_code": "Enter the 5-digit ZIP code where the car is kept.",
    "state": "Choose the state where the car is kept.",
    "vehicle_year": "Enter the car's model year, for example 2019.",
    "vehicle_make": "Enter the car's make, for example Toyota.",
    "vehicle_model": "Enter the car's model, for example Corolla.",
    "vehicle_value": "Enter roughly what the car is worth, in dollars, for example 16500.",
    "annual_mileage": "Enter about how many miles the car is driven a year.",
}
OUT_OF_RANGE = {
    "years_licensed": "Years licensed must be between 0 and 85.",
    "at_fault_accidents_5y": "At-fault accidents must be between 0 and 20.",
    "violations_5y": "Violations must be between 0 and 30.",
    "vehicle_value": "The car's value must be between $500 and $500,000.",
    "annual_mileage": "Annual mileage must be between 0 and 150,000.",
}
MALFORMED = {
    "zip_code": "A ZIP code is 5 digits, for example 94110.",
    "driver_birth_date": "Enter your date of birth as year-month-day, for example 1988-04-12.",
    "vehicle_make": "The make is at most 40 characters.",
    "vehicle_model": "The model is at most 60 characters.",
}
