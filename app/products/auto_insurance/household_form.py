"""The household part of the auto profile form: the car's trim and VIN, the other drivers and cars
(each an optional, collapsed group of fields named as WTForms names a list's entries, so
"drivers-1-birth_date" is the second driver's), the extra covers and the discounts. A group left
blank is no one; a group partly filled gets a message on each answer it lacks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import DateField, DecimalField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.products.auto_insurance.household import DISCOUNTS, MAX_DRIVERS, MAX_VEHICLES, suggested_value
from app.products.auto_insurance.rules import (
    DRIVER_REQUIRED,
    MALFORMED,
    OUT_OF_RANGE,
    VEHICLE_REQUIRED,
    other_driver_birth_problem,
    other_driver_years_problem,
    today,
    vehicle_year_problem,
    vin_against_answers,
)
from app.products.auto_insurance.vin import decode, normalise, vin_problem

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
USES = [SelectChoice("commute", "Commuting to work or school"), SelectChoice("pleasure", "Pleasure only"),
        SelectChoice("business", "Business")]
DRIVER_PARTS = ("birth_date", "years_licensed", "at_fault_accidents_5y", "violations_5y", "vehicle")
VEHICLE_PARTS = ("year", "make", "model", "trim", "vin", "value", "annual_mileage", "use")
# What a shopper types: a group with none of these filled is left out (its selects have defaults).
TYPED = {"birth_date", "years_licensed", "at_fault_accidents_5y", "violations_5y", "year", "make", "model",
         "trim", "vin", "value", "annual_mileage"}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def car_choices() -> list[SelectChoice]:
    return [SelectChoice(str(n), "Car 1 (the car above)" if n == 1 else f"Car {n}") for n in range(1, MAX_VEHICLES + 1)]


def vin_field(label: str) -> StringField:
    return StringField(label, filters=[_strip], validators=[Optional()],
                       description="Optional. 17 characters, on the windscreen or your registration card. "
                                   "We check it and read the model year and maker from it.",
                       render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters",
                                  "maxlength": 20})


def driver_fields(n: int) -> dict[str, Any]:
    who = f"Driver {n}"
    return {
        f"drivers-{n - 1}-birth_date": DateField(f"{who}: date of birth", validators=[Optional()],
                                                 invalid_value_message=MALFORMED["driver_birth_date"]),
        f"drivers-{n - 1}-years_licensed": IntegerField(f"{who}: years licensed", validators=[
            Optional(), NumberRange(0, 85, OUT_OF_RANGE["years_licensed"])]),
        f"drivers-{n - 1}-at_fault_accidents_5y": IntegerField(f"{who}: at-fault accidents, 5 years", validators=[
            Optional(), NumberRange(0, 20, OUT_OF_RANGE["at_fault_accidents_5y"])]),
        f"drivers-{n - 1}-violations_5y": IntegerField(f"{who}: violations, 5 years", validators=[
            Optional(), NumberRange(0, 30, OUT_OF_RANGE["violations_5y"])]),
        f"drivers-{n - 1}-vehicle": SelectField(f"{who}: car usually driven", choices=car_choices(), default="1"),
    }


def vehicle_fields(n: int) -> dict[str, Any]:
    car = f"Car {n}"
    key = f"vehicles-{n - 1}"
    return {
        f"{key}-year": IntegerField(f"{car}: model year", validators=[Optional()]),
        f"{key}-make": StringField(f"{car}: make", filters=[_strip], validators=[Optional(), Length(1, 40, MALFORMED["vehicle_make"])],
                                   render_kw={"list": "vehicle-makes", "autocomplete": "off"}),
        f"{key}-model": StringField(f"{car}: model", filters=[_strip], validators=[Optional(), Length(1, 60, MALFORMED["vehicle_model"])],
                                    render_kw={"list": f"{key}-models", "autocomplete": "off"}),
        f"{key}-trim": trim_field(f"{car}: trim", key),
        f"{key}-vin": vin_field(f"{car}: VIN"),
        f"{key}-value": DecimalField(f"{car}: value (USD)", places=2, validators=[
            Optional(), NumberRange(Decimal(500), Decimal(500000), OUT_OF_RANGE["vehicle_value"])],
            description="Optional: left blank, we estimate it from the model year.", render_kw={"inputmode": "decimal"}),
        f"{key}-annual_mileage": IntegerField(f"{car}: miles a year", validators=[
            Optional(), NumberRange(0, 150000, OUT_OF_RANGE["annual_mileage"])]),
        f"{key}-use": SelectField(f"{car}: main use", choices=USES, default="commute"),
    }


def trim_field(label: str, key: str) -> StringField:
    return StringField(label, filters=[_strip], validators=[Optional(), Length(1, 60, "The trim is at most 60 characters.")],
                       description="Optional, for example LE or EX-L.",
                       render_kw={"list": f"{key}-trims", "autocomplete": "off"})


def household_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {
        "drivers-0-vehicle": SelectField("The car you (driver 1) usually drive", choices=car_choices(), default="1"),
        "vehicles-0-trim": trim_field("Trim", "vehicles-0"),
        "vehicles-0-vin": vin_field("VIN"),
        "uninsured_motorist": SelectField("Uninsured-motorist cover?", choices=YES_NO, default="no",
                                          description="Pays for your injuries when a driver without insurance hits you."),
        "rental_reimbursement": SelectField("A rental car while yours is repaired?", choices=YES_NO, default="no"),
        "roadside_assistance": SelectField("Roadside assistance?", choices=YES_NO, default="no",
                                           description="Towing, a flat battery or tyre, a lock-out."),
        "discounts": SelectMultipleField("Discounts you can claim", choices=[SelectChoice(k, label) for k, label in DISCOUNTS],
                                         widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                         validate_choice=True,
                                         description=("Tick those that apply: you also insure a home or another policy with the insurer; "
                                                      "a driver under 25 with a B average or better; you let the insurer "
                                                      "measure how you drive; an anti-theft device is fitted; you pay the "
                                                      "whole term at once. Each insurer says which it gives.")),
    }
    for n in range(2, MAX_DRIVERS + 1):
        fields.update(driver_fields(n))
    for n in range(2, MAX_VEHICLES + 1):
        fields.update(vehicle_fields(n))
    return fields


def group_names(kind: str, n: int) -> tuple[str, ...]:
    parts = DRIVER_PARTS if kind == "drivers" else VEHICLE_PARTS
    return tuple(f"{kind}-{n - 1}-{part}" for part in parts)


def filled(form: Any, kind: str, n: int) -> bool:
    return any(form[name].raw_data and str(form[name].raw_data[0]).strip()
               for name in group_names(kind, n) if name.rsplit("-", 1)[1] in TYPED)


def cars(form: Any) -> list[int]:
    """The car groups filled in (car 1 always): a driver's car is one of them."""
    return [1] + [n for n in range(2, MAX_VEHICLES + 1) if filled(form, "vehicles", n)]


