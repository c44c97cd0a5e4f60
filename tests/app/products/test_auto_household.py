"""The auto line's household: VINs read as 49 CFR 565 says, the state minimums, the vehicle list,
the form's optional drivers and cars checked field by field, extra covers compared like for like,
the discounts said beside each price, and profiles from before households unchanged."""

from __future__ import annotations

import copy

import pytest
from flask import Flask

from app.products.auto_insurance import AutoInsurance
from app.products.auto_insurance.catalogue import makes, models, trims
from app.products.auto_insurance.schemas import PROFILE_SCHEMA
from app.products.auto_insurance.state_minimums import STATE_MINIMUMS, below_state_minimum
from app.products.auto_insurance.vin import check_digit, decode, model_year, vin_problem, wmi_of
from app.products.prefill import form_data
from providers.us_states import US_STATES
from tests.factories import auto_form, auto_profile, auto_terms

line = AutoInsurance()
HOUSEHOLD = PROFILE_SCHEMA["examples"][1]


# --- VINs --------------------------------------------------------------------------------------------

def test_the_check_digit_is_49_cfr_565s():
    assert check_digit("1M8GDM9AXKP042788") == "X"  # the worked example of 49 CFR 565.15(c)
    assert vin_problem("1M8GDM9AXKP042788") is None
    assert "check digit" in vin_problem("1M8GDM9A1KP042788")


@pytest.mark.parametrize(("vin", "problem"), [
    ("1HGCM8263", "17 characters"), ("1HGCM82633A00435O", "never contains I, O or Q"),
    ("1HGCM8263UA004352", "Position 10"),
])
def test_a_malformed_vin_is_told_what_is_wrong(vin, problem):
    assert problem in vin_problem(vin)


def test_the_model_year_and_maker_come_from_positions_10_7_and_1_to_3():
    decoded = decode("1HGCM82633A004352")
    assert (decoded.model_year, decoded.makes) == (2003, ("Honda",))
    assert model_year("2T1BU4EEXCC123453") == 2012  # a letter in position 7: the 2010-2039 cycle
    assert wmi_of("1H9AB12345C678901") == "1H9678"  # a small maker's WMI takes positions 12-14
    assert "does not tell the model or trim" in decoded.summary()


# --- state minimums, vehicle list ----------------------------------------------------------------------

def test_every_state_and_dc_has_a_minimum():
    assert set(STATE_MINIMUMS) == set(US_STATES)
    assert below_state_minimum("25/50/25", "TX") == "Texas requires at least 30/60/25: choose those limits or higher."
    assert below_state_minimum("50/100/50", "TX") is None
    assert below_state_minimum("25/50/25", "AZ") is None
    assert all(below_state_minimum("50/100/50", state) is None for state in US_STATES)  # the form's 2nd choice fits all


def test_the_vehicle_list_goes_year_make_model_trim():
    assert {"Honda", "Toyota", "Ford"} <= set(makes(2019))
    assert "Civic" in models("honda", 2019) and "Civic" not in models("Honda", 1999)
    assert "EX" in trims("Honda", "Civic", 2019)


# --- the form ------------------------------------------------------------------------------------------

def _form(data):  # type: ignore[no-untyped-def]
    with Flask(__name__).test_request_context():
        form = line.profile_form(formdata=data, meta={"csrf": False})
        valid = form.validate()
        return form, valid, (line.profile_from_form(form) if valid else None)


def test_the_form_reads_the_household_as_the_api_does():
    form, valid, profile = _form(form_data(HOUSEHOLD))
    assert valid, form.errors
    expected = line.profile_from_json(HOUSEHOLD)
    # The second car's value was our estimate: given again, it is estimated again (today's, from its year).
    assert profile["vehicles"][1].pop("value") and expected["vehicles"][1].pop("value")
    assert profile == expected


def test_a_partly_filled_driver_or_car_is_told_field_by_field():
    data = form_data(HOUSEHOLD)
    data["drivers-3-years_licensed"] = "2"
    data["drivers-2-vehicle"] = "4"
    data["vehicles-1-vin"] = "2T1BU4EE6CC123453"
    data["vehicles-2-make"] = "Ford"
    form, valid, _ = _form(data)
    assert not valid
    assert form.errors["drivers-3-birth_date"] == ["Enter this driver's date of birth."]
    assert form.errors["drivers-2-vehicle"][0].startswith("Car 4 is not filled in")
    assert "check digit" in form.errors["vehicles-1-vin"][0]
    assert form.errors["vehicles-2-year"] == ["Enter this car's model year, for example 2019."]
    assert form.errors["vehicles-2-model"] == ["Enter this car's model, for example Corolla."]
    assert "vehicles-3-year" not in form.errors  # a group left blank is no one


