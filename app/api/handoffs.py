"""POST /api/v1/comparisons/{reference}/handoffs: “Continue with this provider” for an integration
(app/comparison/handoff.py). The offer is checked with its provider first; the answer says whether
it was handed off (`url`: where to send the customer, checked to be on the provider's own site) or
changed (`current`: the offer now, to show the customer before they go on; hand that one off with
its `requote_index`). Anyone holding the reference may ask, as for reading the comparison."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, jsonify, request

from app.api.comparison_schemas import REFERENCE_SCHEMA
from app.api.openapi import Body, Operation, Parameter
from app.api.request_checks import invalid_answer, pointer
from app.auth.access import problem, public, request_api_token
from app.comparison.api import Asking, Handoff, OfferChoice, OfferUnavailable, ShownOffer, hand_off, load_result
from app.db import db, utcnow
from app.products import get_product_line
from app.provider_registry import current_registry
from app.security import REFERENCE_RATE_LIMIT, admitted
from app.web.actor import request_actor
from app.web.recorded import not_logged_problem, recorded
from providers.json_schema import SchemaValidator

bp = Blueprint("handoffs", __name__, url_prefix="/comparisons")
CHANNEL = "api"

_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
HANDOFF_REQUEST_SCHEMA: dict[str, Any] = {
    "title": "HandoffRequest",
    "type": "object",
    "additionalProperties": False,
    "required": ["offer"],
    "properties": {
        "offer": {"type": "object", "additionalProperties": False, "required": ["provider", "quote_id"],
                  "properties": {"provider": _TEXT, "quote_id": _TEXT},
                  "description": "An offer of the ranking (its `provider` and `quote.id`), or of a re-quote."},
        "requote_index": {"type": ["integer", "null"], "minimum": 0,
                          "description": "The re-quote the offer comes from (a `changed` answer's `requote_index`)."},
    },
}
_OFFER = {
    "type": "object",
    "required": ["provider", "provider_name", "house", "quote_id", "rank", "firmness", "price", "valid_until", "url"],
    "properties": {
        "provider": {"type": "string"}, "provider_name": {"type": "string"}, "house": {"type": "boolean"},
        "quote_id": {"type": "string"}, "rank": {"type": ["integer", "null"]},
        "firmness": {"enum": ["binding", "indicative", "estimate", None]},
        "price": {"type": "string", "description": "The price in the results page's unit, as shown (\"$1,212.50\")."},
        "valid_until": {"type": "string"}, "url": {"type": ["string", "null"]},
        "requote_index": {"type": ["integer", "null"]},
    },
}
HANDOFF_SCHEMA: dict[str, Any] = {
    "title": "Handoff",
    "type": "object",
    "required": ["status", "changed", "url", "offer", "current", "checked_by", "provider_status", "requote_index",
                 "problem", "audit"],
    "properties": {
        "status": {"enum": ["handed_off", "changed"]},
        "changed": {"type": "boolean"},
        "url": {"type": ["string", "null"], "description": "Where to send the customer; null unless handed off."},
        "offer": {**_OFFER, "description": "The offer as the customer saw it."},
        "current": {"oneOf": [{"type": "null"}, _OFFER],
                    "description": "The offer as it stands now; null when the provider has none for the customer."},
        "checked_by": {"enum": ["status", "re-quote", "estimate"]},
        "provider_status": {"type": ["string", "null"],
                            "description": "received, under_review, accepted, rejected or expired, when told."},
        "requote_index": {"type": ["integer", "null"], "description": "The log entry of the re-quote, if any."},
        "problem": {"type": ["string", "null"], "description": "Why there is no offer now, in words."},
        "audit": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["index", "leaf_hash"],
                                                "properties": {"index": {"type": "integer"},
                                                               "leaf_hash": {"type": "string"}}}],
                  "description": "The hand-off's log entry; null when nothing was handed off."},
    },
}
_validator = SchemaValidator(HANDOFF_REQUEST_SCHEMA)


def _offer(offer: ShownOffer | None) -> dict[str, Any] | None:
    return None if offer is None else offer.as_record()


def handoff_document(handoff: Handoff) -> dict[str, Any]:
    fresh = handoff.freshness
    return {
        "status": handoff.status, "changed": handoff.changed, "url": handoff.url,
        "offer": _offer(handoff.before), "current": _offer(handoff.after), "checked_by": fresh.checked_by,
        "provider_status": fresh.status, "requote_index": fresh.requote_index, "problem": fresh.problem,
        "audit": None if handoff.entry_index is None else {"index": handoff.entry_index,
                                                           "leaf_hash": handoff.entry_leaf_hash},
    }


def _choice() -> OfferChoice | Any:
    """The offer asked for, or the problem answer."""
    if request.mimetype != "application/json":
        return problem(415, "Send JSON", "Send {\"offer\": {\"provider\", \"quote_id\"}} as application/json.")
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        return problem(400, "That is not JSON we can read", "Send {\"offer\": {\"provider\", \"quote_id\"}}.")
    errors = [{"pointer": pointer(*error.absolute_path), "detail": error.message}
              for error in _validator.iter_errors(body)]
    if errors:
        return invalid_answer(errors)
    return OfferChoice(body["offer"]["provider"], body["offer"]["quote_id"], body.get("requote_index"))


@bp.post("/<reference>/handoffs")
@public
def create(reference: str) -> Any:
    if "Authorization" in request.headers and request_api_token() is None:
        return problem(401, "That API token does not work", "Send a working token, or none at all.")
    if "Authorization" not in request.headers and not admitted(REFERENCE_RATE_LIMIT, "reference-lookup"):
        return problem(429, "Too many look-ups", "You have looked up many references from this address; wait a minute.")
    choice = _choice()
    if not isinstance(choice, OfferChoice):
        return choice
    result = load_result(db.session, reference) if len(reference) <= 20 else None
    if result is None:
        return problem(404, "There is no comparison with that reference", "Check the reference.")
    line = get_product_line(result["product"]["key"])
    try:
        with recorded("An API hand-off", not_logged_problem("The hand-off could not be recorded")):
            handoff = hand_off(db.session, current_registry(), line, result, choice,
                               asking=Asking(request_actor(), CHANNEL), now=utcnow())
    except OfferUnavailable as refused:
        return problem(refused.status, "We cannot hand this offer off", refused.message)
    response = jsonify(handoff_document(handoff))
    response.status_code = 201
    return response


OPERATIONS = (
    Operation("post", "/api/v1/comparisons/{reference}/handoffs", "createHandoff", "Continue with a provider",
              "Checks an offer with its provider (its quote status, else a fresh quote) before the customer goes "
              "there. If it still stands, logs the hand-off (which offer of which recommendation, its rank, "
              "firmness and price) and answers `handed_off` with the provider's deep link, checked to be on the "
              "provider's own site. If it changed, logs the fresh quote and answers `changed` with the offer now: "
              "show it to the customer, and hand it off with its `requote_index`.",
              {201: Body("What happened.", HANDOFF_SCHEMA)}, scopes=(), request_schema=HANDOFF_REQUEST_SCHEMA,
              parameters=(Parameter("reference", "path", REFERENCE_SCHEMA, "The comparison's reference."),),
              problems=(400, 404, 409, 415, 422, 429, 503), tags=("comparisons",)),
)
