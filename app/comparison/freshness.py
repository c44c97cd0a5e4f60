"""Is an offer still what the customer was shown? Asked just before they go to the provider (the
hand-off, handoff.py) or when an advisor re-quotes one provider during a call.

A quote that has not lapsed is checked with the provider's quote status (Candor Quote Protocol
1.1, `GET {url}/quotes/{id}`); a provider that tells no status, does not answer it, or says the
quote is rejected or expired is asked for a fresh quote, as is every quote past its
`valid_until`. Our own estimates from a published page hold until they lapse. What the provider
said — a changed quote from its status, or a fresh quote — is judged like any quote
(settle.py) and logged as a `provider-requote` entry under the comparison's reference, in the
caller's transaction; it never changes the logged ranking. A changed quote (its price, firmness or
terms) is also ranked again in place of the old one (requote_rank.py), and the entry records that
re-ranking."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.actors import Actor
from app.audit.canonical import loggable
from app.audit.log import append, document
from app.audit.models import AuditEntry
from app.comparison.errors import ComparisonError
from app.comparison.fetch import ProviderOutcome, _recordable
from app.comparison.requote_rank import Reranked, rerank_with_requote
from app.comparison.settle import settle
from app.products.base import ProductLine
from providers.base import ESTIMATE, ProviderConfig, Quote, QuoteQuery, QuoteStatus, recording_replies
from providers.errors import ProviderError
from providers.registry import ProviderRegistry

REQUOTE = "provider-requote"
STATUS, REQUOTED, ESTIMATE_HOLDS = "status", "re-quote", "estimate"


class OfferUnavailable(ComparisonError):
    """The customer cannot continue with this offer; `message` says why and what to do instead."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ShownOffer:
    """An offer as the customer last saw it: in the ranking, or from a logged re-quote of it.
    `price` is the first column's figure, in the page's unit; `rank` the rank of the ranked offer it
    stands for; `reranked_rank` its rank in the re-ranking its re-quote logged, when it changed."""

    provider: str
    provider_name: str
    house: bool
    quote: Quote
    rank: int | None
    price: str
    facts: Mapping[str, str]
    requote_index: int | None = None
    reranked_rank: int | None = None

    def as_record(self) -> dict[str, Any]:
        record = {"provider": self.provider, "provider_name": self.provider_name, "house": self.house,
                  "quote_id": self.quote.id, "rank": self.rank, "firmness": self.quote.firmness,
                  "price": self.price, "valid_until": loggable(self.quote.valid_until), "url": self.quote.url,
                  "requote_index": self.requote_index}
        if self.reranked_rank is not None:  # only offers from a re-ranking re-quote: other entries keep their shape
            record["reranked_rank"] = self.reranked_rank
        return record


@dataclass(frozen=True)
class Freshness:
    """The outcome of a check: how it was checked, the provider's status word if it gave one, the
    offer as it stands now (None: none for the customer now, `problem` says why), whether it
    differs from what was shown, the re-quote entry that logged what the provider said, and — when
    it changed — the comparison ranked again with it (`reranked`)."""

    checked_by: str
    status: str | None
    current: ShownOffer | None
    changed: bool
    requote_index: int | None = None
    problem: str | None = None
    reranked: Reranked | None = None


def price_fact(line: ProductLine) -> str:
    return line.columns[0].fact


def _logged_quote(record: Mapping[str, Any], quote_id: str) -> Quote:
    for logged in record["quotes"]:
        if logged["id"] == quote_id:
            return Quote(id=logged["id"], product=logged["product"], currency=logged["currency"],
                         valid_until=datetime.fromisoformat(logged["valid_until"].replace("Z", "+00:00")),
                         terms=logged["terms"], url=logged["url"], firmness=logged.get("firmness"))
    raise OfferUnavailable("That offer is not in this comparison.", 404)


def ranked_offer(line: ProductLine, result: Mapping[str, Any], provider: str, quote_id: str) -> ShownOffer:
    """The offer in the result's ranking; OfferUnavailable (404) when it is not ranked there."""
    for offer in result["ranking"]:
        if offer["provider"] == provider and offer["quote_id"] == quote_id:
            record = next(p for p in result["providers"] if p["provider"] == provider)
            return ShownOffer(provider, offer["provider_name"], offer["house"], _logged_quote(record, quote_id),
                              offer["rank"], offer["facts"][price_fact(line)], offer["facts"])
    raise OfferUnavailable("That offer is not in this comparison's ranking.", 404)


