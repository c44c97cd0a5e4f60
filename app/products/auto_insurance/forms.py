"""The auto-insurance profile form: grouped as a caller or shopper would speak, every field
checked with a message that says what to do."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from app.products.auto_insurance.rules import (
    MALFORMED,
    OUT_OF_RANGE,
    REQUIRED,
    birth_date_problem,
    today,
    vehicle_year_problem,
    years_licensed_problem,
)
from app.products.auto_insurance.schemas import DEDUCTIBLES, LIABILITY_LIMITS, US_STATES
from app.products.form_checks import refuse
from app.products.zip_codes import ZipAndState

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
PRESET_CHOICES = [
    SelectChoice("balanced", "Balanced: price first, cover and service count too"),
    SelectChoice("lowest_cost", "Lowest cost"),
    SelectChoice("best_cover", "Cover counts more"),
    SelectChoice("best_service", "Service counts more"),
]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


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
        validators=[InputRequired(REQUIRED["driver_birth_date"])],
        invalid_value_message=MALFORMED["driver_birth_date"],
        description=("Type it or pick it from the calendar. Insurers price by age; we never ask for your name "
                     "or contact details."),
        render_kw={"autocomplete": "bday"},
    )
    years_licensed = IntegerField(
        "Years you have held a licence",
        default=10,
        validators=[
            InputRequired(REQUIRED["years_licensed"]),
            NumberRange(0, 85, OUT_OF_RANGE["years_licensed"]),
        ],
    )
    at_fault_accidents_5y = IntegerField(
        "At-fault accidents in the last 5 years",
        default=0,
        validators=[
            InputRequired(REQUIRED["at_fault_accidents_5y"]),
            NumberRange(0, 20, OUT_OF_RANGE["at_fault_accidents_5y"]),
        ],
    )
    violations_5y = IntegerField(
        "Traffic violations in the last 5 years",
        default=0,
        description="Speeding tickets and other moving violations.",
        validators=[
            InputRequired(REQUIRED["violations_5y"]),
            NumberRange(0, 30, OUT_OF_RANGE["violations_5y"]),
        ],
    )
    continuous_cover = SelectField(
        "Insured without a break for the last 6 months?",
        choices=YES_NO,
        default="yes",
        validators=[InputRequired(REQUIRED["continuous_cover"])],
    )
    zip_code = StringField(
        "ZIP code where the car is kept",
        filters=[_strip],
        validators=[
            DataRequired(REQUIRED["zip_code"]),
            Regexp(r"^[0-9]{5}$", message=MALFORMED["zip_code"]),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 5},
    )
    state = SelectField(
        "State",
        choices=[SelectChoice("", "Choose a state")] + [SelectChoice(code) for code in US_STATES],
        description="Leave it and we fill it in from the ZIP code.",
        validators=[InputRequired(REQUIRED["state"])],
    )
    vehicle_year = IntegerField(
        "Model year",
        validators=[InputRequired(REQUIRED["vehicle_year"])],
    )
    vehicle_make = StringField(
        "Make",
        filters=[_strip],
        validators=[
            DataRequired(REQUIRED["vehicle_make"]),
            Length(1, 40, MALFORMED["vehicle_make"]),
        ],
    )
    vehicle_model = StringField(
        "Model",
        filters=[_strip],
        validators=[
            DataRequired(REQUIRED["vehicle_model"]),
            Length(1, 60, MALFORMED["vehicle_model"]),
        ],
    )
    vehicle_value = DecimalField(
        "What the car is worth (USD)",
        places=2,
        description="Roughly what you could sell it for today.",
        validators=[
            InputRequired(REQUIRED["vehicle_value"]),
            NumberRange(Decimal(500), Decimal(500000), OUT_OF_RANGE["vehicle_value"]),
        ],
        render_kw={"inputmode": "decimal"},
    )
    annual_mileage = IntegerField(
        "Miles driven a year",
        default=12000,
        validators=[
            InputRequired(REQUIRED["annual_mileage"]),
            NumberRange(0, 150000, OUT_OF_RANGE["annual_mileage"]),
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
        if field.data is not None:
            refuse(birth_date_problem(field.data, today()))

    def validate_years_licensed(self, field: IntegerField) -> None:
        birth = self.driver_birth_date.data
        if field.data is not None:
            refuse(years_licensed_problem(field.data, birth if isinstance(birth, date) else None, today()))

    def validate_vehicle_year(self, field: IntegerField) -> None:
        if field.data is not None:
            refuse(vehicle_year_problem(field.data, today()))

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
