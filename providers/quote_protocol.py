"""The built-in adapter for Candor Quote Protocol v1 (docs/provider-protocol.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote as url_quote

from providers import settings
from providers.base import (
    INDICATIVE,
    OPEN_STATUSES,
    Adapter,
    Offer,
    ProviderConfig,
    Quote,
    QuoteQuery,
    QuoteStatus,
    UnusableQuote,
)
from providers.errors import InvalidReply, ProviderDeclined, ProviderUnavailable, RefusedRequest
from providers.http import Deadline
from providers.json_schema import SchemaValidator
from providers.protocol import (
    MEDIA_TYPE,
    PROTOCOL,
    QUOTE_SCHEMA,
    REPLY_SCHEMA,
    STATUS_MAX_BYTES,
    STATUS_SCHEMA,
    read_json,
)

OPTIONS = {"url"}
# The reply's own shape is checked without descending into its quotes: each quote is checked on
# its own below (one broken quote must not cost the others), and checking them twice was a good
# part of the time a comparison spends reading replies.
_ENVELOPE_SCHEMA = {**REPLY_SCHEMA, "properties": {**REPLY_SCHEMA["properties"], "quotes": {
    key: value for key, value in REPLY_SCHEMA["properties"]["quotes"].items() if key != "items"}}}
_reply_validator = SchemaValidator(_ENVELOPE_SCHEMA)
_quote_validator = SchemaValidator(QUOTE_SCHEMA)
_status_validator = SchemaValidator({**STATUS_SCHEMA, "properties": {
    key: value for key, value in STATUS_SCHEMA["properties"].items() if key != "quote"}})
# A provider without the status endpoint (1.0) answers 404, 405 or 501; so does one that no longer
# knows the quote. Either way the caller asks for a fresh quote instead.
NO_STATUS = (404, 405, 410, 501)


class QuoteProtocolAdapter(Adapter[dict[str, Any], bytes]):
    kind = "quote_protocol"

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config)
        settings.check_known(config, OPTIONS)
        self.endpoint = (settings.http_url(config) or "").rstrip("/") + "/quotes"
        self.http = settings.http_client(config)
        self.status_http = settings.http_client(config, reply_cap=STATUS_MAX_BYTES)

    def transform_query(self, query: QuoteQuery) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL,
            "product": query.product,
            "request_id": query.request_id,
            "profile": dict(query.profile),
        }

    def extract(self, request: dict[str, Any], *, timeout_s: float) -> bytes:
        # A POST is retried only when it never reached the provider (connection refused):
        # asking twice for a quote the provider did receive could count twice on its side.
        reply = self.http.post_json(self.endpoint, request, deadline=Deadline.after(timeout_s), accept=(MEDIA_TYPE,),
                                    what="a quote reply")
        return reply.body

    def transform_data(self, raw: bytes, query: QuoteQuery) -> Sequence[Offer]:
        return read_reply(raw)

    def quote_status(self, quote: Quote, *, timeout_s: float) -> QuoteStatus | None:
        """`GET {url}/quotes/{id}` (protocol 1.1); None when the provider tells no status for it."""
        address = f"{self.endpoint}/{url_quote(quote.id, safe='')}"
        reply = self.status_http.get(address, deadline=Deadline.after(timeout_s), accept=(MEDIA_TYPE,),
                                     raise_for_status=False, what="a quote status")
        if reply.status in NO_STATUS:
            return None
        if reply.status >= 500:
            raise ProviderUnavailable("had a problem on its side", detail=f"HTTP {reply.status}")
        if not 200 <= reply.status < 300:
            raise RefusedRequest(reply.status)
        if reply.media_type != MEDIA_TYPE:
            raise InvalidReply("sent something that is not a quote status", detail=f"Content-Type {reply.media_type!r}")
        return read_status(reply.body, quote.id)

    def close(self) -> None:
        self.http.close()
        self.status_http.close()


def read_reply(raw: bytes) -> list[Offer]:
    """Offers from a protocol reply. The reply as a whole must have the documented shape; each
    quote in it is checked on its own, so one broken quote does not cost the others."""
    reply = read_json(raw, what="a quote reply")
    for error in _reply_validator.iter_errors(reply):
        where = ".".join(str(part) for part in error.absolute_path) or "reply"
        raise InvalidReply("sent a reply of the wrong shape", detail=f"{where}: {_short(error.message)}")
    declined = reply.get("declined")
    if declined is not None:
        raise ProviderDeclined(" ".join(declined["reason"].split())[:500])
    offers: list[Offer] = []
    for position, item in enumerate(reply["quotes"]):
        offers.append(_offer(item, position))
    return offers


def read_status(raw: bytes, quote_id: str) -> QuoteStatus:
    """A status reply about `quote_id`: about that quote and no other, and with the quote's current
    terms while it is open; InvalidReply otherwise."""
    reply = read_json(raw, what="a quote status")
    for error in _status_validator.iter_errors(reply):
        where = ".".join(str(part) for part in error.absolute_path) or "reply"
        raise InvalidReply("sent a quote status of the wrong shape", detail=f"{where}: {_short(error.message)}")
    if reply["id"] != quote_id or not isinstance(reply.get("quote") or {}, Mapping):
        raise InvalidReply("sent the status of another quote", detail=f"asked about {_short(quote_id, 80)}")
    current = _offer(reply["quote"], 0) if reply.get("quote") is not None else None
    if isinstance(current, UnusableQuote):
        raise InvalidReply("sent a quote status we could not use", detail=f"quote.{current.field}: {current.problem}")
    if current is not None and current.id != quote_id:
        raise InvalidReply("sent the status of another quote", detail=f"asked about {_short(quote_id, 80)}")
    if reply["status"] in OPEN_STATUSES and current is None:
        raise InvalidReply("sent a quote status without the quote", detail=f"status {reply['status']}")
    return QuoteStatus(quote_id, reply["status"], current)


def _offer(item: Any, position: int) -> Offer:
    item_id = item.get("id") if isinstance(item, Mapping) and isinstance(item.get("id"), str) else None
    error = next(iter(sorted(_quote_validator.iter_errors(item), key=lambda e: list(map(str, e.absolute_path)))), None)
    if error is not None:
        field = ".".join(str(part) for part in error.absolute_path) or _missing(error) or f"quotes[{position}]"
        return UnusableQuote(item_id, field, _short(error.message))
    try:
        valid_until = datetime.fromisoformat(item["valid_until"].replace("Z", "+00:00"))
    except ValueError:
        return UnusableQuote(item_id, "valid_until", f"{_short(repr(item['valid_until']))} is not a date and time")
    if valid_until.tzinfo is None:
        return UnusableQuote(item_id, "valid_until", "has no time zone")
    url = item.get("url")
    return Quote(
        id=item["id"],
        product=item["product"],
        currency=item["currency"],
        valid_until=valid_until,
        terms=dict(item["terms"]),
        url=url if isinstance(url, str) and url.startswith(("http://", "https://")) else None,
        firmness=item.get("firmness", INDICATIVE),
    )


def _missing(error: Any) -> str | None:
    if error.validator == "required":
        return str(error.message).split("'")[1]
    return None


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
