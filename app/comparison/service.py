"""The comparison service: profile → providers → validated offers → provider-blind ranking →
log entry (in the caller's transaction) → the result the user is shown, which *is* the entry."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.canonical import canonical_json
from app.audit.log import append, document
from app.audit.models import AuditEntry
from app.comparison.fetch import ProviderOutcome, gather_quotes
from app.db import utcnow
from app.formatting import ordinal
from app.money import format_money
from app.products.base import Criterion, InvalidTerms, ProductLine
from app.ranking.engine import TIE_TOLERANCE, Candidate, RankedOffer, Ranking, rank
from app.ranking.explain import advantages, money_gap_to_first, top_reasons
from providers.base import ProviderConfig, Quote
from providers.errors import ProviderError
from providers.registry import ProviderRegistry

RECOMMENDATION = "recommendation"
RERANK = "re-rank"
RESULT_KINDS = (RECOMMENDATION, RERANK)
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
SCORE_QUANTUM = Decimal("0.000001")


class ComparisonError(RuntimeError):
    pass


@dataclass(frozen=True)
class Actor:
    type: str
    id: str | None = None

    def as_record(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id}


ANONYMOUS = Actor("anonymous")


@dataclass(frozen=True)
class _Offer:
    handle: str
    config: ProviderConfig
    quote: Quote
    values: Mapping[str, Decimal]
    facts: Mapping[str, str]


def new_reference(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"CND-{code[:4]}-{code[4:]}"
        taken = session.scalar(select(AuditEntry.index).where(AuditEntry.reference == reference).limit(1))
        if taken is None:
            return reference


def resolve_weights(line: ProductLine, preferences: Mapping[str, Any]) -> tuple[str, dict[str, Decimal]]:
    preset_key = preferences.get("preset") or line.default_preset
    custom = preferences.get("weights")
    if custom:
        return "custom", {key: Decimal(str(value)) for key, value in custom.items()}
    return preset_key, dict(line.preset(preset_key).weights)


def run_comparison(
    session: Session,
    registry: ProviderRegistry,
    line: ProductLine,
    profile: dict[str, Any],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    actor: Actor = ANONYMOUS,
    deadline_s: float = 5.0,
) -> AuditEntry:
    """Runs a comparison and appends it to the log through `session`; the caller commits."""
    preset, weights = resolve_weights(line, preferences)
    configs = registry.for_product(line.key)
    outcomes = gather_quotes(registry, configs, line.key, profile, deadline_s=deadline_s)
    now = utcnow()
    body = build_result(line, profile, outcomes, preset=preset, weights=weights, now=now, deadline_s=deadline_s)
    body["actor"] = actor.as_record()
    return append(
        session,
        body,
        kind=RECOMMENDATION,
        channel=channel,
        created_at=now,
        reference=new_reference(session),
        product=line.key,
    )


def build_result(
    line: ProductLine,
    profile: Mapping[str, Any],
    outcomes: list[ProviderOutcome],
    *,
    preset: str,
    weights: Mapping[str, Decimal],
    now: datetime,
    deadline_s: float,
) -> dict[str, Any]:
    criteria = line.criteria(profile)
    providers_record: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    eligible: list[tuple[ProviderConfig, Quote, Mapping[str, Decimal], Mapping[str, str]]] = []

    for outcome in outcomes:
        config = outcome.config
        record: dict[str, Any] = {
            **_provider_identity(config),
            "adapter": config.adapter,
            "commission": config.commission,
            "request_id": outcome.request_id,
            "latency_ms": outcome.latency_ms,
            "quotes": [],
            "invalid_quotes": [],
            "failure": None,
        }
        providers_record.append(record)
        if outcome.failure is not None:
            record["outcome"] = "declined" if outcome.failure.kind == "declined" else "failed"
            record["failure"] = {"kind": outcome.failure.kind, "message": outcome.failure.message,
                                 "detail": outcome.failure.detail}
            failures.append({**_provider_identity(config), "kind": outcome.failure.kind,
                             "message": outcome.failure.message})
            continue
        seen_ids: set[str] = set()
        usable = 0
        for quote in outcome.quotes:
            record["quotes"].append({"id": quote.id, "product": quote.product, "currency": quote.currency,
                                     "valid_until": quote.valid_until, "terms": quote.terms, "url": quote.url})
            problem = _quote_problem(line, quote, seen_ids)
            seen_ids.add(quote.id)
            if problem is not None:
                record["invalid_quotes"].append({"id": quote.id, "field": problem.field_name, "problem": problem.problem})
                continue
            terms = line.parse_terms(quote.terms)
            assessment = line.assess(terms, profile)
            if quote.valid_until <= now:
                excluded.append({**_provider_identity(config), "quote_id": quote.id, "facts": assessment.facts,
                                 "reason": "This quote had expired before we could show it to you."})
            elif assessment.exclusion is not None:
                excluded.append({**_provider_identity(config), "quote_id": quote.id, "facts": assessment.facts,
                                 "reason": assessment.exclusion})
            else:
                eligible.append((config, quote, assessment.values, assessment.facts))
            usable += 1
        if record["invalid_quotes"]:
            first = record["invalid_quotes"][0]
            failures.append({**_provider_identity(config), "kind": "invalid_reply",
                             "message": f"sent an offer we could not use ({first['field']}: {first['problem']})"})
        if not outcome.quotes:
            failures.append({**_provider_identity(config), "kind": "no_quotes", "message": "answered but made no offer"})
        record["outcome"] = "quoted" if usable else "failed"

    offers = _anonymise(eligible)
    ranking = rank([Candidate(offer.handle, offer.values) for offer in offers], criteria, weights)
    by_handle = {offer.handle: offer for offer in offers}
    values = {offer.handle: offer.values for offer in offers}
    ranked_records = [
        _ranked_record(ranked, by_handle[ranked.handle], ranking, criteria, values, line)
        for ranked in ranking.offers
    ]
    house_summary, explanation = _house_and_explanation(line, ranking, by_handle, criteria, values, outcomes, excluded)
    top = ranking.top
    return {
        "product": {"key": line.key, "version": line.version, "name": line.name},
        "engine": {"version": ranking.engine_version, "tie_tolerance": str(TIE_TOLERANCE)},
        "deadline_ms": round(deadline_s * 1000),
        "profile": dict(profile),
        "preferences": {"preset": preset, "weights": {key: str(value) for key, value in weights.items()}},
        "criteria": [criterion.as_record() for criterion in criteria],
        "providers": providers_record,
        "ranking": ranked_records,
        "excluded": excluded,
        "failures": failures,
        "recommended": None if top is None else {"provider": by_handle[top.handle].config.key,
                                                 "quote_id": by_handle[top.handle].quote.id},
        "house": house_summary,
        "explanation": explanation,
        "disclosures": {
            "methodology_version": line.methodology_version,
            "disclosure_version": line.disclosure_version,
            "commissions": [{"provider": o.config.key, "name": o.config.name, "house": o.config.house,
                             "commission": o.config.commission} for o in outcomes],
        },
    }


def _provider_identity(config: ProviderConfig) -> dict[str, Any]:
    return {"provider": config.key, "provider_name": config.name, "house": config.house}


def _quote_problem(line: ProductLine, quote: Quote, seen_ids: set[str]) -> InvalidTerms | None:
    if quote.id in seen_ids:
        return InvalidTerms("id", f"quote id {quote.id!r} was sent twice")
    if quote.product != line.key:
        return InvalidTerms("product", f"a {quote.product!r} quote is not {line.name.lower()}")
    if quote.currency != line.currency:
        return InvalidTerms("currency", f"prices in {quote.currency!r}, not {line.currency}")
    try:
        line.parse_terms(quote.terms)
    except InvalidTerms as problem:
        return problem
    return None


def _anonymise(eligible: list[tuple[ProviderConfig, Quote, Mapping[str, Decimal], Mapping[str, str]]]) -> list[_Offer]:
    """Handles are numbered in an order that depends only on the offers' contents, so nothing the
    engine sees — not even the handles — says who made an offer or in which order providers replied."""
    def content_key(item: tuple[ProviderConfig, Quote, Mapping[str, Decimal], Mapping[str, str]]) -> bytes:
        _, quote, offer_values, _ = item
        return hashlib.sha256(canonical_json({"values": offer_values, "terms": quote.terms})).digest()

    ordered = sorted(eligible, key=content_key)
    return [_Offer(f"offer-{position}", config, quote, offer_values, facts)
            for position, (config, quote, offer_values, facts) in enumerate(ordered, start=1)]


def _ranked_record(ranked: RankedOffer, offer: _Offer, ranking: Ranking, criteria: tuple[Criterion, ...],
                   values: Mapping[str, Mapping[str, Decimal]], line: ProductLine) -> dict[str, Any]:
    position = ranking.offers.index(ranked)
    why: list[str] = []
    if position + 1 < len(ranking.offers):
        why = advantages(ranked, ranking.offers[position + 1], criteria, values, period="a year" if line.period_label == "per year" else line.period_label, limit=2)
    return {
        **_provider_identity(offer.config),
        "handle": offer.handle,
        "rank": ranked.rank,
        "tied": ranked.tied,
        "quote_id": offer.quote.id,
        "url": offer.quote.url,
        "currency": offer.quote.currency,
        "valid_until": offer.quote.valid_until,
        "score": ranked.score.quantize(SCORE_QUANTUM),
        "contributions": {key: value.quantize(SCORE_QUANTUM) for key, value in ranked.contributions.items()},
        "values": dict(offer.values),
        "facts": dict(offer.facts),
        "dominated_by": list(ranked.dominated_by),
        "why": why,
    }


def _house_and_explanation(line: ProductLine, ranking: Ranking, by_handle: Mapping[str, _Offer],
                           criteria: tuple[Criterion, ...], values: Mapping[str, Mapping[str, Decimal]],
                           outcomes: list[ProviderOutcome], excluded: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    period = "a year" if line.period_label == "per year" else line.period_label
    house_config = next((o.config for o in outcomes if o.config.house), None)
    house_offer = next((ranked for ranked in ranking.offers if by_handle[ranked.handle].config.house), None)
    top = ranking.top
    explanation: dict[str, Any] = {
        "top_reasons": top_reasons(ranking, criteria, values, period=period),
        "house_notice": None,
        "house_gap": None,
    }
    house = {
        "provider": house_config.key if house_config else None,
        "rank": house_offer.rank if house_offer else None,
        "best": bool(house_offer is not None and top is not None and house_offer.rank == 1),
    }
    if top is None or house_config is None:
        return house, explanation
    top_name = by_handle[top.handle].config.name
    if house_offer is None:
        house_failure = next((o.failure for o in outcomes if o.config.house and o.failure), None)
        house_excluded = next((item for item in excluded if item["house"]), None)
        if house_excluded is not None:
            explanation["house_notice"] = (f"Our own offer is not ranked: {house_excluded['reason']} "
                                           f"{top_name} fits you best.")
        elif house_failure is not None:
            explanation["house_notice"] = f"We could not give you our own quote this time; {top_name} fits you best."
        return house, explanation
    if house_offer.rank == 1:
        return house, explanation
    phrases = advantages(top, house_offer, criteria, values, period=period, limit=2)
    explanation["house_notice"] = (f"{top_name} fits you better than our offer"
                                   + (f": {' and '.join(phrases)}." if phrases else "."))
    money_criterion = next((c for c in criteria if c.money), None)
    if money_criterion is not None:
        gap = money_gap_to_first(ranking, house_offer.handle, money_criterion)
        if gap is not None:
            explanation["house_gap"] = (f"Our offer ranks {ordinal(house_offer.rank)}. It would need to be "
                                        f"{format_money(gap, line.currency)} {period} cheaper to rank first.")
    return house, explanation


class LoggedFailure(ProviderError):
    """A provider failure as it was logged, for re-ranking and replay from the log."""

    def __init__(self, kind: str, message: str, detail: str | None) -> None:
        super().__init__(message, detail=detail)
        self.kind = kind


def outcomes_from_log(result: Mapping[str, Any]) -> list[ProviderOutcome]:
    """The provider outcomes exactly as a logged result recorded them."""
    product = result["product"]["key"]
    outcomes = []
    for record in result["providers"]:
        config = ProviderConfig(key=record["provider"], name=record["provider_name"], adapter=record["adapter"],
                                products=(product,), house=record["house"], commission=record["commission"])
        failure = record["failure"]
        outcomes.append(ProviderOutcome(
            config=config,
            request_id=record["request_id"],
            quotes=[Quote(id=q["id"], product=q["product"], currency=q["currency"],
                          valid_until=datetime.fromisoformat(q["valid_until"].replace("Z", "+00:00")),
                          terms=q["terms"], url=q["url"]) for q in record["quotes"]],
            failure=None if failure is None else LoggedFailure(failure["kind"], failure["message"], failure["detail"]),
            latency_ms=record["latency_ms"],
        ))
    return outcomes


def replay(line: ProductLine, result: Mapping[str, Any]) -> dict[str, Any]:
    """Re-ranks a logged result from its logged inputs, at its logged time and preferences."""
    preferences = result["preferences"]
    weights = {key: Decimal(value) for key, value in preferences["weights"].items()}
    return build_result(
        line, result["profile"], outcomes_from_log(result),
        preset=preferences["preset"], weights=weights,
        now=datetime.fromisoformat(result["time"].replace("Z", "+00:00")),
        deadline_s=result["deadline_ms"] / 1000,
    )


def rerank(
    session: Session,
    line: ProductLine,
    previous: Mapping[str, Any],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    actor: Actor = ANONYMOUS,
) -> AuditEntry:
    """Ranks the same quotes again with other preferences, as a new logged recommendation under
    the same reference. Quotes that have expired since are excluded, never shown as current."""
    preset, weights = resolve_weights(line, preferences)
    now = utcnow()
    body = build_result(line, previous["profile"], outcomes_from_log(previous), preset=preset, weights=weights,
                        now=now, deadline_s=previous["deadline_ms"] / 1000)
    body["actor"] = actor.as_record()
    body["reranks"] = previous["index"]
    return append(session, body, kind=RERANK, channel=channel, created_at=now,
                  reference=previous["reference"], product=line.key)


def load_result(session: Session, reference: str) -> dict[str, Any] | None:
    """The latest result shown under a reference: the recommendation or its latest re-rank."""
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.reference == reference, AuditEntry.kind.in_(RESULT_KINDS))
        .order_by(AuditEntry.index.desc())
        .limit(1)
    ).first()
    if entry is None:
        return None
    return {**document(entry), "leaf_hash": entry.leaf_hash.hex()}
