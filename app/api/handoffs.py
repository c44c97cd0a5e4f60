"""POST /api/v1/comparisons/{reference}/handoffs: “Continue with this provider” for an integration
(app/comparison/handoff.py). The offer is checked with its provider first; the answer says whether
it was handed off (`url`: where to send the customer, checked to be on the provider's own site) or
changed (`current`: the offer now, to show the customer before they go on, with `reranked`: what
it does to the ranking; hand that one off with its `requote_index`) or reissued (the quote had
expired and was re-issued unchanged: show `reissue`, then hand `current` off the same way). Anyone holding the reference may ask, as for reading the comparison."""

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
        "reranked_rank": {"type": "integer", "minimum": 1,
                          "description": "Present for an offer from a changed re-quote: its rank in the re-ranking."},
    },
}
_MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
_RANKED_ROW = {
    "type": "object",
    "required": ["provider", "provider_name", "house", "quote_id", "rank", "tied", "price", "requoted"],
    "properties": {"provider": {"type": "string"}, "provider_name": {"type": "string"}, "house": {"type": "boolean"},
                   "quote_id": {"type": "string"}, "rank": {"type": "integer", "minimum": 1},
                   "tied": {"type": "boolean"}, "price": {"type": ["string", "null"]},
                   "requoted": {"type": "boolean", "description": "The re-quoted offer, in its new place."}},
}
RERANKED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": ("The comparison ranked again with the fresh quote in place of the one shown (the same engine, "
                    "preferences and measures, at the comparison's logged time; the other offers as logged), as "
                    "the re-quote's log entry records it."),
    "required": ["replaces", "preset", "preset_label", "ranked_at", "offers", "rows", "chosen", "best", "money",
                 "sentence"],
    "properties": {
        "replaces": {"type": "string", "description": "The quote id of the ranked offer the fresh quote replaces."},
        "preset": {"type": "string"}, "preset_label": {"type": "string"},
        "ranked_at": {"type": "string", "description": "The comparison's time, at which the offers were ranked."},
        "offers": {"type": "integer", "minimum": 0, "description": "How many offers the re-ranking ranked."},
        "rows": {"type": "array", "items": _RANKED_ROW, "maxItems": 11,
                 "description": "The top ten offers in their new order, and the re-quoted one if it is lower."},
        "chosen": {"oneOf": [{"type": "null"}, {
            "type": "object", "required": ["quote_id", "rank", "tied", "previous_rank"],
            "properties": {"quote_id": {"type": "string"}, "rank": {"type": "integer"}, "tied": {"type": "boolean"},
                           "previous_rank": {"type": ["integer", "null"]}}}],
            "description": "Where the re-quoted offer ranks now; null if it could not be ranked."},
        "best": {"oneOf": [{"type": "null"}, {
            "type": "object", "required": ["provider", "provider_name", "quote_id", "rank"],
            "properties": {"provider": {"type": "string"}, "provider_name": {"type": "string"},
                           "quote_id": {"type": "string"}, "rank": {"type": "integer"}}}],
            "description": "Another offer ranked first now (sharing first place, when the re-quoted one is first); "
                           "null when none is."},
        "money": {"oneOf": [{"type": "null"}, {
            "type": "object",
            "required": ["amount", "direction", "chosen_amount", "best_amount", "currency", "period", "years", "verb",
                         "criterion"],
            "properties": {
                "amount": {**_MONEY, "description": "How far apart the two are on the price criterion, never negative."},
                "direction": {"enum": ["more", "less", "same"],
                              "description": "Whether the re-quoted offer costs (earns) more or less than `best`."},
                "chosen_amount": _MONEY, "best_amount": _MONEY, "currency": {"type": "string"},
                "period": {"enum": ["year", "month", "horizon", "horizon_months", None]},
                "years": {"type": ["integer", "null"]}, "verb": {"enum": ["costs", "earns", "saves"]},
                "criterion": {"type": "string"}}}]},
        "sentence": {"type": "string", "description": "The re-ranking in words, as the shopper reads it."},
    },
}
HANDOFF_SCHEMA: dict[str, Any] = {
    "title": "Handoff",
    "type": "object",
    "required": ["status", "changed", "url", "offer", "current", "checked_by", "provider_status", "requote_index",
                 "problem", "reranked", "reissue", "audit"],
    "properties": {
        "status": {"enum": ["handed_off", "changed", "reissued"],
                   "description": "handed_off: send the customer to `url`. changed: show `current` and `reranked` "
                                  "first. reissued: the quote had expired and was re-issued unchanged; show "
                                  "`reissue` first. Either way, hand `current` off with `requote_index`."},
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
        "reranked": {"oneOf": [{"type": "null"}, RERANKED_SCHEMA],
                     "description": "When the offer changed: the ranking with the fresh quote in place; else null."},
        "reissue": {"type": ["string", "null"],
                    "description": "When reissued: when the quote had expired, and at what price and until when it "
                                   "was re-issued, in words."},
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
        "reranked": None if fresh.reranked is None else fresh.reranked.record, "reissue": handoff.reissue,
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
              "provider's own site. If it changed, logs the fresh quote with the comparison ranked again with it "
              "in place, and answers `changed` with the offer now and `reranked` (whether it still fits best, its "
              "new rank, who now ranks first and the difference in money): show them to the customer, and hand "
              "the offer off with its `requote_index`. If the quote had expired and was re-issued unchanged, "
              "answers `reissued` with `reissue` in words: say so, then hand it off the same way.",
              {201: Body("What happened.", HANDOFF_SCHEMA)}, scopes=(), request_schema=HANDOFF_REQUEST_SCHEMA,
              parameters=(Parameter("reference", "path", REFERENCE_SCHEMA, "The comparison's reference."),),
              problems=(400, 404, 409, 415, 422, 429, 503), tags=("comparisons",)),
)