def car_problem(form: Any, name: str) -> str | None:
    if form[name].errors or not str(form[name].data or "1").isdigit():
        return None  # the choice's own check says what is wrong
    chosen = int(form[name].data or 1)
    return None if chosen in cars(form) else f"Car {chosen} is not filled in: choose a car you described, or describe car {chosen}."


def check_groups(form: Any) -> bool:
    """Adds a message to each answer a partly filled group lacks, and checks each driver's rules
    and car choice; True when nothing was added."""
    day = today()
    ok = True
    for n in range(2, MAX_DRIVERS + 1):
        if filled(form, "drivers", n):
            ok &= _check_driver(form, n, day)
    ok &= _refuse(form["drivers-0-vehicle"], car_problem(form, "drivers-0-vehicle"))
    for n in range(2, MAX_VEHICLES + 1):
        if filled(form, "vehicles", n):
            ok &= _check_vehicle(form, n, day)
    return ok


def _refuse(field: Any, problem: str | None) -> bool:
    if problem is None or field.errors:
        return problem is None
    field.errors = [*field.errors, problem]
    return False


def _required(form: Any, names: tuple[str, ...], words: dict[str, str]) -> bool:
    ok = True
    for name in names:
        part = name.rsplit("-", 1)[1]
        if part in words and form[name].data in (None, "") and not form[name].errors:
            ok &= _refuse(form[name], words[part])
    return ok


def _check_driver(form: Any, n: int, day: date) -> bool:
    key = f"drivers-{n - 1}"
    ok = _required(form, group_names("drivers", n), DRIVER_REQUIRED)
    birth = form[f"{key}-birth_date"].data
    if isinstance(birth, date):
        ok &= _refuse(form[f"{key}-birth_date"], other_driver_birth_problem(birth, day))
    years = form[f"{key}-years_licensed"].data
    if years is not None:
        ok &= _refuse(form[f"{key}-years_licensed"], other_driver_years_problem(years, birth if isinstance(birth, date) else None, day))
    return ok & _refuse(form[f"{key}-vehicle"], car_problem(form, f"{key}-vehicle"))


