"""The compiled schema check never passes what jsonschema refuses, and errors are jsonschema's."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from app.api import comparisons
from app.products.auto_insurance import line as auto_line
from app.products.mortgage import line as mortgage_line
from providers import quote_protocol
from providers.json_schema import SchemaValidator, compilable
from tests.factories import auto_profile, auto_terms, mortgage_profile, mortgage_terms

QUOTE = {"id": "q-1", "product": "auto", "currency": "USD", "valid_until": "2030-01-01T00:00:00Z",
         "terms": auto_terms(), "url": "https://insurer.example/q-1"}
IN_USE: dict[str, tuple[SchemaValidator, dict[str, Any]]] = {
    "API request (auto)": (comparisons._request_validator, {"product": "auto", "profile": auto_profile(),
                                                            "preferences": {"preset": "balanced"}}),
    "API request (mortgage)": (comparisons._request_validator, {"product": "mortgage", "profile": mortgage_profile()}),
    "auto terms": (auto_line._terms_validator, auto_terms()),
    "mortgage terms": (mortgage_line._terms_validator, mortgage_terms()),
    "quote": (quote_protocol._quote_validator, QUOTE),
    "reply envelope": (quote_protocol._reply_validator, {"quotes": [QUOTE], "declined": None}),
}

UGLY = st.one_of(
    st.sampled_from([True, False, None, 0, 1, -1, 6, 12, 30, 1.0, 12.0, 0.5, 2**53, 2**64, Decimal("1"),
                     Decimal("12"), Decimal("1.5"), Decimal("-0"), "", " ", "\n", "12\n", "12", "1.5", "abc",
                     "2023-02-31", "2023-02-28", "2026-13-01T00:00:00Z", "2030-01-01T00:00:00", "USD\n", "usd",
                     "x" * 300, "\u0000", "A++", "balanced", "auto", "mortgage", "CA", "94110", "94110\n",
                     "100/300/100", [], [1], {}, {"a": 1}]),
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**6, max_value=10**6),
)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for position, value in enumerate(document):
            found += _paths(value, (*prefix, position))
    return found


@st.composite
def mutated(draw: st.DrawFn, start: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(start)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(document)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(UGLY))
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "premium", "zip_code", "quotes", "declined"]))] = copy.deepcopy(draw(UGLY))
    return document


@pytest.mark.parametrize("name", sorted(IN_USE))
def test_every_schema_in_use_is_compiled(name: str) -> None:
    validator, example = IN_USE[name]
    assert validator.compiled is not None
    assert validator.is_valid(example) and validator.exact.is_valid(example)


@pytest.mark.parametrize("name", sorted(IN_USE))
def test_verdicts_and_errors_are_jsonschemas_on_ugly_documents(name: str) -> None:
    validator, example = IN_USE[name]

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(example))
    def agrees(document: dict[str, Any]) -> None:
        assert validator.is_valid(document) == validator.exact.is_valid(document), document
        assert ([error.message for error in validator.iter_errors(document)]
                == [error.message for error in validator.exact.iter_errors(document)])

    agrees()


def test_formats_are_judged_by_jsonschemas_checker_when_it_has_one() -> None:
    schema = {"type": "object", "properties": {"day": {"type": "string", "format": "date"}}}
    checked = SchemaValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    unchecked = SchemaValidator(schema)
    assert checked.compiled is not None and unchecked.compiled is not None
    assert not checked.is_valid({"day": "2023-02-31"}) and checked.is_valid({"day": "2023-02-28"})
    assert unchecked.is_valid({"day": "2023-02-31"}) and unchecked.is_valid({"day": "not a date"})


@pytest.mark.parametrize("schema", [
    {"enum": [0, 1]},                                    # True == 1 in Python, not in JSON Schema
    {"const": 1},
    {"type": ["integer", "boolean"], "enum": [1, 2]},
    {"$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}},
    {"prefixItems": [{"type": "string"}]},
    {"items": [{"type": "string"}]},
    {"type": "object", "properties": {"a": {"unevaluatedProperties": False}}},
    {"dependentRequired": {"a": ["b"]}},
    {"type": "array", "uniqueItems": True},              # [1, true] are distinct in JSON, equal in Python
    {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
])
def test_schemas_whose_meaning_differs_in_draft_7_are_left_to_jsonschema(schema: dict[str, Any]) -> None:
    assert not compilable(schema)
    assert SchemaValidator(schema).compiled is None


def test_an_enum_of_numbers_without_a_type_tells_a_boolean_from_a_number() -> None:
    schema = {"type": "object", "properties": {"n": {"enum": [0, 1]}}}
    assert not SchemaValidator(schema).is_valid({"n": True})
    assert SchemaValidator(schema).is_valid({"n": 1})


def test_a_boolean_is_not_taken_for_a_number_in_an_enum() -> None:
    validator = SchemaValidator({"type": "object", "properties": {"n": {"type": "integer", "enum": [1, 6]}}})
    assert validator.compiled is not None
    assert not validator.is_valid({"n": True}) and validator.is_valid({"n": 1})


def test_unique_strings_are_compiled_and_judged_as_jsonschema_does() -> None:
    validator = SchemaValidator({"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "uniqueItems": True})
    assert validator.compiled is not None
    assert validator.is_valid(["a", "b"]) and not validator.is_valid(["a", "a"]) and not validator.is_valid([1, True])
