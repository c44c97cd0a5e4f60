"""From what each provider answered to what the comparison may rank, and what the log records of it.

Each offer is judged once, here, and the verdict is what every page, the API, the log entry and a
replay show: an offer is unusable (named, with the problem, for staff), set aside with a reason the
shopper reads (implausible, expired, not what was asked for), or eligible to rank. Of several
offers sharing an id, the first usable one is the offer; the others are unusable. The log records
only the offers that were usable, with exactly the terms that were judged, so a replay re-judges
the same terms and ranks them the same way (app/comparison/bounds.py bounds every part).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.audit.canonical import canonical_json
from app.comparison import bounds
from app.comparison.bounds import Limits
from app.comparison.fetch import ProviderOutcome
from app.products.base import InvalidTerms, ProductLine
from providers.base import ProviderConfig, Quote, RawReply, UnusableQuote
from providers.errors import ProviderError

EXPIRED = "This quote had expired before we could show it to you."
NOT_LISTED = UnusableQuote(None, "", "not listed")
"""Stands in, on replay, for an unusable offer the log counted but did not list."""

Eligible = tuple[ProviderConfig, Quote, Mapping[str, Decimal], Mapping[str, str]]


@dataclass
class Settled:
    providers: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    eligible: list[Eligible] = field(default_factory=list)
    limits: Limits = bounds.LEGACY_LIMITS


def provider_identity(config: ProviderConfig) -> dict[str, Any]:
    return {"provider": config.key, "provider_name": config.name, "house": config.house}


def settle(line: ProductLine, profile: Mapping[str, Any], outcomes: list[ProviderOutcome], *,
           now: datetime, limits: Limits | None = None) -> Settled:
    """`limits` None: even shares among the providers asked (bounds.Limits.among)."""
    settled = Settled(limits=limits or Limits.among(len(outcomes)))
    for outcome in outcomes:
        _settle_provider(line, profile, outcome, now, settled)
    return settled


def _settle_provider(line: ProductLine, profile: Mapping[str, Any], outcome: ProviderOutcome, now: datetime,
                     settled: Settled) -> None:
    config = outcome.config
    limits = settled.limits
    identity = provider_identity(config)
    record: dict[str, Any] = {
        **identity,
        "adapter": config.adapter,
        "commission": config.commission,
        "request_id": outcome.request_id,
        "latency_ms": outcome.latency_ms,
        "cached": outcome.cached,
        "reply": None if outcome.reply is None else {"bytes": outcome.reply.size, "sha256": outcome.reply.sha256},
        "quotes": [],
        "invalid_quotes": [],
        "invalid_quotes_not_listed": 0,
        "offers_not_compared": 0,
        "failure": None,
    }
    settled.providers.append(record)
    if outcome.failure is not None:
        _settle_failure(outcome, record, identity, settled)
        return
    # Offers that could not even be read come first, so a replay from the log (which records every
    # unusable offer as unreadable) lists them in the same order.
    invalid = [_invalid(offer.id, offer.field, offer.problem, limits) for offer in outcome.quotes
               if isinstance(offer, UnusableQuote)]
    claimed: set[str] = set()
    not_compared = outcome.not_compared
    for quote in (offer for offer in outcome.quotes if isinstance(offer, Quote)):
        try:
            terms = _usable_terms(line, quote, claimed, limits)
        except InvalidTerms as problem:
            invalid.append(_invalid(quote.id, problem.field_name, problem.problem, limits))
            continue
        if len(claimed) >= limits.compared:
            invalid.append(_invalid(quote.id, "quotes", bounds.not_compared_problem(limits.compared), limits))
            not_compared += 1
            continue
        claimed.add(quote.id)
        record["quotes"].append(logged_quote(quote))
        _judge(line, profile, config, quote, terms, now, settled)
    record["invalid_quotes"] = invalid[:limits.listed]
    record["invalid_quotes_not_listed"] = len(invalid) - len(record["invalid_quotes"])
    record["offers_not_compared"] = not_compared
    _tell_unusable(len(invalid) - not_compared, not_compared, identity, settled)
    if not outcome.quotes:
        settled.failures.append({**identity, "kind": "no_quotes", "message": bounds.shopper_words("no_quotes")})
    record["outcome"] = "quoted" if claimed else "failed"


def _settle_failure(outcome: ProviderOutcome, record: dict[str, Any], identity: dict[str, Any],
                    settled: Settled) -> None:
    assert outcome.failure is not None
    kind = bounds.failure_kind(outcome.failure.kind)
    record["outcome"] = "declined" if kind == "declined" else "failed"
    detail = bounds.capped(outcome.failure.detail)
    ours = bool(outcome.failure.detail_is_ours and detail)
    record["failure"] = {"kind": kind, "message": bounds.capped(outcome.failure.message), "detail": detail,
                         "detail_is_ours": ours}
    message = bounds.shopper_words(kind, record["failure"]["message"]) + (f": {detail}" if ours else "")
    settled.failures.append({**identity, "kind": kind, "message": message})


def _tell_unusable(unusable: int, not_compared: int, identity: dict[str, Any], settled: Settled) -> None:
    """What the shopper reads about offers we could not use, and about those beyond the provider's share."""
    if unusable:
        settled.failures.append({**identity, "kind": "invalid_reply", "message": bounds.unusable_offers_words(unusable)})
    if not_compared:
        settled.failures.append({**identity, "kind": "not_compared",
                                 "message": bounds.not_compared_words(not_compared, settled.limits.compared)})