def requoted_offer(session: Session, result: Mapping[str, Any], index: int, quote_id: str) -> ShownOffer:
    """An offer from a logged re-quote under the result's reference."""
    entry = session.get(AuditEntry, index)
    logged = document(entry) if entry is not None and entry.kind == REQUOTE else None
    if logged is None or logged.get("reference") != result["reference"]:
        raise OfferUnavailable("That fresh quote is not part of this comparison.", 404)
    for offer in logged["offers"]:
        if offer["quote_id"] == quote_id:
            asked = logged["asked_about"] or {}
            chosen = (logged.get("reranked") or {}).get("chosen") or {}
            return ShownOffer(logged["provider"]["provider"], logged["provider"]["provider_name"],
                              logged["provider"]["house"], _logged_quote(logged["provider"], quote_id),
                              asked.get("rank"), offer["price"], offer["facts"], requote_index=index,
                              reranked_rank=chosen.get("rank") if chosen.get("quote_id") == quote_id else None)
    raise OfferUnavailable("That fresh quote is not part of this comparison.", 404)


@dataclass(frozen=True)
class Asking:
    """Who is asking, for the log."""

    actor: Actor
    channel: str


def check_offer(session: Session, registry: ProviderRegistry, line: ProductLine, result: Mapping[str, Any],
                shown: ShownOffer, *, asking: Asking, now: datetime, always_requote: bool = False) -> Freshness:
    """The offer as it stands now (module docstring). Appends a re-quote entry through `session`
    whenever the provider gave anything new; the caller commits."""
    config = current_config(registry, line, shown.provider, shown.provider_name)
    lapsed = shown.quote.valid_until <= now
    if not always_requote and not lapsed and shown.quote.firmness == ESTIMATE:
        return Freshness(ESTIMATE_HOLDS, None, shown, False)
    if result.get("profile") is None:
        raise OfferUnavailable(f"Your details were erased, so we cannot check this offer with {shown.provider_name} "
                               "again. Start a new comparison to get a fresh one.")
    status = None if always_requote or lapsed else _status(registry, config, shown.quote)
    if status is not None and status.open and status.quote is not None:
        # A status that leaves its url out keeps the quote's deep link: the quote is the same one.
        current = status.quote if status.quote.url is not None else replace(status.quote, url=shown.quote.url)
        outcome = ProviderOutcome(config, f"status-{uuid.uuid4().hex}", quotes=_recordable([current]))
        found = _judged(session, line, result, shown, outcome, asking=asking, now=now, checked_by=STATUS,
                        status=status.status, log_unchanged=False)
        if found.current is not None:
            return found
    outcome = _requote(registry, config, line, result["profile"])
    return _judged(session, line, result, shown, outcome, asking=asking, now=now, checked_by=REQUOTED,
                   status=None if status is None else status.status, log_unchanged=True)


def current_config(registry: ProviderRegistry, line: ProductLine, key: str, name: str) -> ProviderConfig:
    config = registry.get(key)
    if config is None or not config.enabled or line.key not in config.products:
        raise OfferUnavailable(f"We no longer compare {name}'s offers, so we cannot check this one for you. "
                               f"You can still go to {name} yourself.")
    return config


def _status(registry: ProviderRegistry, config: ProviderConfig, quote: Quote) -> QuoteStatus | None:
    """The provider's status of the quote, or None when it tells none or did not answer well
    (the caller re-quotes: a status is a shortcut, never a reason to stop)."""
    try:
        return registry.adapter(config).quote_status(quote, timeout_s=config.timeout_s)
    except ProviderError:
        return None
    except Exception:  # a plug-in adapter may fail in any way; the re-quote still stands
        return None


def _requote(registry: ProviderRegistry, config: ProviderConfig, line: ProductLine,
             profile: Mapping[str, Any]) -> ProviderOutcome:
    outcome = ProviderOutcome(config, uuid.uuid4().hex)
    query = QuoteQuery(line.key, line.provider_profile(dict(profile)), outcome.request_id)
    with recording_replies() as seen:
        try:
            outcome.quotes = _recordable(registry.ask(config, query, timeout_s=config.timeout_s, use_cache=False))
        except ProviderError as failure:
            outcome.failure = failure
    outcome.reply = seen[-1] if seen else None
    return outcome


