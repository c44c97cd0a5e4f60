"""The auto-insurance profile form: grouped as a caller or shopper would speak, every field
checked with a message that says what to do."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp, ValidationError

from app.products.auto_insurance.schemas import DEDUCTIBLES, LIABILITY_LIMITS, US_STATES
from app.products.zip_codes import ZipAndState

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
PRESET_CHOICES = [
    SelectChoice("balanced", "Balanced: price first, cover and service count too"),
    SelectChoice("lowest_cost", "Lowest cost"),
    SelectChoice("best_cover", "Cover counts more"),
    SelectChoice("best_service", "Service counts more"),
]
OLDEST_DRIVER_YEARS = 110
YOUNGEST_DRIVER_YEARS = 15


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _today() -> date:
    return datetime.now(timezone.utc).date()


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class AutoProfileForm(ZipAndState, FlaskForm):
    sections = (
        ("You", ("driver_birth_date", "years_licensed", "at_fault_accidents_5y", "violations_5y",
                 "continuous_cover", "zip_code", "state")),
        ("Your car", ("vehicle_year", "vehicle_make", "vehicle_model", "vehicle_value",
                      "annual_mileage", "vehicle_use")),
        ("The cover you want", ("liability_limits", "comprehensive", "collision", "deductible")),
        ("What matters most to you", ("preset",)),
    )

    # A date input: the browser shows the date in the shopper's own order (month, day, year in the
    # US) and sends it as year-month-day, so only a browser without one makes anyone type that.
    driver_birth_date = DateField(
        "Date of birth",
        validators=[InputRequired("Enter your date of birth: the month, the day and the year.")],
        invalid_value_message="Enter your date of birth as year-month-day, for example 1988-04-12.",
        description=("Type it or pick it from the calendar. Insurers price by age; we never ask for your name "
                     "or contact details."),
        render_kw={"autocomplete": "bday"},
    )
    years_licensed = IntegerField(
        "Years you have held a licence",
        default=10,
        validators=[
            InputRequired("Enter how many years you have held a driving licence (a whole number)."),
            NumberRange(0, 85, "Years licensed must be between 0 and 85."),
        ],
    )
    at_fault_accidents_5y = IntegerField(
        "At-fault accidents in the last 5 years",
        default=0,
        validators=[
            InputRequired("Enter the number of at-fault accidents (0 if none)."),
            NumberRange(0, 20, "At-fault accidents must be between 0 and 20."),
        ],
    )
    violations_5y = IntegerField(
        "Traffic violations in the last 5 years",
        default=0,
        description="Speeding tickets and other moving violations.",
        validators=[
            InputRequired("Enter the number of violations (0 if none)."),
            NumberRange(0, 30, "Violations must be between 0 and 30."),
        ],
    )
    continuous_cover = SelectField(
        "Insured without a break for the last 6 months?",
        choices=YES_NO,
        default="yes",
        validators=[InputRequired("Say whether you have been insured without a break.")],
    )
    zip_code = StringField(
        "ZIP code where the car is kept",
        filters=[_strip],
        validators=[
            DataRequired("Enter the 5-digit ZIP code where the car is kept."),
            Regexp(r"^[0-9]{5}$", message="A ZIP code is 5 digits, for example 94110."),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 5},
    )
    state = SelectField(
        "State",
        choices=[SelectChoice("", "Choose a state")] + [SelectChoice(code) for code in US_STATES],
        description="Leave it and we fill it in from the ZIP code.",
        validators=[InputRequired("Choose the state where the car is kept.")],
    )
    vehicle_year = IntegerField(
        "Model year",
        validators=[InputRequired("Enter the car's model year, for example 2019.")],
    )
    vehicle_make = StringField(
        "Make",
        filters=[_strip],
        validators=[
            DataRequired("Enter the car's make, for example Toyota."),
            Length(1, 40, "The make is at most 40 characters."),
        ],
    )
    vehicle_model = StringField(
        "Model",
        filters=[_strip],
        validators=[
            DataRequired("Enter the car's model, for example Corolla."),
            Length(1, 60, "The model is at most 60 characters."),
        ],
    )
    vehicle_value = DecimalField(
        "What the car is worth (USD)",
        places=2,
        description="Roughly what you could sell it for today.",
        validators=[
            InputRequired("Enter roughly what the car is worth, in dollars, for example 16500."),
            NumberRange(Decimal(500), Decimal(500000), "The car's value must be between $500 and $500,000."),
        ],
        render_kw={"inputmode": "decimal"},
    )
    annual_mileage = IntegerField(
        "Miles driven a year",
        default=12000,
        validators=[
            InputRequired("Enter about how many miles the car is driven a year."),
            NumberRange(0, 150000, "Annual mileage must be between 0 and 150,000."),
        ],
    )
    vehicle_use = SelectField(
        "Main use",
        choices=[SelectChoice("commute", "Commuting to work or school"), SelectChoice("pleasure", "Pleasure only"),
                 SelectChoice("business", "Business")],
        default="commute",
    )
    liability_limits = SelectField(
        "Liability limits",
        choices=[SelectChoice(limits, f"{limits} (thousands of dollars)") for limits in LIABILITY_LIMITS],
        default="100/300/100",
        description=(
            "What the insurer pays others if you cause an accident: 100/300/100 means up to "
            "$100,000 per injured person, $300,000 per accident for injuries and $100,000 for "
            "property damage. Offers with lower limits than you choose are not ranked."
        ),
    )
    comprehensive = SelectField(
        "Comprehensive cover (theft, fire, weather)?",
        choices=YES_NO,
        default="yes",
    )
    collision = SelectField(
        "Collision cover (damage to your own car in a crash)?",
        choices=YES_NO,
        default="yes",
    )
    deductible = SelectField(
        "Deductible",
        choices=[SelectChoice(amount, f"${int(amount):,}") for amount in DEDUCTIBLES],
        default="500",
        description=(
            "What you pay yourself on each comprehensive or collision claim before the insurer "
            "pays. A higher deductible lowers the premium. Offers with a higher deductible than "
            "you choose are not ranked."
        ),
    )
    preset = SelectField("What matters most to you", choices=PRESET_CHOICES, default="balanced")

    def validate_driver_birth_date(self, field: DateField) -> None:
        if field.data is None:
            return
        today = _today()
        if field.data >= today:
            raise ValidationError("Your date of birth must be in the past.")
        age = _age_on(field.data, today)
        if age < YOUNGEST_DRIVER_YEARS:
            raise ValidationError(f"Drivers must be at least {YOUNGEST_DRIVER_YEARS} years old.")
        if age > OLDEST_DRIVER_YEARS:
            raise ValidationError("Check the year of your date of birth: that would make you over 110.")

    def validate_years_licensed(self, field: IntegerField) -> None:
        birth = self.driver_birth_date.data
        if field.data is None or not isinstance(birth, date) or birth >= _today():
            return
        if field.data > max(0, _age_on(birth, _today()) - YOUNGEST_DRIVER_YEARS + 1):
            raise ValidationError("That is more years than your age allows; check the number.")

    def validate_vehicle_year(self, field: IntegerField) -> None:
        if field.data is None:
            return
        newest = _today().year + 1
        if not 1950 <= field.data <= newest:
            raise ValidationError(f"The model year must be between 1950 and {newest}.")

    def to_profile(self) -> dict[str, Any]:
        return {
            "zip_code": self.zip_code.data,
            "state": self.state.data,
            "driver_birth_date": self.driver_birth_date.data.isoformat(),
            "years_licensed": self.years_licensed.data,
            "at_fault_accidents_5y": self.at_fault_accidents_5y.data,
            "violations_5y": self.violations_5y.data,
            "vehicle_year": self.vehicle_year.data,
            "vehicle_make": self.vehicle_make.data,
            "vehicle_model": self.vehicle_model.data,
            "vehicle_value": str(self.vehicle_value.data.quantize(Decimal("0.01"))),
            "annual_mileage": self.annual_mileage.data,
            "vehicle_use": self.vehicle_use.data,
            "continuous_cover": self.continuous_cover.data == "yes",
            "liability_limits": self.liability_limits.data,
            "comprehensive": self.comprehensive.data == "yes",
            "collision": self.collision.data == "yes",
            "deductible": self.deductible.data,
        }
