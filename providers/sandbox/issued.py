"""What a sandbox provider remembers of the quotes it issued, so that it can answer Candor Quote
Protocol 1.1's status request (`GET /quotes/{id}`) and show a real page for each offer
(`GET /offer/{id}`, the quote's deep link), as a real insurer or lender would. Memory is bounded:
the oldest quotes are forgotten first (their status is then "not found", as for any unknown id).

Two knobs of the market use it: a provider's `quote_validity_s` (how long its quotes hold; a few
seconds make a quote lapse between the ranking and the hand-off) and `requote_markup_percent`
(a quote for a customer it has quoted before costs that much more: a re-quote that changed)."""

from __future__ import annotations

import hashlib
import html
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MAX_REMEMBERED = 10_000
CENT = Decimal("0.01")


class IssuedQuotes:
    """Thread-safe: one per running provider, shared by its request threads."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self.limit = limit
        self._quotes: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._customers: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, quote: Mapping[str, Any]) -> None:
        with self._lock:
            self._quotes[quote["id"]] = dict(quote)
            while len(self._quotes) > self.limit:
                self._quotes.popitem(last=False)

    def get(self, quote_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._quotes.get(quote_id)
            return None if found is None else dict(found)

    def quoted_before(self, profile: Any) -> bool:
        """Whether this customer (their profile as sent) was quoted before; remembers them now."""
        digest = hashlib.sha256(json.dumps(profile, sort_keys=True, default=str).encode()).hexdigest()
        with self._lock:
            seen = digest in self._customers
            self._customers[digest] = None
            while len(self._customers) > self.limit:
                self._customers.popitem(last=False)
            return seen


def marked_up(amount: str, percent: float) -> str:
    """A decimal-string amount raised by `percent`, to the cent."""
    factor = 1 + Decimal(str(percent)) / 100
    return str((Decimal(amount) * factor).quantize(CENT, rounding=ROUND_HALF_UP))


def _lapsed(quote: Mapping[str, Any], now: datetime) -> bool:
    return datetime.fromisoformat(quote["valid_until"].replace("Z", "+00:00")) <= now


def status_of(issued: IssuedQuotes, quote_id: str, now: datetime) -> dict[str, Any] | None:
    """The status document for a quote (protocol 1.1), or None for an id never issued (or forgotten)."""
    quote = issued.get(quote_id)
    if quote is None:
        return None
    if _lapsed(quote, now):
        return {"id": quote_id, "status": "expired", "quote": None}
    return {"id": quote_id, "status": "received", "quote": quote}


def offer_page(issued: IssuedQuotes, provider_name: str, quote_id: str, now: datetime) -> str | None:
    """The provider's own page for an offer: what it is, until when it holds, and how to go on; None
    for an id it never issued."""
    quote = issued.get(quote_id)
    if quote is None:
        return None
    title = html.escape(f"Offer {quote_id} from {provider_name}")
    terms = "".join(f"<dt>{html.escape(str(key).replace('_', ' '))}</dt><dd>{html.escape(str(value))}</dd>"
                    for key, value in quote["terms"].items() if value is not None)
    until = html.escape(quote["valid_until"])
    if _lapsed(quote, now):
        standing = f"<p data-offer-status=expired>This offer expired at {until}. Ask us for a new quote.</p>"
    else:
        firm = "a firm price" if quote.get("firmness") == "binding" else "subject to our checks"
        standing = (f"<p data-offer-status=received>This offer is {firm}, valid until {until}.</p>"
                    "<p><button type=button>Apply now</button></p>")
    return (f"<!doctype html>\n<html lang=en><meta charset=utf-8><title>{title}</title><h1>{title}</h1>"
            f"{standing}<dl>{terms}</dl></html>\n")
