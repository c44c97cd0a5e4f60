"""Candor Quote Protocol v1: the JSON Schemas of the request we send and the reply we accept.
docs/provider-protocol.md prints exactly these (a test keeps the two the same); the product
line's profile and terms schemas fill in `profile` and `terms` (GET /api/v1/products).

Also the one strict way we read JSON from a provider: exact decimals (never binary fractions),
no NaN or Infinity, no integers too large to record exactly, no text that is not Unicode.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from providers.errors import ParseError

PROTOCOL = "candor-quote/1"
MEDIA_TYPE = "application/json"
MAX_QUOTES_PER_REPLY = 20
SAFE_INTEGER = 2**53 - 1
"""Larger integers cannot be recorded exactly in the log (RFC 8785 numbers are IEEE doubles)."""

REQUEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/quote-protocol/1/request.json",
    "title": "Candor Quote Protocol v1: quote request",
    "type": "object",
    "additionalProperties": False,
    "required": ["protocol", "product", "request_id", "profile"],
    "properties": {
        "protocol": {"const": PROTOCOL},
        "product": {"type": "string", "description": "A product line key, e.g. \"auto\" or \"mortgage\"."},
        "request_id": {"type": "string", "minLength": 1, "maxLength": 200,
                       "description": "Unique per request; log it to match our records with yours."},
        "profile": {"type": "object", "description": "The product line's profile schema."},
    },
}

QUOTE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/quote-protocol/1/quote.json",
    "title": "Candor Quote Protocol v1: one quote",
    "type": "object",
    "required": ["id", "product", "currency", "valid_until", "terms"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 200,
               "description": "Unique within the reply; stable for as long as the quote is valid."},
        "product": {"type": "string", "description": "The product asked for."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217, e.g. USD."},
        "valid_until": {"type": "string", "format": "date-time",
                        "description": "RFC 3339 with a time zone; an expired quote is never shown."},
        "terms": {"type": "object", "description": "The product line's terms schema."},
        "url": {"type": ["string", "null"], "format": "uri",
                "description": "Where the customer can take up the offer (http or https)."},
        "firmness": {"enum": ["binding", "indicative"],
                     "description": "binding: you will honour the quote as sent until valid_until; indicative: "
                                    "subject to your underwriting. Optional since 1.1; absent means indicative."},
    },
}

REPLY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/quote-protocol/1/reply.json",
    "title": "Candor Quote Protocol v1: quote reply",
    "type": "object",
    "required": ["quotes"],
    "properties": {
        "quotes": {"type": "array", "maxItems": MAX_QUOTES_PER_REPLY,
                   "items": {"$ref": "https://candor.example/schemas/quote-protocol/1/quote.json"}},
        "declined": {
            "oneOf": [
                {"type": "null"},
                {"type": "object", "required": ["reason"],
                 "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500,
                                           "description": "Shown to the customer: plain words."}}},
            ],
        },
    },
}


STATUS_MAX_BYTES = 64 * 1024
"""A status reply is one quote: anything larger is refused while reading."""

STATUS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://candor.example/schemas/quote-protocol/1/status.json",
    "title": "Candor Quote Protocol v1.1: quote status",
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 200, "description": "The quote id asked about."},
        "status": {"enum": ["received", "under_review", "accepted", "rejected", "expired"],
                   "description": "received, under_review, accepted: the quote can still be taken up; "
                                  "rejected, expired: it cannot."},
        "quote": {
            "oneOf": [{"type": "null"}, {"$ref": "https://candor.example/schemas/quote-protocol/1/quote.json"}],
            "description": "The quote as it stands now (its terms, valid_until, firmness and url, the deep link "
                           "that carries its id); required while the status is received, under_review or accepted.",
        },
    },
}


def read_json(body: bytes, *, what: str = "a reply") -> Any:
    """The document in `body`, or ParseError saying, in plain words, that we could not read it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError(f"sent {what} we could not read", detail=f"bytes that are not UTF-8 at {error.start}") from None
    try:
        document = json.loads(text, parse_float=Decimal, parse_int=_exact_integer, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ParseError(f"sent {what} we could not read", detail=f"malformed JSON: {error.msg}") from None
    except (ValueError, RecursionError) as error:
        raise ParseError(f"sent {what} we could not read", detail=str(error)[:200] or type(error).__name__) from None
    _check_text(document, what)
    return document


def _exact_integer(text: str) -> int | Decimal:
    if len(text.lstrip("-")) > 4000:
        raise ValueError("an integer with thousands of digits")
    value = int(text)
    # Out-of-range integers are kept exactly, as decimals: the log records them as text and the
    # product line's schema rejects them where a whole number is expected.
    return value if -SAFE_INTEGER <= value <= SAFE_INTEGER else Decimal(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_text(document: Any, what: str) -> None:
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _encodable(item, what)
        elif isinstance(item, dict):
            for key, value in item.items():
                _encodable(key, what)
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _encodable(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError(f"sent {what} we could not read", detail="text with an unpaired surrogate escape") from None