def _check_vehicle(form: Any, n: int, day: date) -> bool:
    key = f"vehicles-{n - 1}"
    words = {part: text for part, text in VEHICLE_REQUIRED.items() if part != "value"}
    ok = _required(form, group_names("vehicles", n), words)
    year = form[f"{key}-year"].data
    if year is not None:
        ok &= _refuse(form[f"{key}-year"], vehicle_year_problem(year, day))
    return ok & check_vin(form[f"{key}-vin"], year, form[f"{key}-make"].data)


def check_vin(field: Any, year: int | None, make: str | None) -> bool:
    if not field.data:
        return True
    vin = normalise(field.data)
    problem = vin_problem(vin)
    if problem is None:
        decoded = decode(vin)
        problem = vin_against_answers(decoded.model_year, decoded.makes, year, make)
    return _refuse(field, problem)


def fill_from_vin(vin: Any, year: Any, make: Any) -> None:
    """Without the page's script, a valid VIN still fills in a blank model year, and a blank make
    when its maker code names one make (what the script does as the VIN is typed)."""
    text = normalise(vin.data or "")
    if not text or vin_problem(text) is not None:
        return
    decoded = decode(text)
    if not (year.raw_data and str(year.raw_data[0]).strip()):
        year.data, year.raw_data, year.process_errors = decoded.model_year, [str(decoded.model_year)], []
    if len(decoded.makes) == 1 and not (make.raw_data and str(make.raw_data[0]).strip()):
        make.data, make.raw_data = decoded.makes[0], [decoded.makes[0]]


def vin_rows(form: Any) -> list[tuple[Any, Any, Any]]:
    """Each car's VIN, model year and make fields."""
    rows = [(form["vehicles-0-vin"], form["vehicle_year"], form["vehicle_make"])]
    return rows + [(form[f"vehicles-{n - 1}-vin"], form[f"vehicles-{n - 1}-year"], form[f"vehicles-{n - 1}-make"])
                   for n in range(2, MAX_VEHICLES + 1)]


def without_estimated_values(formdata: Any) -> Any:
    """Answers given again ("Change your answers" posts the logged profile's): a car's value that
    was our estimate is left blank, so it is estimated again and still said to be ours."""
    if formdata is None or not hasattr(formdata, "getlist"):
        return formdata
    estimated = [n for n in range(MAX_VEHICLES) if formdata.get(f"vehicles-{n}-value_estimated") == "yes"]
    if not estimated:
        return formdata
    data = MultiDict(formdata)
    for n in estimated:
        data.pop("vehicle_value" if n == 0 else f"vehicles-{n}-value", None)
    return data


def value_or_estimate(value: Decimal | None, year: int) -> tuple[str, bool]:
    if value is None:
        return str(suggested_value(year, today())), True
    return str(value.quantize(Decimal("0.01"))), False


def car_number(form: Any, name: str) -> int:
    """The car's number in the profile's list, which leaves out the car groups left blank."""
    return cars(form).index(int(form[name].data or 1)) + 1


def other_drivers(form: Any) -> list[dict[str, Any]]:
    return [{"birth_date": form[f"drivers-{n - 1}-birth_date"].data.isoformat(),
             **{part: form[f"drivers-{n - 1}-{part}"].data for part in ("years_licensed", "at_fault_accidents_5y", "violations_5y")},
             "vehicle": car_number(form, f"drivers-{n - 1}-vehicle")}
            for n in range(2, MAX_DRIVERS + 1) if filled(form, "drivers", n)]


def other_vehicles(form: Any) -> list[dict[str, Any]]:
    vehicles = []
    for n in range(2, MAX_VEHICLES + 1):
        if not filled(form, "vehicles", n):
            continue
        key = f"vehicles-{n - 1}"
        value, estimated = value_or_estimate(form[f"{key}-value"].data, form[f"{key}-year"].data)
        vehicles.append({"year": form[f"{key}-year"].data, "make": form[f"{key}-make"].data,
                         "model": form[f"{key}-model"].data, "trim": form[f"{key}-trim"].data or None,
                         "vin": normalise(form[f"{key}-vin"].data) or None, "value": value, "value_estimated": estimated,
                         "annual_mileage": form[f"{key}-annual_mileage"].data, "use": form[f"{key}-use"].data})
    return vehicles