def _judge(line: ProductLine, profile: Mapping[str, Any], config: ProviderConfig, quote: Quote,
           terms: Mapping[str, Any], now: datetime, settled: Settled) -> None:
    """Sets a usable offer aside with the reason the shopper reads, or makes it eligible to rank."""
    identity = {**provider_identity(config), "quote_id": quote.id}
    implausible = line.implausible(terms)
    if implausible is not None:
        settled.excluded.append({**identity, "facts": {}, "reason": implausible})
        return
    assessment = line.assess(terms, profile)
    if quote.valid_until <= now:
        settled.excluded.append({**identity, "facts": assessment.facts, "reason": EXPIRED})
    elif assessment.exclusion is not None:
        settled.excluded.append({**identity, "facts": assessment.facts, "reason": assessment.exclusion})
    else:
        assert assessment.values is not None
        settled.eligible.append((config, quote, assessment.values, assessment.facts))


def _usable_terms(line: ProductLine, quote: Quote, claimed: set[str], limits: Limits) -> Mapping[str, Any]:
    """The quote's terms as the line reads them; InvalidTerms names what makes the quote unusable."""
    if len(quote.id) > limits.id_chars:
        raise InvalidTerms("id", f"is longer than the {limits.id_chars} characters we accept")
    if quote.url is not None and len(quote.url) > limits.url_chars:
        raise InvalidTerms("url", f"is longer than the {limits.url_chars:,} characters we accept")
    if quote.product != line.key:
        raise InvalidTerms("product", f"a {quote.product!r} quote is not {line.name.lower()}")
    if quote.currency != line.currency:
        raise InvalidTerms("currency", f"prices in {quote.currency!r}, not {line.currency}")
    terms = line.parse_terms(quote.terms)
    if quote.id in claimed:
        raise InvalidTerms("id", f"quote id {quote.id!r} was sent twice; we used the first offer with it")
    if len(canonical_json(logged_quote(quote))) > limits.quote_bytes:
        raise InvalidTerms("terms", f"the offer takes more than the {limits.quote_bytes:,} bytes we record")
    return terms


def logged_quote(quote: Quote) -> dict[str, Any]:
    logged = {"id": quote.id, "product": quote.product, "currency": quote.currency,
              "valid_until": quote.valid_until, "terms": dict(quote.terms), "url": quote.url}
    if quote.firmness is not None:  # entries from before firmness was recorded replay without it
        logged["firmness"] = quote.firmness
    return logged


def _invalid(quote_id: str | None, field_name: str, problem: str, limits: Limits) -> dict[str, Any]:
    return {"id": bounds.capped(quote_id, limits.id_chars), "field": bounds.capped(field_name, bounds.FIELD_CHARS),
            "problem": bounds.capped(problem, limits.problem_chars)}


class LoggedFailure(ProviderError):
    """A provider failure as it was logged, for re-ranking and replay from the log."""

    def __init__(self, kind: str, message: str, detail: str | None, *, detail_is_ours: bool = False) -> None:
        super().__init__(message, detail=detail)
        self.kind = kind
        self.detail_is_ours = detail_is_ours


def outcomes_from_log(result: Mapping[str, Any]) -> list[ProviderOutcome]:
    """The provider outcomes exactly as a logged result recorded them."""
    product = result["product"]["key"]
    outcomes = []
    for record in result["providers"]:
        config = ProviderConfig(key=record["provider"], name=record["provider_name"], adapter=record["adapter"],
                                products=(product,), house=record["house"], commission=record["commission"])
        failure = record["failure"]
        reply = record.get("reply")
        outcomes.append(ProviderOutcome(
            config=config,
            request_id=record["request_id"],
            quotes=_logged_offers(record),
            failure=None if failure is None else LoggedFailure(failure["kind"], failure["message"], failure["detail"],
                                                               detail_is_ours=failure.get("detail_is_ours", False)),
            latency_ms=record["latency_ms"],
            cached=record.get("cached", False),
            reply=None if reply is None else RawReply(reply["bytes"], reply["sha256"]),
            not_compared=record.get("offers_not_compared", 0),
        ))
    return outcomes


def _logged_offers(record: Mapping[str, Any]) -> list[UnusableQuote | Quote]:
    quotes = [Quote(id=q["id"], product=q["product"], currency=q["currency"],
                    valid_until=datetime.fromisoformat(q["valid_until"].replace("Z", "+00:00")),
                    terms=q["terms"], url=q["url"], firmness=q.get("firmness")) for q in record["quotes"]]
    if "invalid_quotes_not_listed" not in record:  # logged before only usable offers were recorded
        return [*(UnusableQuote(u["id"], u["field"], u["problem"]) for u in record.get("unreadable_quotes", [])),
                *quotes]
    return [*(UnusableQuote(u["id"], u["field"], u["problem"]) for u in record["invalid_quotes"]),
            *[NOT_LISTED] * record["invalid_quotes_not_listed"], *quotes]
