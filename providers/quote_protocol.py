"""The built-in adapter for Candor Quote Protocol v1 (docs/provider-protocol.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from providers import settings
from providers.base import INDICATIVE, Adapter, Offer, ProviderConfig, Quote, QuoteQuery, UnusableQuote
from providers.errors import InvalidReply, ProviderDeclined
from providers.http import Deadline
from providers.json_schema import SchemaValidator
from providers.protocol import MEDIA_TYPE, PROTOCOL, QUOTE_SCHEMA, REPLY_SCHEMA, read_json

OPTIONS = {"url"}
# The reply's own shape is checked without descending into its quotes: each quote is checked on
# its own below (one broken quote must not cost the others), and checking them twice was a good
# part of the time a comparison spends reading replies.
_ENVELOPE_SCHEMA = {**REPLY_SCHEMA, "properties": {**REPLY_SCHEMA["properties"], "quotes": {
    key: value for key, value in REPLY_SCHEMA["properties"]["quotes"].items() if key != "items"}}}
_reply_validator = SchemaValidator(_ENVELOPE_SCHEMA)
_quote_validator = SchemaValidator(QUOTE_SCHEMA)


class QuoteProtocolAdapter(Adapter[dict[str, Any], bytes]):
    kind = "quote_protocol"

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config)
        settings.check_known(config, OPTIONS)
        self.endpoint = (settings.http_url(config) or "").rstrip("/") + "/quotes"
        self.http = settings.http_client(config)

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

    def close(self) -> None:
        self.http.close()


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
