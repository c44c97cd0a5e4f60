"""The result's words beyond each offer's own: why the first is first, how our offer stands
(app/comparison/house_notice.py), what the line's other presets would put first, and the
assumptions behind each criterion."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.comparison import house_notice
from app.comparison.bounds import shown_score
from app.comparison.fetch import ProviderOutcome
from app.comparison.market import Market
from app.products.base import ProductLine
from app.ranking import explain
from app.ranking.engine import RankedOffer, Ranking
from app.ranking.measure import Measure


def explain_result(line: ProductLine, market: Market, outcomes: list[ProviderOutcome], excluded: list[dict[str, Any]],
                   failures: list[dict[str, Any]], *, preset: str,
                   measures: Mapping[str, Measure]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The result's "house" summary and its "explanation"."""
    house, explanation = _house_and_explanation(market, outcomes, excluded, failures)
    explanation["presets"], explanation["presets_summary"] = _other_presets(line, market, preset, measures)
    explanation["assumptions"] = [{"criterion": criterion.label, "text": criterion.description}
                                  for criterion in market.criteria]
    return house, explanation


def _house_and_explanation(market: Market, outcomes: list[ProviderOutcome], excluded: list[dict[str, Any]],
                           failures: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    ranking, by_handle, name = market.ranking, market.by_handle, market.name
    house_config = next((o.config for o in outcomes if o.config.house), None)
    house_offer = next((ranked for ranked in ranking.offers if by_handle[ranked.handle].config.house), None)
    top = ranking.top
    notice = (house_notice.house_notice(ranking, by_handle, name, excluded=excluded, failures=failures)
              if house_config is not None else house_notice.HouseNotice())
    explanation: dict[str, Any] = {
        "top_reasons": explain.top_reasons(ranking, name),
        "house_notice": notice.sentence,
        "house_money": notice.money,
        "house_standing": notice.standing,
        # Points behind only when the score put the first offer first; when a preset's measure did,
        # ours may score more, and "points behind" would read as a negative gap.
        "house_comparison": (_house_comparison(ranking, top, house_offer)
                             if notice.standing == "behind" and top is not None and house_offer is not None
                             and top.exact_score >= house_offer.exact_score else None),
    }
    house = {
        "provider": house_config.key if house_config else None,
        "rank": house_offer.rank if house_offer else None,
        "best": bool(house_offer is not None and top is not None and house_offer.rank == 1),
    }
    return house, explanation


def _house_comparison(ranking: Ranking, top: RankedOffer, house: RankedOffer) -> dict[str, Any]:
    """Where our offer loses (and gains) points against the first, criterion by criterion; the
    points add up to the gap between the two scores."""
    return {
        "top_score": shown_score(top.shown_score),
        "house_score": shown_score(house.shown_score),
        "points_behind": explain.points(top.shown_score - house.shown_score),
        "criteria": [
            {"criterion": item.criterion.label,
             "top": item.criterion.format(item.first),
             "house": item.criterion.format(item.second),
             "points": _signed(explain.points(-item.points))}
            for item in explain.differences(ranking, top, house)
        ],
    }


def _signed(points: str) -> str:
    """Points with their sign, as gained (+) or lost (−)."""
    if Decimal(points) == 0:
        return "0.0"
    return "−" + points[1:] if points.startswith("-") else "+" + points


def _other_presets(line: ProductLine, market: Market, preset: str,
                   measures: Mapping[str, Measure]) -> tuple[list[dict[str, Any]], str | None]:
    """Which offer each of the line's presets would put first, and a sentence saying whether any
    would change the winner. Ranked the same way, from the same anonymous offers (re-weighed, not
    ranked afresh: the same ranking either way, engine.Ranking.reweighted)."""
    top, name = market.ranking.top, market.name
    if top is None or len(market.ranking.offers) < 2:
        return [], None
    results = []
    for other in line.presets:
        if other.key == preset:
            continue
        # The offers checked and the limits applied once: only the weights (and measure) differ.
        winner = market.ranking.reweighted_top(other.weights, measures.get(other.key))
        if winner is None:  # cannot happen: the same offers and limits rank the same offers
            continue
        results.append({"preset": other.key, "label": other.label,
                        "provider": market.by_handle[winner].config.key,
                        "provider_name": name(winner), "changes_winner": winner != top.handle})
    winners: dict[str, list[str]] = {}
    for item in results:
        if item["changes_winner"]:
            winners.setdefault(item["provider_name"], []).append(f"“{item['label']}”")
    if not winners:
        return results, (f"Our other presets ({', '.join(item['label'] for item in results)}) "
                         f"would put {name(top.handle)} first too.")
    return results, " ".join(f"With {' or '.join(labels)}, {winner} would rank first instead."
                             for winner, labels in winners.items())
