"""The JSON API with a household: three drivers and two cars compared and logged; hostile bodies
(seven drivers, a driver's car that does not exist, a VIN given twice, a VIN with a wrong check
digit, limits under the state's minimum) refused as problem+json, one problem per field."""

from __future__ import annotations

import copy

import pytest

from app.products.auto_insurance.schemas import PROFILE_SCHEMA

HOUSEHOLD = PROFILE_SCHEMA["examples"][1]


def _post(client, token, profile):
    return client.post("/api/v1/comparisons", json={"product": "auto", "profile": profile},
                       headers={"Authorization": f"Bearer {token}"})


def _pointers(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return {error["pointer"]: error["detail"] for error in response.get_json()["errors"]}


def _changed(change) -> dict:
    profile = copy.deepcopy(HOUSEHOLD)
    change(profile)
    return profile


@pytest.mark.parametrize(("change", "pointer", "words"), [
    (lambda p: p["drivers"].extend(copy.deepcopy(p["drivers"][1:]) * 2), "/profile/drivers", "at most 6 drivers"),
    (lambda p: p["drivers"][2].update(vehicle=3), "/profile/drivers/2/vehicle", "There is no car 3"),
    (lambda p: p["vehicles"].append(copy.deepcopy(p["vehicles"][1])), "/profile/vehicles/2/vin", "same VIN as car 2"),
    (lambda p: p["vehicles"][1].update(vin="2T1BU4EE6CC123453"), "/profile/vehicles/1/vin", "check digit"),
    (lambda p: p.update(liability_limits="25/50/25"), "/profile/liability_limits", "Texas requires at least 30/60/25"),
])
def test_hostile_households_get_a_problem_at_the_field(client, advisor_token, change, pointer, words):
    problems = _pointers(_post(client, advisor_token, _changed(change)))
    assert pointer in problems, problems
    assert words in problems[pointer]


def test_a_household_of_three_drivers_and_two_cars_is_compared(client, advisor_token):
    response = _post(client, advisor_token, HOUSEHOLD)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    excluded = {item["provider"]: item["reason"] for item in body["excluded"]}
    # Keystone sells none of the extra covers, two of which this household chose: not like for like.
    assert excluded.get("keystone") == "It does not include uninsured-motorist cover, which you asked for."
    assert body["ranking"], body
    assert all("discounts_applied" in item["quote"]["terms"] for item in body["ranking"])


def test_a_price_for_the_primary_drivers_car_alone_is_not_the_households(client, advisor_token):
    plain = _changed(lambda p: p.update(liability_limits="100/300/100", deductible="500", uninsured_motorist=False,
                                        rental_reimbursement=False))
    response = _post(client, advisor_token, plain)
    assert response.status_code == 201, response.get_data(as_text=True)
    excluded = {item["provider"]: item["reason"] for item in response.get_json()["excluded"]}
    # The rate-page insurer publishes prices for one driver in one car.
    assert excluded["lighthouse"] == ("It does not say it rates all 3 drivers and covers all 2 cars on your policy, "
                                      "so its price may be for fewer.")


def test_single_fields_that_disagree_with_the_first_entries_are_named(client, advisor_token):
    problems = _pointers(_post(client, advisor_token, _changed(lambda p: p.update(vehicle_make="Ford"))))
    assert problems["/profile/vehicles/0/make"] == "The first entry is the primary one: this must be the same as vehicle_make."
