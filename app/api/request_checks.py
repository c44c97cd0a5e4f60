"""Every problem with a comparison request, field by field, as JSON pointers and plain words:
the request schema first, then the product line's own rules on the profile, then the
preferences against the line's criteria."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flask import jsonify
from jsonschema import ValidationError

from app.api.comparison_schemas import REQUEST_VALIDATOR
from app.comparison.api import WEIGHT_FIELD, InvalidPreferences, resolve_weights
from app.products import PRODUCT_LINES
from app.products.base import ProductLine
from app.products.profile_json import InvalidProfile

VALIDATION_PROBLEM = "https://candor.example/problems/validation"


def invalid_answer(errors: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    response = jsonify(type=VALIDATION_PROBLEM, title="Some of what was sent is not right", status=422,
                       detail="Correct the fields listed in 'errors' and send the request again.", errors=errors)
    response.status_code = 422
    response.mimetype = "application/problem+json"
    return response


def pointer(*parts: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _schema_errors(body: Any) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    for error in sorted(REQUEST_VALIDATOR.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path]):
        errors.extend(_describe(error))
    return _unique(errors)


def _unique(errors: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for error in errors:
        key = (error["pointer"], error["detail"])
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique


TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
              "object": "an object", "array": "a list", "null": "null"}


def _describe(error: ValidationError) -> list[dict[str, str]]:
    """The error in plain words, at the pointer of the member that is wrong (or missing)."""
    path = list(error.absolute_path)
    where = pointer(*path)
    validator, expected, instance = error.validator, error.validator_value, error.instance
    if validator == "required" and isinstance(instance, Mapping):
        return [{"pointer": pointer(*path, name), "detail": "This is required."}
                for name in expected if name not in instance]
    if validator == "additionalProperties" and isinstance(instance, Mapping):
        known = error.schema.get("properties", {})
        return [{"pointer": pointer(*path, name), "detail": "We do not know this field; remove it."}
                for name in instance if name not in known]
    if validator == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        detail = f"This must be {' or '.join(TYPE_WORDS.get(t, t) for t in types)}."
    elif validator == "enum":
        choices = ", ".join(json.dumps(choice) for choice in expected[:12]) + (", …" if len(expected) > 12 else "")
        detail = (f"We do not compare {json.dumps(instance)[:40]}; choose one of {choices}."
                  if path == ["product"] else f"Choose one of {choices}.")
    elif validator == "format" and expected == "date":
        detail = "Enter a date as YYYY-MM-DD, for example 1988-04-12."
    elif validator == "pattern":
        detail = f"This is not in the expected form (the pattern {expected})."
    elif validator == "minimum":
        detail = f"This must be at least {expected}."
    elif validator == "maximum":
        detail = f"This must be at most {expected}."
    elif validator == "minLength":
        detail = "This cannot be empty." if expected == 1 else f"This must be at least {expected} characters."
    elif validator == "maxLength":
        detail = f"This must be at most {expected} characters."
    else:
        detail = error.message[:200]
    return [{"pointer": where, "detail": detail, "_validator": str(validator)}]


def _profile_problems(line: ProductLine, profile: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """The product line's own reading of the profile: the same checks and the same words as the
    website (dates in the past, plausible ages, down payment and loan adding up, …)."""
    try:
        return line.profile_from_json(profile), {}
    except InvalidProfile as invalid:
        # Keyed by the line's JSON pointer within the profile: "/zip_code", or deeper ("/drivers/2/vehicle").
        return None, {where: [message] for where, message in invalid.problems}


def validated(body: Any) -> tuple[ProductLine, dict[str, Any], dict[str, Any]] | list[dict[str, str]]:
    """The product line, profile and preferences, or every problem with them."""
    errors = _schema_errors(body)
    product = body.get("product") if isinstance(body, Mapping) else None
    line = PRODUCT_LINES.get(product) if isinstance(product, str) else None
    profile = body.get("profile") if isinstance(body, Mapping) else None
    read: dict[str, Any] | None = None
    line_messages: dict[str, list[str]] = {}
    if line is not None and isinstance(profile, Mapping):
        read, line_messages = _profile_problems(line, profile)
    # Where the line says what is wrong with a field in its own words, those words are used; a
    # wrong JSON type is said in the schema's.
    mentioned = set()
    for error in errors:
        validator = error.pop("_validator", None)
        mentioned.add(error["pointer"])
        field = error["pointer"].removeprefix("/profile")
        if error["pointer"].startswith("/profile/") and field in line_messages and validator != "type":
            error["detail"] = line_messages[field][0]
    errors.extend({"pointer": "/profile" + where, "detail": message}
                  for where, messages in line_messages.items() if "/profile" + where not in mentioned
                  for message in messages)
    preferences: dict[str, Any] = {}
    if line is not None:
        raw_preferences = body.get("preferences")
        preferences = dict(raw_preferences) if isinstance(raw_preferences, Mapping) else {}
        if not preferences:
            preferences = {"preset": line.default_preset}
        if not any(error["pointer"].startswith("/preferences") for error in errors):
            try:
                resolve_weights(line, preferences)
            except InvalidPreferences as invalid:
                errors.extend(preference_errors(invalid))
    if errors:
        return _unique(errors)
    assert line is not None and read is not None
    return line, read, preferences


def preference_errors(invalid: InvalidPreferences) -> list[dict[str, str]]:
    errors = []
    for field, message in invalid.errors.items():
        if field.startswith(WEIGHT_FIELD):
            where = pointer("preferences", "weights", field[len(WEIGHT_FIELD):])
        elif field == "preset":
            where = pointer("preferences", "preset")
        else:
            where = pointer("preferences")
        errors.append({"pointer": where, "detail": message})
    return errors

