"""The sandbox insurers price a household: more cars, more and younger drivers and their incidents
cost more; the discounts they give are taken off and named; an extra cover asked for is added where
they sell it and missing where they do not. A 1.0 profile (one driver, one car) is priced exactly as
before households."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from app.products.auto_insurance.schemas import PROFILE_SCHEMA
from providers.sandbox.insurer_app import offer_terms
from providers.sandbox.market import auto_insurers
from providers.sandbox.profile import ProfileError, parse_auto_profile

DAY = date(2026, 6, 1)
INSURERS = {spec.key: spec for spec in auto_insurers()}
SINGLE = PROFILE_SCHEMA["examples"][0]
HOUSEHOLD = PROFILE_SCHEMA["examples"][1]


def premiums(raw: dict) -> dict[str, Decimal]:
    profile = parse_auto_profile(copy.deepcopy(raw), DAY)
    return {key: Decimal(offer_terms(spec, profile)["premium"]) * 12 / spec.term_months for key, spec in INSURERS.items()}


def changed(raw: dict, change) -> dict:  # type: ignore[no-untyped-def]
    profile = copy.deepcopy(raw)
    change(profile)
    return profile


def test_a_profile_from_before_households_is_priced_as_it_always_was():
    # The premiums every insurer quoted for the schema's first example before households existed.
    before = {"harbor": "1487.37", "acme": "1783.79", "bluebird": "1651.12", "summit": "1928.75",
              "keystone": "988.08", "pioneer": "2143.50", "tortoise": "2074.63"}
    profile = parse_auto_profile(dict(SINGLE), DAY)
    assert {key: offer_terms(spec, profile)["premium"] for key, spec in INSURERS.items()} == before
    assert all("discounts_applied" not in offer_terms(spec, profile) for spec in INSURERS.values())


def test_a_second_car_and_more_drivers_cost_more():
    no_discounts = changed(HOUSEHOLD, lambda p: p.update(discounts=[]))
    one_car = changed(no_discounts, lambda p: (p.update(vehicles=p["vehicles"][:1], drivers=p["drivers"][:1])))
    household, single = premiums(no_discounts), premiums(one_car)
    assert all(household[key] > single[key] for key in ("harbor", "acme", "summit", "keystone", "tortoise"))


def test_a_younger_driver_and_an_incident_cost_more():
    base = changed(HOUSEHOLD, lambda p: p.update(discounts=[]))
    older = changed(base, lambda p: p["drivers"][2].update(birth_date="1990-06-01", years_licensed=10))
    crash = changed(base, lambda p: p["drivers"][2].update(at_fault_accidents_5y=2))
    assert all(premiums(base)[k] > premiums(older)[k] for k in ("harbor", "acme", "summit"))
    assert all(premiums(crash)[k] > premiums(base)[k] for k in ("harbor", "acme", "summit"))


def test_claimed_discounts_are_taken_off_and_named_where_the_insurer_gives_them():
    claimed = changed(HOUSEHOLD, lambda p: p.update(discounts=["multi_policy", "good_student", "telematics"]))
    none = changed(HOUSEHOLD, lambda p: p.update(discounts=[]))
    profile = parse_auto_profile(claimed, DAY)
    applied = {key: offer_terms(spec, profile)["discounts_applied"] for key, spec in INSURERS.items()}
    assert applied["harbor"] == ["multi_policy", "good_student", "telematics"]
    assert applied["keystone"] == []
    assert premiums(claimed)["harbor"] < premiums(none)["harbor"]
    assert premiums(claimed)["keystone"] == premiums(none)["keystone"]


def test_good_student_needs_a_driver_under_25():
    grown = changed(HOUSEHOLD, lambda p: (p.update(discounts=["good_student"]),
                                          p["drivers"][2].update(birth_date="1990-06-01", years_licensed=10)))
    profile = parse_auto_profile(grown, DAY)
    assert offer_terms(INSURERS["harbor"], profile)["discounts_applied"] == []


def test_extra_covers_asked_for_are_added_where_sold_and_missing_where_not():
    profile = parse_auto_profile(changed(HOUSEHOLD, lambda p: p.update(roadside_assistance=True)), DAY)
    terms = {key: offer_terms(spec, profile) for key, spec in INSURERS.items()}
    assert terms["acme"]["rental_reimbursement"] and terms["acme"]["uninsured_motorist"]  # sold when asked
    assert terms["bluebird"]["roadside_assistance"]
    assert not terms["keystone"]["rental_reimbursement"] and not terms["keystone"]["roadside_assistance"]
    assert not terms["pioneer"]["roadside_assistance"]


@pytest.mark.parametrize(("change", "pointer"), [
    (lambda p: p["drivers"].extend(p["drivers"] * 2), "/profile/drivers"),
    (lambda p: p["drivers"][2].update(vehicle=3), "/profile/drivers/2/vehicle"),
    (lambda p: p["vehicles"][1].update(use="racing"), "/profile/vehicles/1/use"),
    (lambda p: p.update(discounts=["loyalty"]), "/profile/discounts"),
])
def test_a_wrong_household_is_refused_at_its_field(change, pointer):
    with pytest.raises(ProfileError) as refused:
        parse_auto_profile(changed(HOUSEHOLD, change), DAY)
    assert pointer in [error.pointer for error in refused.value.errors]


ODD = [None, "", "x", -1, 99, 1.5, True, [], {}, "9" * 60, [{}], [None]]


@pytest.mark.parametrize("odd", ODD, ids=[repr(value)[:20] for value in ODD])
def test_any_value_anywhere_in_the_household_is_a_400_never_a_crash(odd):
    paths = [("drivers",), ("vehicles",), ("discounts",), ("roadside_assistance",), ("drivers", 1), ("vehicles", 1)]
    paths += [("drivers", 2, key) for key in HOUSEHOLD["drivers"][2]] + [("vehicles", 1, key) for key in HOUSEHOLD["vehicles"][1]]
    for path in paths:
        raw = copy.deepcopy(HOUSEHOLD)
        target = raw
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = copy.deepcopy(odd)
        try:
            profile = parse_auto_profile(raw, DAY)
        except ProfileError as refused:
            assert refused.errors, path
        else:
            offer_terms(INSURERS["harbor"], profile)
