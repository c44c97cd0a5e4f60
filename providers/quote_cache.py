"""Quotes kept per (provider, profile digest) for as long as they stay valid, so asking again
with the same profile does not ask the provider again. In Redis when configured (shared by every
instance), else in this process.

- The digest is an HMAC of the product and profile under the deployment's secret: cache keys
  never reveal, and cannot be used to guess, a customer's details.
- The key also carries a fingerprint of the provider's settings, so changing a provider's
  address or options never serves quotes fetched under the old ones.
- An entry lives until its earliest quote expires minus a safety margin, and every read checks
  the expiry again: a quote that has expired, or is about to, is never served.
- Only complete, readable replies are kept: a reply with an unreadable offer is asked for again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from providers.base import Offer, ProviderConfig, Quote, QuoteQuery, utcnow
from providers.store import Store

logger = logging.getLogger("candor.providers.cache")

MIN_REMAINING = timedelta(seconds=60)
"""A cached quote is only served while it stays valid at least this long: long enough to be read."""
MAX_TTL = timedelta(hours=6)


@dataclass(frozen=True)
class CachedAnswer:
    quotes: list[Quote]
    request_id: str
    fetched_at: datetime


def canonical(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def config_fingerprint(config: ProviderConfig) -> str:
    return hashlib.sha256(canonical({"adapter": config.adapter, "options": dict(config.options),
                                     "products": list(config.products)})).hexdigest()[:16]


class QuoteCache:
    def __init__(self, store: Store, *, secret: bytes, namespace: str = "candor",
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self._secret = secret
        self._namespace = namespace
        self._clock = clock

    def key(self, config: ProviderConfig, query: QuoteQuery) -> str:
        digest = hmac.new(self._secret, canonical({"product": query.product, "profile": dict(query.profile)}),
                          hashlib.sha256).hexdigest()
        return f"{self._namespace}:quotes:{config.key}:{config_fingerprint(config)}:{digest}"

    def get_many(self, configs: Sequence[ProviderConfig], query: QuoteQuery) -> dict[str, CachedAnswer]:
        """The still-valid cached answers among `configs`, by provider key (one round trip)."""
        keys = [self.key(config, query) for config in configs]
        found: dict[str, CachedAnswer] = {}
        for config, key, raw in zip(configs, keys, self.store.get_many(keys)):
            if raw is None:
                continue
            answer = self._decode(raw)
            if answer is None:
                self.store.delete(key)
                continue
            found[config.key] = answer
        return found

    def put(self, config: ProviderConfig, query: QuoteQuery, offers: Sequence[Offer], *, request_id: str) -> None:
        if not offers or not all(isinstance(offer, Quote) for offer in offers):
            return
        quotes = [offer for offer in offers if isinstance(offer, Quote)]
        now = self._clock()
        earliest = min(quote.valid_until for quote in quotes)
        ttl = min(earliest - now - MIN_REMAINING, MAX_TTL)
        if ttl.total_seconds() <= 0:
            return
        document = {
            "request_id": request_id,
            "fetched_at": now.isoformat(),
            "quotes": [{"id": q.id, "product": q.product, "currency": q.currency,
                        "valid_until": q.valid_until.isoformat(), "terms": dict(q.terms), "url": q.url,
                        "firmness": q.firmness}
                       for q in quotes],
        }
        try:
            value = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        except (TypeError, ValueError):  # terms that are not plain JSON are not worth keeping
            return
        self.store.set(self.key(config, query), value, ttl.total_seconds())

    def _decode(self, raw: bytes) -> CachedAnswer | None:
        try:
            document = json.loads(raw)
            quotes = [Quote(id=q["id"], product=q["product"], currency=q["currency"],
                            valid_until=datetime.fromisoformat(q["valid_until"]), terms=q["terms"], url=q["url"],
                            firmness=q.get("firmness"))
                      for q in document["quotes"]]
            answer = CachedAnswer(quotes, document["request_id"], datetime.fromisoformat(document["fetched_at"]))
        except (ValueError, KeyError, TypeError) as error:
            logger.warning("Dropped an unreadable cached answer (%s).", type(error).__name__)
            return None
        if not quotes or min(q.valid_until for q in quotes) - self._clock() < MIN_REMAINING:
            return None
        return answer
