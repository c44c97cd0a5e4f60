"""The result of a comparison, as the log records it and every page shows it: the offers settled,
ranked blind, named again and explained. The same steps rebuild it on replay."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.comparison import house_notice
from app.comparison.bounds import Limits, shown_score
from app.comparison.explanation import explain_result
from app.comparison.fetch import ProviderOutcome
from app.comparison.market import BlindOffer, Market, rank_blind
from app.comparison.preferences import CUSTOM
from app.comparison.settle import provider_identity, settle
from app.products.base import ProductLine
from app.products.rate_distribution import LoggedMarket, MarketSource, distribution
from app.ranking import explain
from app.ranking.engine import TIE_TOLERANCE, RankedOffer, Ranking
from app.ranking.measure import Measure, declared_measures

SCORE_QUANTUM = Decimal("0.000001")
# The member of a result's explanation holding where its rates sit (app/products/rate_distribution.py).
RATE_DISTRIBUTION = "rate_distribution"
# build_result's `reference` when the line's reference data is to be read as it stands now.
AT_NOW = "at-now"


def build_result(
    line: ProductLine,
    profile: Mapping[str, Any],
    outcomes: list[ProviderOutcome],
    *,
    preset: str,
    weights: Mapping[str, Decimal],
    now: datetime,
    deadline_s: float,
    measures: Mapping[str, Measure] | None = None,
    limits: Limits | None = None,
    reference: Mapping[str, Any] | None | str = AT_NOW,
    rates_market: MarketSource | None = None,
) -> dict[str, Any]:
    """`measures`: what each preset named after a measure ranks with (default: as the line
    declares them; replay passes the logged ones). `limits` None: each provider's even share
    (app/comparison/bounds.py); the result records them. `reference`: the line's reference data
    (AT_NOW: as it stands at `now`; replay passes the logged data, None for an entry without).
    `rates_market`: the rates offered for comparable profiles (app/comparison/rate_market.py, or the
    logged ones on a replay or re-rank), which the offers' rates are placed among; None: none."""
    measures = declared_measures(line.presets) if measures is None else measures
    measure = None if preset == CUSTOM else measures.get(preset)
    settled = settle(line, profile, outcomes, now=now, limits=limits)
    market = rank_blind(line, profile, settled.eligible, weights, measure)
    excluded = settled.excluded + _set_aside_by_ranking(market)
    ranked = [_ranked_record(offer, market) for offer in market.ranking.offers]
    house, explanation = explain_result(line, market, outcomes, excluded, settled.failures, preset=preset,
                                        measures=measures)
    result = {
        **_how_ranked(line, market.ranking, measures, deadline_s),
        "profile": dict(profile),
        "preferences": {"preset": preset, "weights": {key: str(value) for key, value in weights.items()},
                        **({"measure": measure.as_record()} if measure else {})},
        "criteria": [criterion.as_record() for criterion in market.criteria],
        "limits": settled.limits.as_record(),
        "providers": settled.providers,
        "ranking": ranked,
        "excluded": excluded,
        "failures": settled.failures,
        "recommended": _recommended(market),
        "house": house,
        "explanation": explanation,
        "disclosures": _disclosures(line, outcomes),
    }
    _with_status_quo(line, result)
    result = _with_findings(line, result, line.reference_data(now) if reference == AT_NOW else reference)
    return _with_rate_distribution(line, result, rates_market)


def _with_status_quo(line: ProductLine, result: dict[str, Any]) -> None:
    """When the line finds that what the shopper already has beats every offer (ProductLine.status_quo),
    it is the recommendation, and the explanation says so first; lines without one are unchanged."""
    kept = line.status_quo(result["ranking"], result["profile"])
    if kept is None:
        return
    result["recommended"] = {"status_quo": kept["key"], "label": kept["label"]}
    explanation = {**result["explanation"], "status_quo": dict(kept)}
    if explanation.get("house_notice") and explanation.get("house_standing") in ("first", "shared_first"):
        # "Our offer fits you best" is of the offers; the answer above them is to keep what one has.
        label = kept["label"]
        explanation["house_notice"] += f" Even so, our answer is: {label[:1].lower()}{label[1:]}."
    result["explanation"] = explanation


