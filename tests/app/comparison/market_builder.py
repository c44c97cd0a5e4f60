"""Markets made in the test, ranked by the real comparison service without HTTP: provider
outcomes with the quotes a test chooses, put through build_result as a comparison would be, and
turned into what the log keeps (decimal strings)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from app.audit.canonical import loggable
from app.comparison.fetch import ProviderOutcome
from app.comparison.api import build_result, resolve_weights
from app.products import get_product_line
from providers.base import ProviderConfig, Quote
from providers.errors import ProviderError
from tests.factories import auto_profile, auto_terms

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
MONEY_FIGURE = re.compile(r"\$[0-9][0-9,]*\.[0-9]{2}")


def auto_quote(key: str, premium: str, number: int = 1, **terms: Any) -> Quote:
    return Quote(id=f"{key}-{number}", product="auto", currency="USD", valid_until=NOW + timedelta(days=1),
                 terms=auto_terms(premium=premium, **terms), url=None)


def outcome(key: str, name: str, *quotes: Quote, house: bool = False,
            failure: ProviderError | None = None, product: str = "auto") -> ProviderOutcome:
    config = ProviderConfig(key=key, name=name, adapter="quote_protocol", products=(product,), house=house)
    return ProviderOutcome(config=config, request_id=f"request-{key}", quotes=list(quotes), failure=failure,
                           latency_ms=5)


def ranked(outcomes: list[ProviderOutcome], *, preset: str = "balanced", product: str = "auto",
           profile: dict[str, Any] | None = None, preferences: dict[str, Any] | None = None) -> dict[str, Any]:
    """The result as the log keeps it."""
    line = get_product_line(product)
    chosen, weights = resolve_weights(line, preferences or {"preset": preset})
    body = build_result(line, profile or auto_profile(), outcomes, preset=chosen, weights=weights, now=NOW,
                        deadline_s=5.0)
    return loggable(body)


def price_of(result: dict[str, Any], provider: str, criterion: str) -> Decimal:
    """The best-placed ranked offer of a provider: its logged value of the price criterion."""
    return Decimal(next(offer for offer in result["ranking"] if offer["provider"] == provider)["values"][criterion])
