"""POST /api/v1/comparisons runs a comparison exactly as the website does (channel "api") and
answers with the logged result; GET /api/v1/comparisons/{reference} reads it back.

Who sees what: a reference is an unguessable capability, so anyone holding one may read the
ranking. The profile is personal data, so it is returned only to advisor and compliance tokens
(docs/api.md). Anonymous comparisons are rate-limited per client address
(CANDOR_API_COMPARISON_RATE_LIMIT); a working API token is not, and makes its holder the actor.

The request and response JSON Schemas below are the ones the routes validate and answer with,
and the ones app/api/openapi.py puts in the document."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from jsonschema import Draft202012Validator, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.actors import ANONYMOUS, Actor
from app.api.openapi import Body, Operation, Parameter, embeddable
from app.auth.access import MAX_TOKEN_LENGTH, problem, public, token_digest
from app.auth.models import ApiToken
from app.comparison.api import (
    NOTICE_PROPERTIES,
    WEIGHT_FIELD,
    InvalidPreferences,
    appended_result,
    load_result,
    resolve_weights,
    run_comparison,
    with_replaces,
)
from app.db import db
from app.products import PRODUCT_LINES
from app.products.base import ProductLine
from app.products.prefill import form_data
from app.ranking.measure import MEASURE_SCHEMA
from app.provider_registry import current_registry
from app.security import REFERENCE_RATE_LIMIT, admitted, limiter_for, rate_limited
from providers.json_schema import SchemaValidator

bp = Blueprint("comparisons", __name__, url_prefix="/comparisons")

RATE_LIMIT_KEY = "CANDOR_API_COMPARISON_RATE_LIMIT"
DEFAULT_RATE_LIMIT = "30 per minute"
CHANNEL = "api"
VALIDATION_PROBLEM = "https://candor.example/problems/validation"

_DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
_NAME = {"type": "string"}
REFERENCE_SCHEMA = {"type": "string", "pattern": "^CND-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"}
_PRESET_KEYS = sorted({preset.key for line in PRODUCT_LINES.values() for preset in line.presets} | {"custom"})

PREFERENCES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": ("{\"preset\": key} for one of the product line's presets (GET /api/v1/products), or "
                    "{\"weights\": {criterion: 0-100, ...}} for the customer's own. Default: the line's "
                    "default preset."),
    "properties": {
        "preset": {"type": "string", "enum": _PRESET_KEYS},
        "weights": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100}},
    },
}

# The profile is checked against its product line's schema: `if product is X then profile is X's`.
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["product", "profile"],
    "properties": {
        "product": {"type": "string", "enum": sorted(PRODUCT_LINES)},
        "profile": {"type": "object", "description": "The product line's profile (GET /api/v1/products)."},
        "preferences": PREFERENCES_SCHEMA,
    },
    "allOf": [
        {"if": {"properties": {"product": {"const": key}}, "required": ["product"]},
         "then": {"properties": {"profile": embeddable(line.profile_schema)}}}
        for key, line in sorted(PRODUCT_LINES.items())
    ],
}

_PARTY = {"provider": {"type": "string"}, "provider_name": _NAME, "house": {"type": "boolean"}}
RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["reference", "time", "channel", "product", "preferences", "ranking", "excluded", "failures",
                 "recommended", "house", "explanation", "audit"],
    "properties": {
        "reference": REFERENCE_SCHEMA,
        "time": {"type": "string", "format": "date-time"},
        "channel": {"type": "string"},
        "product": {"type": "object", "required": ["key", "name", "version"],
                    "properties": {"key": _NAME, "name": _NAME, "version": _NAME}},
        "preferences": {"type": "object", "required": ["preset", "weights"],
                        "properties": {"preset": _NAME,
                                       "weights": {"type": "object", "additionalProperties": _DECIMAL},
                                       "measure": MEASURE_SCHEMA}},
        "ranking": {
            "type": "array",
            "description": ("Eligible offers, best fit first. Offers whose scores round to the same value share a "
                            "rank (with a preset named after a measure, only if they also round to the same "
                            "amount on it: see preferences.measure)."),
            "items": {
                "type": "object",
                "required": ["rank", "tied", *_PARTY, "quote", "score", "shown_score", "criteria", "facts", "why"],
                "properties": {
                    "rank": {"type": "integer", "minimum": 1},
                    "tied": {"type": "boolean"},
                    **_PARTY,
                    "quote": {
                        "type": "object",
                        "required": ["id", "currency", "valid_until", "url", "terms"],
                        "properties": {"id": _NAME, "currency": _NAME, "valid_until": {"type": "string"},
                                       "url": {"type": ["string", "null"]},
                                       "terms": {"type": "object", "description": "As the provider quoted them."}},
                    },
                    "score": {**_DECIMAL, "description": "0-100, to 6 places."},
                    "shown_score": {**_DECIMAL, "description": "The score as shown, rounded to the tie step."},
                    "criteria": {
                        "type": "array",
                        "items": {"type": "object", "required": ["key", "label", "unit", "value", "contribution"],
                                  "properties": {"key": _NAME, "label": _NAME, "unit": _NAME, "value": _DECIMAL,
                                                 "contribution": _DECIMAL}},
                    },
                    "facts": {"type": "object", "additionalProperties": {"type": "string"}},
                    "offer_name": {"type": ["string", "null"],
                                   "description": "The offer's own name, from its terms (\"30-year fixed, 1 point\")."},
                    "why": {"description": "Why the offer ranks where it does, in words."},
                },
            },
        },
        "excluded": {
            "type": "array",
            "items": {"type": "object", "required": [*_PARTY, "quote_id", "reason"],
                      "properties": {**_PARTY, "quote_id": _NAME, "reason": _NAME}},
        },
        "failures": {
            "type": "array",
            "items": {"type": "object", "required": [*_PARTY, "kind", "message"],
                      "properties": {**_PARTY, "kind": _NAME, "message": _NAME}},
        },
        "recommended": {
            "oneOf": [{"type": "null"},
                      {"type": "object", "required": ["provider", "quote_id"],
                       "properties": {"provider": _NAME, "quote_id": _NAME}}],
        },
        "house": {"type": "object", "required": ["provider", "rank", "best"],
                  "properties": {"provider": {"type": ["string", "null"]}, "rank": {"type": ["integer", "null"]},
                                 "best": {"type": "boolean"}}},
        "explanation": {"type": "object", "description": "The reasons and notices the results page shows.",
                        "properties": NOTICE_PROPERTIES},
        "audit": {"type": "object", "required": ["index", "leaf_hash"],
                  "properties": {"index": {"type": "integer", "minimum": 0},
                                 "leaf_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}},
        "profile": {"type": ["object", "null"],
                    "description": "Only for advisor and compliance tokens; null once the customer's data was erased."},
        "erasure": {"type": ["object", "null"], "description": "Only with `profile`: when and by whom it was erased."},
        "replaces": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["reference", "index"],
                                                  "properties": {"reference": REFERENCE_SCHEMA,
                                                                 "index": {"type": "integer", "minimum": 0}}}],
                     "description": "The comparison this one re-quotes (\"Change your answers\", \"Get fresh quotes\")."},
    },
}

OPERATIONS = (
    Operation("post", "/api/v1/comparisons", "createComparison", "Run a comparison",
              "Asks every provider of the product line for quotes, ranks the offers on what fits the profile "
              "best and logs the recommendation. Anyone may call it (rate-limited per address); with an API "
              "token the token's holder is recorded as the actor, no rate limit applies, and the profile is "
              "returned.",
              {201: Body("The comparison, as logged.", RESULT_SCHEMA,
                         headers={"Location": {"description": "Where to read it again.",
                                               "schema": {"type": "string"}}})},
              scopes=(), request_schema=REQUEST_SCHEMA, problems=(400, 413, 415, 422, 429, 503),
              tags=("comparisons",)),
    Operation("get", "/api/v1/comparisons/{reference}", "getComparison", "Read a comparison",
              "The latest ranking under a reference. Anyone holding the reference may read it; the profile is "
              "included only for advisor and compliance tokens. Look-ups without a token are rate-limited per "
              "address, together with the website's (CANDOR_REFERENCE_RATE_LIMIT).",
              {200: Body("The comparison.", RESULT_SCHEMA)}, scopes=(),
              parameters=(Parameter("reference", "path", REFERENCE_SCHEMA, "The comparison's reference."),),
              problems=(404, 429), tags=("comparisons",)),
)

_request_validator = SchemaValidator(REQUEST_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


class TokenRefused(Exception):
    pass


def _token() -> ApiToken | None:
    """The API token sent with the request, None if none was sent; TokenRefused for one that does
    not work (a caller who sends a token means to be recognised, so it is never ignored)."""
    if "Authorization" not in request.headers:
        return None
    authorization = request.authorization
    if authorization is None or authorization.type != "bearer" or not authorization.token:
        raise TokenRefused
    secret = authorization.token
    if len(secret) > MAX_TOKEN_LENGTH:
        raise TokenRefused
    token = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == token_digest(secret))).first()
    if token is None or not token.usable:
        raise TokenRefused
    return token


def _token_refused():  # type: ignore[no-untyped-def]
    return problem(401, "That API token does not work",
                   "Send a working token as 'Authorization: Bearer <token>', or none at all.",
                   {"WWW-Authenticate": 'Bearer realm="candor", error="invalid_token"'})


def _actor(token: ApiToken) -> Actor:
    return Actor(token.scope, str(token.user_id) if token.user_id is not None else f"token {token.id}")


def _invalid(errors: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    response = jsonify(type=VALIDATION_PROBLEM, title="Some of what was sent is not right", status=422,
                       detail="Correct the fields listed in 'errors' and send the request again.", errors=errors)
    response.status_code = 422
    response.mimetype = "application/problem+json"
    return response


def pointer(*parts: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _schema_errors(body: Any) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    for error in sorted(_request_validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path]):
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


def _form_errors(line: ProductLine, profile: Mapping[str, Any]) -> tuple[Any, dict[str, list[str]]]:
    """The product line's own form, run over the profile: the same checks and the same words as
    the website (dates in the past, plausible ages, down payment and loan adding up, …)."""
    form = line.profile_form(formdata=form_data(profile), meta={"csrf": False})
    form.validate()
    return form, {name: list(messages) for name, messages in form.errors.items()
                  if name in profile or name in line.profile_schema.get("properties", {})}


def _validated(body: Any) -> tuple[ProductLine, dict[str, Any], dict[str, Any]] | list[dict[str, str]]:
    """The product line, profile and preferences, or every problem with them."""
    errors = _schema_errors(body)
    product = body.get("product") if isinstance(body, Mapping) else None
    line = PRODUCT_LINES.get(product) if isinstance(product, str) else None
    profile = body.get("profile") if isinstance(body, Mapping) else None
    form = None
    form_messages: dict[str, list[str]] = {}
    if line is not None and isinstance(profile, Mapping):
        form, form_messages = _form_errors(line, profile)
    # Where the form says what is wrong with a field in its own words, those words are used; it
    # cannot judge types, because everything reaches a form as text.
    mentioned = set()
    for error in errors:
        validator = error.pop("_validator", None)
        mentioned.add(error["pointer"])
        field = error["pointer"].removeprefix("/profile/")
        if error["pointer"].startswith("/profile/") and field in form_messages and validator != "type":
            error["detail"] = form_messages[field][0]
    errors.extend({"pointer": pointer("profile", name), "detail": message}
                  for name, messages in form_messages.items() if pointer("profile", name) not in mentioned
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
                errors.extend(_preference_errors(invalid))
    if errors:
        return _unique(errors)
    assert line is not None and form is not None
    return line, line.profile_from_form(form), preferences


def _preference_errors(invalid: InvalidPreferences) -> list[dict[str, str]]:
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


def comparison_document(result: Mapping[str, Any], *, with_profile: bool) -> dict[str, Any]:
    """What the API answers: the logged result, with each ranked offer's quote and criteria put
    together, and the profile only when `with_profile`."""
    terms = {(record["provider"], quote["id"]): quote["terms"]
             for record in result["providers"] for quote in record["quotes"]}
    criteria = result["criteria"]
    ranking = [{
        "rank": item["rank"],
        "tied": item["tied"],
        "provider": item["provider"],
        "provider_name": item["provider_name"],
        "house": item["house"],
        "quote": {"id": item["quote_id"], "currency": item["currency"], "valid_until": item["valid_until"],
                  "url": item["url"], "terms": terms.get((item["provider"], item["quote_id"]), {})},
        "score": item["score"],
        "shown_score": item["shown_score"],
        "criteria": [{"key": criterion["key"], "label": criterion["label"], "unit": criterion["unit"],
                      "value": item["values"][criterion["key"]],
                      "contribution": item["contributions"][criterion["key"]]}
                     for criterion in criteria if criterion["key"] in item["values"]],
        "facts": item["facts"],
        "offer_name": item.get("offer_name"),
        "why": item["why"],
    } for item in result["ranking"]]
    document: dict[str, Any] = {
        "reference": result["reference"],
        "time": result["time"],
        "channel": result["channel"],
        "product": result["product"],
        "preferences": result["preferences"],
        "ranking": ranking,
        "excluded": [{key: item[key] for key in ("provider", "provider_name", "house", "quote_id", "reason")}
                     for item in result["excluded"]],
        "failures": [{key: item[key] for key in ("provider", "provider_name", "house", "kind", "message")}
                     for item in result["failures"]],
        "recommended": result["recommended"],
        "house": result["house"],
        "explanation": result["explanation"],
        "audit": {"index": result["index"], "leaf_hash": result["leaf_hash"]},
        "replaces": result.get("replaces"),
    }
    if with_profile:
        document["profile"] = result["profile"]
        document["erasure"] = result["erasure"]
    return document


@bp.post("")
@public
@rate_limited(RATE_LIMIT_KEY)
def create():  # type: ignore[no-untyped-def]
    try:
        token = _token()
    except TokenRefused:
        return _token_refused()
    if request.mimetype != "application/json":
        return problem(415, "Send JSON", "Send the comparison as a JSON object with 'Content-Type: application/json'.")
    raw = request.get_data(cache=True)  # more than MAX_CONTENT_LENGTH: 413 from app/errors.py
    try:
        body = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return problem(400, "That is not JSON we can read",
                       "The request body must be a JSON object in UTF-8: {\"product\", \"profile\", \"preferences\"}.")
    checked = _validated(body)
    if isinstance(checked, list):
        return _invalid(checked)
    line, profile, preferences = checked
    try:
        entry = run_comparison(db.session, current_registry(), line, profile, preferences=preferences, channel=CHANNEL,
                               actor=ANONYMOUS if token is None else _actor(token),
                               deadline_s=current_app.config["CANDOR_COMPARISON_DEADLINE_S"])
        reference = entry.reference
        db.session.commit()
    except InvalidPreferences as invalid:
        db.session.rollback()
        return _invalid(_preference_errors(invalid))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("An API comparison could not be written to the log; it was not shown.")
        return problem(503, "The comparison could not be recorded",
                       "Nothing was recorded and no ranking is shown without its log entry. Try again in a moment.")
    result = appended_result(entry, profile)
    response = jsonify(comparison_document(result, with_profile=token is not None))
    response.status_code = 201
    response.headers["Location"] = url_for("api.comparisons.show", reference=reference)
    return response


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@bp.get("/<reference>")
@public
def show(reference: str):  # type: ignore[no-untyped-def]
    try:
        token = _token()
    except TokenRefused:
        return _token_refused()
    if token is None and not admitted(REFERENCE_RATE_LIMIT, "reference-lookup"):
        return problem(429, "Too many look-ups", "You have looked up many references from this address; wait a minute.")
    result = load_result(db.session, reference) if len(reference) <= 20 else None
    if result is None:
        return problem(404, "There is no comparison with that reference",
                       "Check the reference: it looks like CND-7K2M-Q9XA.")
    return jsonify(comparison_document(with_replaces(db.session, result), with_profile=token is not None))


def init_app(app: Flask) -> None:
    app.config.setdefault(RATE_LIMIT_KEY, os.environ.get(RATE_LIMIT_KEY) or DEFAULT_RATE_LIMIT)

    # A working token is an integration (the call centre's CRM, a partner's site) that may well
    # send every call from one address; the per-address limit is for anonymous callers.
    @limiter_for(app).request_filter
    def tokens_are_not_rate_limited() -> bool:
        if request.endpoint != "api.comparisons.create" or "Authorization" not in request.headers:
            return False
        try:
            return _token() is not None
        except TokenRefused:
            return False
