"""The auto-insurance profile form: grouped as a caller or shopper would speak, every field
checked with a message that says what to do."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app.products.auto_insurance.rules import (
    MALFORMED,
    OUT_OF_RANGE,
    REQUIRED,
    birth_date_problem,
    today,
    vehicle_year_problem,
    years_licensed_problem,
)
from app.products.auto_insurance.catalogue import makes, models, trims
from app.products.auto_insurance.household import DISCOUNTS, MAX_DRIVERS, MAX_VEHICLES, primary_driver, primary_vehicle
from app.products.auto_insurance.household_form import (
    car_number,
    check_groups,
    check_vin,
    fill_from_vin,
    group_names,
    household_fields,
    other_drivers,
    other_vehicles,
    value_or_estimate,
    vin_rows,
    without_estimated_values,
)
from app.products.auto_insurance.schemas import DEDUCTIBLES, LIABILITY_LIMITS, US_STATES
from app.products.auto_insurance.state_minimums import below_state_minimum
from app.products.auto_insurance.vin import normalise
from app.products.form_checks import refuse
from app.products.zip_codes import ZipAndState

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


class CollapsedGroup(NamedTuple):
    summary: str
    titles: tuple[str, ...]
    compact_only: bool = False
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
        ("Your car", ("vehicle_year", "vehicle_make", "vehicle_model", "vehicles-0-trim", "vehicles-0-vin",
                      "vehicle_value", "annual_mileage", "vehicle_use")),
        *((f"Driver {n}", group_names("drivers", n)) for n in range(2, MAX_DRIVERS + 1)),
        # Which car the primary driver drives matters only once there is a second one: it is asked there.
        ("Car 2", (*group_names("vehicles", 2), "drivers-0-vehicle")),
        *((f"Car {n}", group_names("vehicles", n)) for n in range(3, MAX_VEHICLES + 1)),
        ("The cover you want", ("liability_limits", "comprehensive", "collision", "deductible")),
        ("Extra cover", ("uninsured_motorist", "rental_reimbursement", "roadside_assistance")),
        ("Discounts", ("discounts",)),
        ("What matters most to you", ("preset",)),
    )
    # Optional sections, shown together under one collapsed summary, open once anything in them is
    # filled in or wrong (the shared form templates ask group_of for each section).
    groups = (
        CollapsedGroup("Other drivers (up to 5 more)", tuple(f"Driver {n}" for n in range(2, MAX_DRIVERS + 1))),
        CollapsedGroup("Other cars (up to 5 more)", tuple(f"Car {n}" for n in range(2, MAX_VEHICLES + 1))),
        # Shut only on the advisor's console, whose whole form fits one screen: an advisor asks when the caller says.
        CollapsedGroup("Extra cover and discounts", ("Extra cover", "Discounts"), compact_only=True),
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
        render_kw={"list": "vehicle-makes", "autocomplete": "off"},
        validators=[
            DataRequired(REQUIRED["vehicle_make"]),
            Length(1, 40, MALFORMED["vehicle_make"]),
        ],
    )
    vehicle_model = StringField(
        "Model",
        filters=[_strip],
        render_kw={"list": "vehicles-0-models", "autocomplete": "off"},
        validators=[
            DataRequired(REQUIRED["vehicle_model"]),
            Length(1, 60, MALFORMED["vehicle_model"]),
        ],
    )
    vehicle_value = DecimalField(
        "What the car is worth (USD)",
        places=2,
        description=("Roughly what you could sell it for today. Leave it blank and we use an estimate from the "
                     "model year (the methodology page says how)."),
        validators=[
            Optional(),
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

    def process(self, formdata: Any = None, *args: Any, **kwargs: Any) -> None:
        super().process(without_estimated_values(self.meta.wrap_formdata(self, formdata)), *args, **kwargs)

    def validate_liability_limits(self, field: SelectField) -> None:
        if field.data in LIABILITY_LIMITS:  # anything else is not one of the choices, and told so
            refuse(below_state_minimum(field.data, self.state.data))

    def validate(self, extra_validators: Any = None) -> bool:
        for vin, year, make in vin_rows(self):
            fill_from_vin(vin, year, make)
        valid = super().validate(extra_validators)
        vin_ok = check_vin(self["vehicles-0-vin"], self.vehicle_year.data, self.vehicle_make.data)
        return check_groups(self) and vin_ok and valid

    def datalists(self) -> list[tuple[str, list[str]]]:
        """Suggestions for the car fields (year → make → model → trim), from the vehicle list: the makes
        always, a car's models once its make is given, its trims once its model is; the form's script
        fills them as the shopper types (app/static/js/vehicle-picker.js)."""
        lists = [("vehicle-makes", makes())]
        for n in range(1, MAX_VEHICLES + 1):
            year, make, model = self._car(n)
            if make:
                lists.append((f"vehicles-{n - 1}-models", models(make, year)))
            if make and model:
                lists.append((f"vehicles-{n - 1}-trims", trims(make, model, year)))
        return lists

    def _car(self, n: int) -> tuple[int | None, str | None, str | None]:
        if n == 1:
            return self.vehicle_year.data, self.vehicle_make.data, self.vehicle_model.data
        key = f"vehicles-{n - 1}"
        return self[f"{key}-year"].data, self[f"{key}-make"].data, self[f"{key}-model"].data

    def group_of(self, title: str, compact: bool = False) -> dict[str, Any] | None:
        """The collapsed group a section is in (`compact`: on the advisor's console): its summary, first
        and last sections, whether it is open, and whether its answers are optional."""
        for group in self.groups:
            if title in group.titles and (compact or not group.compact_only):
                names = [name for section, names in self.sections if section in group.titles for name in names]
                return {"summary": group.summary, "first": group.titles[0], "last": group.titles[-1],
                        "optional": not group.compact_only,
                        "open": any(self[name].errors or (self[name].type != "SelectField" and self[name].raw_data
                                                         and str(self[name].raw_data[0]).strip()) for name in names)}
        return None

    def to_profile(self) -> dict[str, Any]:
        value, estimated = value_or_estimate(self.vehicle_value.data, self.vehicle_year.data)
        single = self._single(value)
        return {
            **single,
            "uninsured_motorist": self.uninsured_motorist.data == "yes",
            "rental_reimbursement": self.rental_reimbursement.data == "yes",
            "roadside_assistance": self.roadside_assistance.data == "yes",
            "discounts": [key for key, _ in DISCOUNTS if key in (self.discounts.data or [])],
            "drivers": [primary_driver(single, car_number(self, "drivers-0-vehicle")), *other_drivers(self)],
            "vehicles": [primary_vehicle(single, trim=self["vehicles-0-trim"].data or None,
                                         vin=normalise(self["vehicles-0-vin"].data or "") or None,
                                         value_estimated=estimated), *other_vehicles(self)],
        }

    def _single(self, value: str) -> dict[str, Any]:
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
            "vehicle_value": value,
            "annual_mileage": self.annual_mileage.data,
            "vehicle_use": self.vehicle_use.data,
            "continuous_cover": self.continuous_cover.data == "yes",
            "liability_limits": self.liability_limits.data,
            "comprehensive": self.comprehensive.data == "yes",
            "collision": self.collision.data == "yes",
            "deductible": self.deductible.data,
        }


for _name, _field in household_fields().items():
    setattr(AutoProfileForm, _name, _field)
