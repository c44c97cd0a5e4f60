"""A line's profile_from_json reads the same profile, and finds the same problems in the same words,
as its profile form does for the same answers sent as form data (app/products/prefill.py): drawn
around each line's schema example, across the rules that tie fields together."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings, strategies as st

from app.products import PRODUCT_LINES
from app.products.base import ProductLine
from app.products.prefill import form_data
from app.products.profile_json import InvalidProfile, profile_validator

TODAY = date.today()
ZIP_CODES = ["94110", "10001", "80203", "00000", "00601", " 94110 "]
STATES = ["CA", "NY", "CO", "XX"]
AMOUNTS = ["0", "100", "5000", "20000", "50000.00", "100000.00", "400000.00", "450000.00", "500000.00",
           "600000.00", "800000.00", "16500.00", "6000000.00", "1000000000.00", "12.345", "abc", ""]
YEAR = timedelta(days=365)
# Dates all over, and around the youngest (15) and oldest (110) a driver may be.
DAYS = (st.dates(TODAY - 120 * YEAR, TODAY + 400 * timedelta(days=1)) | st.dates(TODAY - 20 * YEAR, TODAY)
        | st.dates(TODAY - 112 * YEAR, TODAY - 108 * YEAR)).map(date.isoformat)
TEXT = st.sampled_from(["Toyota", "  Corolla ", "", "   ", "x" * 41, "x" * 61])


def _enum(line: ProductLine, name: str) -> st.SearchStrategy[Any]:
    return st.sampled_from(list(line.profile_schema["properties"][name]["enum"]))


def _variations(line: ProductLine) -> dict[str, st.SearchStrategy[Any]]:
    """Values for each field, right and wrong, near the edges the form and the rules care about."""
    variations: dict[str, st.SearchStrategy[Any]] = {"zip_code": st.sampled_from(ZIP_CODES),
                                                     "state": st.sampled_from(STATES)}
    for name, schema in line.profile_schema["properties"].items():
        # Lists (the auto household's drivers, cars, discounts) are tested on their own, in each line's tests.
        if name in variations or schema.get("type") == "array":
            continue
        if "enum" in schema:
            variations[name] = _enum(line, name)
        elif schema.get("type") == "integer":
            variations[name] = st.integers(schema["minimum"] - 25, schema["maximum"] + 2)
        elif schema.get("type") == "boolean":
            variations[name] = st.booleans()
        elif schema.get("format") == "date":
            variations[name] = DAYS | st.just("12/04/1988")
        elif "pattern" in schema:
            variations[name] = st.sampled_from(AMOUNTS + ([None] if "null" in schema["type"] else []))
        else:
            variations[name] = TEXT
    return variations


@st.composite
def documents(draw: st.DrawFn, line: ProductLine) -> dict[str, Any]:
    document = dict(line.profile_schema["examples"][0])
    variations = _variations(line)
    for name in draw(st.lists(st.sampled_from(sorted(variations)), max_size=4, unique=True)):
        if draw(st.integers(0, 9)) == 0:
            document.pop(name, None)
        else:
            document[name] = draw(variations[name])
    return document


def _by_form(line: ProductLine, document: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    with Flask(__name__).test_request_context():
        form = line.profile_form(formdata=form_data(document), meta={"csrf": False})
        if form.validate():
            return line.profile_from_form(form), {}
        return None, {name: messages[0] for name, messages in form.errors.items()}


def _by_json(line: ProductLine, document: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    try:
        return line.profile_from_json(document), {}
    except InvalidProfile as invalid:
        return None, {where.removeprefix("/"): message for where, message in invalid.problems}


# One document for each rule that ties fields together, with the answers that break it.
RULES = [
    ("auto", {"driver_birth_date": (TODAY - 14 * YEAR).isoformat()}),
    ("auto", {"driver_birth_date": (TODAY + YEAR).isoformat()}),
    ("auto", {"driver_birth_date": (TODAY - 112 * YEAR).isoformat()}),
    ("auto", {"driver_birth_date": (TODAY - 20 * YEAR).isoformat(), "years_licensed": 10}),
    ("auto", {"vehicle_year": TODAY.year + 2}),
    ("auto", {"zip_code": "10001"}),
    ("auto", {"zip_code": "00601"}),
    ("mortgage", {"loan_type": "fha", "occupancy": "investment"}),
    ("mortgage", {"term_years": 15, "years_expected": 20}),
    ("mortgage", {"down_payment": "500000.00", "loan_amount": "0"}),
    ("mortgage", {"down_payment": "0", "loan_amount": "600000.00"}),
    ("mortgage", {"down_payment": "490000.00", "loan_amount": "10000.00"}),
    ("mortgage", {"property_value": "9000000.00", "down_payment": "3000000.00", "loan_amount": "6000000.00"}),
    ("mortgage", {"loan_type": "jumbo", "down_payment": "25000.00", "loan_amount": "475000.00"}),
    ("mortgage", {"zip_code": "10001"}),
    ("refinance", {"cash_out": "200000.00"}),
    ("refinance", {"current_payment": "100.00"}),
    ("refinance", {"current_payment": "400000.00"}),
    ("refinance", {"current_rate": "25.000"}),
    ("refinance", {"loan_type": "va", "occupancy": "second_home"}),
    ("refinance", {"zip_code": "10001"}),
]


@pytest.mark.parametrize(("key", "changes"), RULES)
def test_each_rule_finds_the_same_problem_in_the_same_words(key: str, changes: dict[str, Any]) -> None:
    line = PRODUCT_LINES[key]
    document = {**line.profile_schema["examples"][0], **changes}
    by_json = _by_json(line, document)
    assert by_json[0] is None and by_json[1], "each of these breaks a rule"
    assert by_json == _by_form(line, document)


@pytest.mark.parametrize("key", sorted(PRODUCT_LINES))
def test_the_schema_example_reads_as_the_form_reads_it(key: str) -> None:
    line = PRODUCT_LINES[key]
    example = dict(line.profile_schema["examples"][0])
    assert _by_json(line, example) == _by_form(line, example)
    assert _by_json(line, example)[0] is not None


@pytest.mark.parametrize("key", sorted(PRODUCT_LINES))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_profile_the_schema_accepts_reads_as_the_form_reads_it(key: str, data: st.DataObject) -> None:
    line = PRODUCT_LINES[key]
    document = data.draw(documents(line))
    if not profile_validator(line.profile_schema).is_valid(document):
        with pytest.raises(InvalidProfile):
            line.profile_from_json(document)
        return
    assert _by_json(line, document) == _by_form(line, document)


ODD_VALUES = ["1E+999999", "-1E+999999", "NaN", "Infinity", "9" * 60, 1e308, -5, 2**70, 12.0, True, [], {}, None, " "]


@pytest.mark.parametrize("key", sorted(PRODUCT_LINES))
@pytest.mark.parametrize("odd", ODD_VALUES, ids=repr)
def test_any_odd_value_is_a_problem_named_never_a_crash(key: str, odd: Any) -> None:
    line = PRODUCT_LINES[key]
    example = line.profile_schema["examples"][0]
    for name in example:
        for also in ("property_value", "vehicle_value", None):
            document = {**example, name: odd, **({also: odd} if also in example else {})}
            try:
                line.profile_from_json(document)
            except InvalidProfile as invalid:
                assert invalid.problems or invalid.schema_problems