def _with_findings(line: ProductLine, result: dict[str, Any], reference: Any) -> dict[str, Any]:
    """The line's reference data and what it finds beside the ranking (ProductLine.findings), in
    the result; a line without reference data adds nothing, so its entries stay as they were."""
    if reference is None:
        return result
    result["reference_data"] = reference
    findings = line.findings(result, reference)
    if findings is not None:
        result["explanation"] = {**result["explanation"], "findings": findings}
    return result


def _with_rate_distribution(line: ProductLine, result: dict[str, Any], market: MarketSource | None) -> dict[str, Any]:
    """Where the ranked offers' rates sit among those offered for comparable profiles, in the
    explanation (sealed with it: it is worked out from the profile); nothing without a market."""
    placed = None if market is None else distribution(market, line.offered_rates(result))
    if placed is not None:
        result["explanation"] = {**result["explanation"], RATE_DISTRIBUTION: placed}
    return result


def _how_ranked(line: ProductLine, ranking: Ranking, measures: Mapping[str, Measure],
                deadline_s: float) -> dict[str, Any]:
    """The product line and engine versions, and the deadline the providers had."""
    return {
        "product": {"key": line.key, "version": line.version, "name": line.name},
        "engine": {"version": ranking.engine_version, "tie_tolerance": str(TIE_TOLERANCE),
                   "ties": "scores rounded half up to the tie step; equal rounded scores share a rank",
                   "measures": {key: value.as_record() for key, value in measures.items()}},
        "deadline_ms": round(deadline_s * 1000),
    }


def _set_aside_by_ranking(market: Market) -> list[dict[str, Any]]:
    """The offers the engine set aside (failing one of the line's limits), named again."""
    excluded = []
    for handle, reason in market.ranking.excluded:
        offer = market.by_handle[handle]
        excluded.append({**provider_identity(offer.config), "quote_id": offer.quote.id, "facts": dict(offer.facts),
                         "reason": reason})
    return excluded


def _ranked_record(ranked: RankedOffer, market: Market) -> dict[str, Any]:
    offer: BlindOffer = market.by_handle[ranked.handle]
    why = explain.why_rank(market.ranking, ranked, market.name)
    gap = house_notice.gap_sentence(market.ranking, ranked) if offer.config.house else None
    return {
        **provider_identity(offer.config),
        "handle": offer.handle,
        "rank": ranked.rank,
        "tied": ranked.tied,
        "quote_id": offer.quote.id,
        "url": offer.quote.url,
        "currency": offer.quote.currency,
        "valid_until": offer.quote.valid_until,
        **({"firmness": offer.quote.firmness} if offer.quote.firmness is not None else {}),
        "score": ranked.score.quantize(SCORE_QUANTUM),
        "shown_score": shown_score(ranked.shown_score),
        "contributions": {key: value.quantize(SCORE_QUANTUM) for key, value in ranked.contributions.items()},
        "values": dict(offer.values),
        "facts": dict(offer.facts),
        "dominated_by": list(ranked.dominated_by),
        "offer_name": market.name.offer_name(ranked.handle),
        "why": why + ([gap] if gap else []),
    }


def _recommended(market: Market) -> dict[str, Any] | None:
    top = market.ranking.top
    if top is None:
        return None
    offer = market.by_handle[top.handle]
    return {"provider": offer.config.key, "quote_id": offer.quote.id}


def _disclosures(line: ProductLine, outcomes: list[ProviderOutcome]) -> dict[str, Any]:
    return {
        "methodology_version": line.methodology_version,
        "disclosure_version": line.disclosure_version,
        "commissions": [{"provider": o.config.key, "name": o.config.name, "house": o.config.house,
                         "commission": o.config.commission} for o in outcomes],
    }


def logged_market(result: Mapping[str, Any]) -> LoggedMarket | None:
    """The market a logged result placed its rates among, for a replay or a re-rank of it; None
    when it placed none (a line without a market, or an entry from before)."""
    placed = (result.get("explanation") or {}).get(RATE_DISTRIBUTION)
    return None if placed is None else LoggedMarket(placed["market"])
