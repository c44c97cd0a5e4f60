"""Provider health: how each provider has been doing, computed from the logged comparisons (the
log is the one record of every time a provider was asked), and a live probe for
`flask providers check`.

Definitions (shown on the admin page beside the figures):
- asked: recommendations in the window that included the provider, except those answered from
  the quote cache (the provider was not asked then);
- success: the provider answered with at least one usable offer, or declined with a reason
  (both are proper answers); skipped by its circuit breaker counts as not answering;
- latency: from the moment the comparison started asking to the provider's answer; a provider
  that did not answer by the deadline counts at the deadline (a lower bound), one skipped by its
  circuit breaker is not counted;
- p50/p95: nearest-rank percentiles of those latencies;
- last error: the most recent failure, with its kind, words and when it happened.
"""

from __future__ import annotations

import math
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.entries import RECOMMENDATION
from app.audit.log import document
from app.audit.models import AuditEntry
from app.products.base import InvalidTerms, ProductLine
from providers.base import ProviderConfig, Quote, QuoteQuery, UnusableQuote
from providers.breaker import BreakerPolicy, CircuitBreaker
from providers.errors import ProviderError
from providers.registry import ProviderRegistry

DEFAULT_LIMIT = 2000
NOT_ASKED = ("circuit_open",)


@dataclass(frozen=True)
class LastError:
    kind: str
    message: str
    at: datetime
    reference: str | None


@dataclass(frozen=True)
class ProviderHealth:
    provider: str
    name: str
    asked: int
    succeeded: int
    quoted: int
    declined: int
    failed: int
    from_cache: int
    success_rate: Decimal | None
    """A fraction from 0 to 1, four places; None when never asked."""
    p50_ms: int | None
    p95_ms: int | None
    last_error: LastError | None
    last_asked_at: datetime | None
    failures_by_kind: Mapping[str, int] = field(default_factory=dict)


def percentile(values: Sequence[int], percent: int) -> int | None:
    """Nearest-rank percentile: the smallest value with at least `percent`% of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


@dataclass
class _Tally:
    name: str
    asked: int = 0
    quoted: int = 0
    declined: int = 0
    failed: int = 0
    from_cache: int = 0
    latencies: list[int] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    last_error: LastError | None = None
    last_asked_at: datetime | None = None


def _failure_of(record: Mapping[str, Any]) -> tuple[str, str] | None:
    failure = record.get("failure")
    if failure is not None and failure.get("kind") != "declined":
        return failure["kind"], failure["message"]
    if record.get("outcome") == "failed":
        invalid = record.get("invalid_quotes") or []
        if invalid:
            return "invalid_reply", f"sent an offer we could not use ({invalid[0]['field']}: {invalid[0]['problem']})"
        return "no_quotes", "answered but made no offer"
    return None


def tally(results: Iterable[Mapping[str, Any]]) -> list[ProviderHealth]:
    """Health per provider from logged results, newest first or in any order."""
    tallies: dict[str, _Tally] = {}
    for result in results:
        at = datetime.fromisoformat(str(result["time"]).replace("Z", "+00:00"))
        deadline_ms = result.get("deadline_ms")
        for record in result.get("providers", []):
            item = tallies.setdefault(record["provider"], _Tally(record["provider_name"]))
            if record.get("cached"):
                item.from_cache += 1
                continue
            item.asked += 1
            if item.last_asked_at is None or at > item.last_asked_at:
                item.last_asked_at = at
            failure = _failure_of(record)
            if failure is None:
                if record.get("failure") is not None:
                    item.declined += 1
                else:
                    item.quoted += 1
            else:
                kind, message = failure
                item.failed += 1
                item.kinds[kind] += 1
                if item.last_error is None or at > item.last_error.at:
                    item.last_error = LastError(kind, message, at, result.get("reference"))
            latency = record.get("latency_ms")
            if latency is None and failure is not None and failure[0] == "timeout" and deadline_ms is not None:
                latency = deadline_ms
            if latency is not None and (failure is None or failure[0] not in NOT_ASKED):
                item.latencies.append(int(latency))
    health = []
    for key, item in tallies.items():
        succeeded = item.quoted + item.declined
        rate = (Decimal(succeeded) / Decimal(item.asked)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) \
            if item.asked else None
        health.append(ProviderHealth(
            provider=key, name=item.name, asked=item.asked, succeeded=succeeded, quoted=item.quoted,
            declined=item.declined, failed=item.failed, from_cache=item.from_cache, success_rate=rate,
            p50_ms=percentile(item.latencies, 50), p95_ms=percentile(item.latencies, 95),
            last_error=item.last_error, last_asked_at=item.last_asked_at, failures_by_kind=dict(item.kinds),
        ))
    return sorted(health, key=lambda h: h.name.casefold())


def provider_health(session: Session, *, since: datetime | None = None, product: str | None = None,
                    limit: int = DEFAULT_LIMIT) -> list[ProviderHealth]:
    """Health per provider over the newest `limit` recommendations (since `since`, of `product`).
    Re-ranks are left out: they reuse quotes and ask nobody."""
    query = select(AuditEntry).where(AuditEntry.kind == RECOMMENDATION)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if product is not None:
        query = query.where(AuditEntry.product == product)
    entries = session.scalars(query.order_by(AuditEntry.index.desc()).limit(limit))
    return tally(document(entry) for entry in entries)


# --- the live probe ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeResult:
    provider: str
    product: str
    latency_ms: int
    offers: int = 0
    usable: int = 0
    problems: tuple[str, ...] = ()
    failure: ProviderError | None = None

    @property
    def ok(self) -> bool:
        """A usable offer or a reasoned decline: the provider works."""
        if self.failure is not None:
            return self.failure.kind == "declined"
        return self.usable > 0


def probe(registry: ProviderRegistry, config: ProviderConfig, line: ProductLine, *,
          timeout_s: float | None = None) -> ProbeResult:
    """Asks one provider live, with the product line's example profile, past the quote cache and
    the circuit breaker, and checks every offer against the line's terms."""
    query = QuoteQuery(line.key, line.profile_schema["examples"][0], f"probe-{uuid.uuid4().hex[:12]}")
    started = time.monotonic()
    try:
        offers = registry.fetch(config, query, timeout_s=timeout_s or config.timeout_s,
                                ticket=CircuitBreaker().admit(config.key, BreakerPolicy()))
    except ProviderError as error:
        return ProbeResult(config.key, line.key, round((time.monotonic() - started) * 1000), failure=error)
    latency_ms = round((time.monotonic() - started) * 1000)
    problems = []
    for offer in offers:
        if isinstance(offer, UnusableQuote):
            problems.append(f"{offer.field}: {offer.problem}")
            continue
        problems.extend(_quote_problems(offer, line))
    usable = len(offers) - len(problems)
    return ProbeResult(config.key, line.key, latency_ms, len(offers), usable, tuple(problems))


def _quote_problems(quote: Quote, line: ProductLine) -> list[str]:
    if quote.product != line.key:
        return [f"product: a {quote.product!r} quote is not {line.name.lower()}"]
    if quote.currency != line.currency:
        return [f"currency: prices in {quote.currency!r}, not {line.currency}"]
    try:
        line.parse_terms(quote.terms)
    except InvalidTerms as problem:
        return [f"{problem.field_name}: {problem.problem}"]
    return []