def _judged(session: Session, line: ProductLine, result: Mapping[str, Any], shown: ShownOffer,
            outcome: ProviderOutcome, *, asking: Asking, now: datetime, checked_by: str, status: str | None,
            log_unchanged: bool) -> Freshness:
    """The provider's new word judged like any quote, compared with what was shown, and logged
    when it is new (always for a re-quote; for a status, only when it changed)."""
    settled = settle(line, result["profile"], [outcome], now=now)
    offers = [{"quote_id": quote.id, "price": facts[price_fact(line)], "facts": dict(facts),
               "firmness": quote.firmness, "valid_until": loggable(quote.valid_until), "url": quote.url}
              for _, quote, _, facts in settled.eligible]
    match = _closest(shown, offers)
    current = None
    if match is not None:
        quote = next(q for _, q, _, _ in settled.eligible if q.id == match["quote_id"])
        current = replace(shown, quote=quote, price=match["price"], facts=match["facts"])
    changed = current is None or current.price != shown.price or current.quote.firmness != shown.quote.firmness \
        or dict(current.facts) != dict(shown.facts)
    if current is not None and not changed and not log_unchanged:
        return Freshness(checked_by, status, current, False)
    reranked = None
    if current is not None and changed:
        reranked = rerank_with_requote(line, result, shown.provider, _ranked_quote_id(session, shown),
                                       current.quote)
    body = {"actor": asking.actor.as_record(), "result_index": result["index"],
            "asked_about": {"provider": shown.provider, "quote_id": shown.quote.id, "rank": shown.rank,
                            "requote_index": shown.requote_index},
            "checked_by": checked_by, "status": status, "provider": settled.providers[0], "offers": offers,
            "excluded": settled.excluded, "failures": settled.failures,
            "matched": None if match is None else match["quote_id"], "changed": changed}
    if reranked is not None:
        body["reranked"] = reranked.record
    entry = append(session, body, kind=REQUOTE, channel=asking.channel, created_at=now,
                   reference=result["reference"], product=line.key)
    if current is not None:
        current = replace(current, requote_index=entry.index,
                          reranked_rank=None if reranked is None else reranked.chosen_rank)
    return Freshness(checked_by, status, current, changed, entry.index,
                     None if current is not None else _why_none(shown, settled.excluded, settled.failures), reranked)


MAX_REQUOTE_CHAIN = 50
"""How many re-quotes back a re-quoted offer is traced to the ranked offer it stands for."""


def _ranked_quote_id(session: Session, shown: ShownOffer) -> str:
    """The id of the offer in the logged ranking that `shown` stands for: its own, or — for an offer
    from a re-quote, perhaps of a re-quote — the one the first re-quote was asked about."""
    quote_id, index = shown.quote.id, shown.requote_index
    for _ in range(MAX_REQUOTE_CHAIN):
        if index is None:
            return quote_id
        entry = session.get(AuditEntry, index)
        asked = (document(entry).get("asked_about") if entry is not None and entry.kind == REQUOTE else None) or {}
        if "quote_id" not in asked:
            break
        quote_id, index = asked["quote_id"], asked.get("requote_index")
    return quote_id


def _closest(shown: ShownOffer, offers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Of the provider's offers now, the one most like the one shown: the same quote if it is
    there, else the one agreeing on most of the figures beside the price (a lender's menu of points)."""
    same = next((offer for offer in offers if offer["quote_id"] == shown.quote.id), None)
    if same is not None or not offers:
        return same
    return max(offers, key=lambda offer: sum(offer["facts"].get(key) == value for key, value in shown.facts.items()))


def _why_none(shown: ShownOffer, excluded: list[dict[str, Any]], failures: list[dict[str, Any]]) -> str:
    name = shown.provider_name
    if failures:
        return f"{name} {failures[0]['message']} when we asked again."
    if excluded:
        return f"{name}'s fresh offer is not one we can show you: {excluded[0]['reason']}"
    return f"{name} has no offer for you now."
