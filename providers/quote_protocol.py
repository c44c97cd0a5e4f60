"""The built-in adapter for Candor Quote Protocol v1 (docs/provider-protocol.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests

from providers.base import Adapter, ProviderConfig, Quote, QuoteQuery
from providers.errors import (
    InvalidReply,
    ParseError,
    ProviderDeclined,
    ProviderUnavailable,
)
from providers.http import (
    DEFAULT_MAX_REPLY_BYTES,
    pooled_session,
    read_capped,
    timeouts,
    translate_transport_error,
)

PROTOCOL = "candor-quote/1"


class QuoteProtocolAdapter(Adapter[dict[str, Any], bytes]):
    kind = "quote_protocol"

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config)
        url = config.options.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"provider {config.key}: quote_protocol needs an http(s) url")
        self.endpoint = url.rstrip("/") + "/quotes"
        self.max_reply_bytes = int(config.options.get("max_reply_bytes", DEFAULT_MAX_REPLY_BYTES))
        self.session = pooled_session()

    def transform_query(self, query: QuoteQuery) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL,
            "product": query.product,
            "request_id": query.request_id,
            "profile": dict(query.profile),
        }

    def extract(self, request: dict[str, Any], *, timeout_s: float) -> bytes:
        try:
            with self.session.post(
                self.endpoint,
                json=request,
                timeout=timeouts(timeout_s),
                stream=True,
                headers={"Accept": "application/json"},
            ) as response:
                if response.status_code == 429:
                    raise ProviderUnavailable("was too busy to quote", detail="HTTP 429")
                if response.status_code >= 500:
                    raise ProviderUnavailable("had a problem on its side", detail=f"HTTP {response.status_code}")
                if response.status_code != 200:
                    raise InvalidReply("refused our request", detail=f"HTTP {response.status_code}")
                content_type = response.headers.get("Content-Type", "")
                if content_type.split(";")[0].strip().lower() != "application/json":
                    raise InvalidReply("sent something that is not a quote reply", detail=f"Content-Type {content_type!r}")
                return read_capped(response, self.max_reply_bytes)
        except requests.RequestException as error:
            raise translate_transport_error(error) from error

    def transform_data(self, raw: bytes, query: QuoteQuery) -> list[Quote]:
        try:
            reply = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise ParseError("sent a reply we could not read", detail="body is not UTF-8") from error
        except json.JSONDecodeError as error:
            raise ParseError("sent a reply we could not read", detail=f"malformed JSON: {error.msg}") from error
        if not isinstance(reply, dict):
            raise InvalidReply("sent a reply of the wrong shape", detail="reply is not an object")
        declined = reply.get("declined")
        if declined is not None:
            reason = declined.get("reason") if isinstance(declined, dict) else None
            if not isinstance(reason, str) or not reason.strip():
                raise InvalidReply("sent a reply of the wrong shape", detail="declined without a reason")
            raise ProviderDeclined(reason.strip()[:500])
        quotes = reply.get("quotes")
        if not isinstance(quotes, list):
            raise InvalidReply("sent a reply of the wrong shape", detail="quotes is not a list")
        return [_quote(item, position) for position, item in enumerate(quotes)]

    def close(self) -> None:
        self.session.close()


def _quote(item: Any, position: int) -> Quote:
    where = f"quotes[{position}]"
    if not isinstance(item, Mapping):
        raise InvalidReply("sent a reply of the wrong shape", detail=f"{where} is not an object")
    for key, kind in (("id", str), ("product", str), ("currency", str), ("valid_until", str), ("terms", Mapping)):
        if not isinstance(item.get(key), kind):
            raise InvalidReply("sent a reply of the wrong shape", detail=f"{where}.{key} is missing or not a {kind.__name__}")
    try:
        valid_until = datetime.fromisoformat(item["valid_until"].replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidReply("sent a reply of the wrong shape", detail=f"{where}.valid_until is not a date-time") from error
    if valid_until.tzinfo is None:
        raise InvalidReply("sent a reply of the wrong shape", detail=f"{where}.valid_until has no time zone")
    url = item.get("url")
    return Quote(
        id=item["id"][:200],
        product=item["product"],
        currency=item["currency"],
        valid_until=valid_until,
        terms=dict(item["terms"]),
        url=url if isinstance(url, str) and url.startswith(("http://", "https://")) else None,
    )
