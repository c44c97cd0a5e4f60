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
from typing import Any

from flask import Blueprint, Flask, current_app, request, url_for

from app.api.answers import json_answer
from app.api.comparison_document import comparison_document
from app.api.comparison_schemas import OPERATIONS, REQUEST_SCHEMA, REQUEST_VALIDATOR, RESULT_SCHEMA
from app.api.request_checks import invalid_answer, preference_errors, validated
from app.auth.access import problem, public, request_api_token
from app.auth.models import ApiToken
from app.comparison.api import InvalidPreferences, appended_result, load_result, run_comparison, with_replaces
from app.db import db
from app.provider_registry import current_registry
from app.security import REFERENCE_RATE_LIMIT, admitted, limiter_for, rate_limited
from app.web.actor import request_actor
from app.web.recorded import not_logged_problem, recorded

# Kept here for the tests and app/api/__init__.py that read them from this module.
__all__ = ["OPERATIONS", "REQUEST_SCHEMA", "RESULT_SCHEMA", "bp", "comparison_document", "init_app"]
_request_validator = REQUEST_VALIDATOR

bp = Blueprint("comparisons", __name__, url_prefix="/comparisons")

RATE_LIMIT_KEY = "CANDOR_API_COMPARISON_RATE_LIMIT"
DEFAULT_RATE_LIMIT = "30 per minute"
CHANNEL = "api"


class TokenRefused(Exception):
    pass


def _token() -> ApiToken | None:
    """The API token sent with the request, None if none was sent; TokenRefused for one that does
    not work (a caller who sends a token means to be recognised, so it is never ignored)."""
    if "Authorization" not in request.headers:
        return None
    token = request_api_token()
    if token is None:
        raise TokenRefused
    return token


def _token_refused():  # type: ignore[no-untyped-def]
    return problem(401, "That API token does not work",
                   "Send a working token as 'Authorization: Bearer <token>', or none at all.",
                   {"WWW-Authenticate": 'Bearer realm="candor", error="invalid_token"'})





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
    checked = validated(body)
    if isinstance(checked, list):
        return invalid_answer(checked)
    line, profile, preferences = checked
    try:
        with recorded("An API comparison", not_logged_problem()):
            entry = run_comparison(db.session, current_registry(), line, profile, preferences=preferences,
                                   channel=CHANNEL, actor=request_actor(),
                                   deadline_s=current_app.config["CANDOR_COMPARISON_DEADLINE_S"])
    except InvalidPreferences as invalid:
        return invalid_answer(preference_errors(invalid))
    result = appended_result(entry, profile)
    response = json_answer(comparison_document(result, with_profile=token is not None), 201)
    response.headers["Location"] = url_for("api.comparisons.show", reference=entry.reference)
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
    return json_answer(comparison_document(with_replaces(db.session, result), with_profile=token is not None))


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
