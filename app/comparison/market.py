"""The eligible offers ranked blind: handles that say nothing of who made an offer, the ranking of
them, and — only afterwards — the names to put the engine's numbers into words."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.audit.canonical import canonical_json
from app.comparison.naming import OfferNames
from app.comparison.settle import Eligible
from app.products.base import ProductLine
from app.ranking.criteria import Criterion
from app.ranking.engine import Candidate, Constraint, Ranking, rank
from app.ranking.measure import Measure
from providers.base import ProviderConfig, Quote


@dataclass(frozen=True)
class BlindOffer:
    handle: str
    config: ProviderConfig
    quote: Quote
    values: Mapping[str, Decimal]
    facts: Mapping[str, str]


@dataclass(frozen=True)
class Market:
    """What was ranked and how. The other presets re-weigh `ranking` (Ranking.reweighted): the
    same candidates under the same limits, checked once."""
    criteria: tuple[Criterion, ...]
    limits: tuple[Constraint, ...]
    candidates: list[Candidate]
    by_handle: Mapping[str, BlindOffer]
    ranking: Ranking
    name: OfferNames


def rank_blind(line: ProductLine, profile: Mapping[str, Any], eligible: list[Eligible],
               weights: Mapping[str, Decimal], measure: Measure | None) -> Market:
    criteria = line.criteria(profile)
    offers = anonymise(eligible)
    candidates = [Candidate(offer.handle, offer.values) for offer in offers]
    limits = line.constraints(profile)
    ranking = rank(candidates, criteria, weights, limits, measure)
    # Names are re-attached only now, after ranking, to put the engine's numbers into words.
    by_handle = {offer.handle: offer for offer in offers}
    return Market(criteria, limits, candidates, by_handle, ranking, OfferNames(line, by_handle, ranking))


def anonymise(eligible: list[Eligible]) -> list[BlindOffer]:
    """Handles are numbered in an order that depends only on the offers' contents, so nothing the
    engine sees — not even the handles — says who made an offer or in which order providers replied.
    Two offers with exactly the same figures and terms are told apart by a fingerprint of their
    quote ids and links, not by the order of the providers file (where ours may well come first)."""
    def content_key(item: Eligible) -> tuple[bytes, bytes]:
        _, quote, offer_values, _ = item
        content = hashlib.sha256(canonical_json({"values": offer_values, "terms": quote.terms})).digest()
        return content, hashlib.sha256(canonical_json({"id": quote.id, "url": quote.url})).digest()

    ordered = sorted(eligible, key=content_key)
    return [BlindOffer(f"offer-{position}", config, quote, offer_values, facts)
            for position, (config, quote, offer_values, facts) in enumerate(ordered, start=1)]
