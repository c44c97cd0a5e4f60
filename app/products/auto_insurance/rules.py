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


# The same, for a driver or vehicle of the household beyond the primary one (the form's rows and the
# JSON API's `drivers` and `vehicles` entries).
DRIVER_REQUIRED = {
    "birth_date": "Enter this driver's date of birth.",
    "years_licensed": "Enter how many years this driver has held a licence.",
    "at_fault_accidents_5y": "Enter this driver's at-fault accidents (0 if none).",
    "violations_5y": "Enter this driver's violations (0 if none).",
    "vehicle": "Choose the car this driver usually drives.",
}
VEHICLE_REQUIRED = {
    "year": "Enter this car's model year, for example 2019.",
    "make": "Enter this car's make, for example Toyota.",
    "model": "Enter this car's model, for example Corolla.",
    "value": "Enter roughly what this car is worth, in dollars.",
    "annual_mileage": "Enter about how many miles this car is driven a year.",
    "use": "Choose what this car is mainly used for.",
}


def other_driver_birth_problem(birth: date, day: date) -> str | None:
    problem = birth_date_problem(birth, day)
    return problem and problem.replace("Your date of birth", "A date of birth").replace("make you", "make them")


def other_driver_years_problem(years: int, birth: date | None, day: date) -> str | None:
    problem = years_licensed_problem(years, birth, day)
    return problem and problem.replace("your age", "this driver's age")


def driver_vehicle_problem(vehicle: int, vehicles: int) -> str | None:
    if 1 <= vehicle <= vehicles:
        return None
    return (f"There is no car {vehicle}: the policy has {vehicles} "
            + ("car" if vehicles == 1 else "cars") + ". Choose one of them.")


def vin_against_answers(decoded_year: int, makes: tuple[str, ...], year: int | None, make: str | None) -> str | None:
    """A VIN that says another model year or maker than the answers beside it."""
    if year is not None and decoded_year != year:
        return f"This VIN is of a {decoded_year} model (position 10), not {year}: check the VIN or the model year."
    if make and makes and make.casefold() not in {name.casefold() for name in makes}:
        return (f"This VIN's maker code belongs to {' or '.join(makes)}, not {make}: "
                "check the VIN or the make.")
    return None