def test_without_the_pages_script_a_vin_still_fills_in_the_year_and_make():
    form, valid, profile = _form(form_data({**auto_form(), "vehicle_year": "", "vehicle_make": "",
                                            "vehicles-0-vin": "1hgcm82633a004352", "vehicle_model": "Accord"}))
    assert valid, form.errors
    assert (profile["vehicle_year"], profile["vehicle_make"], profile["vehicles"][0]["vin"]) == (2003, "Honda", "1HGCM82633A004352")


def test_a_blank_value_is_estimated_and_said_so():
    form, valid, profile = _form(form_data({**auto_form(), "vehicle_value": ""}))
    assert valid, form.errors
    assert profile["vehicles"][0]["value_estimated"] is True
    assert profile["vehicle_value"].endswith("00.00")  # to the $100
    assert ("Car's value", "our estimate from the model year (you did not give one)") in line.summarise_profile(profile)


def test_limits_under_the_states_minimum_are_refused_next_to_the_field():
    form, valid, _ = _form(form_data({**auto_form(), "zip_code": "75201", "state": "TX", "liability_limits": "25/50/25"}))
    assert form.errors["liability_limits"] == ["Texas requires at least 30/60/25: choose those limits or higher."]


# --- comparing -------------------------------------------------------------------------------------------

def assess(terms, profile):  # type: ignore[no-untyped-def]
    return line.assess(line.parse_terms(terms), profile)


def test_an_offer_without_a_chosen_extra_cover_is_excluded_with_the_reason():
    profile = {**copy.deepcopy(HOUSEHOLD), "liability_limits": "100/300/100", "deductible": "500"}
    assessment = assess(auto_terms(rental_reimbursement=False), profile)
    assert assessment.exclusion == "It does not include rental car cover, which you asked for."
    assert assess(auto_terms(roadside_assistance=False), profile).exclusion is None  # not asked for


def test_a_household_offer_must_say_it_rates_every_driver_and_covers_every_car():
    terms = {key: value for key, value in auto_terms(liability_limits="250/500/250").items() if key != "vehicles_covered"}
    assert assess(terms, HOUSEHOLD).exclusion == (
        "It does not say it rates all 3 drivers and covers all 2 cars on your policy, so its price may be for fewer.")
    assert assess(auto_terms(liability_limits="250/500/250", drivers_rated=2), HOUSEHOLD).exclusion is not None
    assert assess(auto_terms(liability_limits="250/500/250"), HOUSEHOLD).exclusion is None


def test_the_discounts_applied_are_said_beside_the_price():
    assert assess(auto_terms(liability_limits="250/500/250"), HOUSEHOLD).facts["term"] == "$1,212.50 for 12 months; discounts applied: multi-policy"
    terms = {key: value for key, value in auto_terms().items() if key != "discounts_applied"}
    assert assess(terms, HOUSEHOLD).facts["term"].endswith("it did not say which discounts it applied")


def test_a_profile_from_before_households_is_assessed_as_before():
    terms = {key: value for key, value in auto_terms(rental_reimbursement=False).items()
             if key not in ("discounts_applied", "drivers_rated", "vehicles_covered")}
    assessment = assess(terms, auto_profile())
    assert assessment.exclusion is None
    assert assessment.facts["term"] == "$1,212.50 for 12 months"
    assert [label for label, _ in line.summarise_profile(auto_profile())] == [
        "Driver", "Record (5 years)", "Car", "Use", "Where", "Cover asked for"]


JUNK = ["", "x", "-1", "99", "1e9", "2020-13-45", "Car 2", "🚗", "0" * 200]


@pytest.mark.parametrize("junk", JUNK)
def test_any_answer_in_any_household_field_is_a_message_never_an_error(junk):
    with Flask(__name__).test_request_context():
        names = [field.name for field in line.profile_form(meta={"csrf": False})]
    for name in names:
        data = form_data(HOUSEHOLD)
        data.setlist(name, [junk])
        form, valid, profile = _form(data)
        assert valid or form.errors


ODD = [None, "", "x", -1, 99, 1.5, True, [], {}, "2T1BU4EEXCC123453", "9" * 60, [{}], [None]]


@pytest.mark.parametrize("odd", ODD, ids=[repr(value)[:20] for value in ODD])
def test_any_value_anywhere_in_a_json_household_is_a_problem_never_an_error(odd):
    from app.products.profile_json import InvalidProfile

    paths = [("drivers",), ("vehicles",), ("discounts",), ("uninsured_motorist",), ("drivers", 1), ("vehicles", 1)]
    paths += [("drivers", 2, key) for key in HOUSEHOLD["drivers"][2]] + [("vehicles", 1, key) for key in HOUSEHOLD["vehicles"][1]]
    paths += [("drivers", 0, "birth_date"), ("vehicles", 0, "make")]
    for path in paths:
        document = copy.deepcopy(HOUSEHOLD)
        target = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = copy.deepcopy(odd)
        try:
            line.profile_from_json(document)
        except InvalidProfile as invalid:
            assert invalid.problems or invalid.schema_problems, path
