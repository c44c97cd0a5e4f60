"""Explanations in plain words, computed from the engine's own numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, Decimal

from app.money import CENT
from app.products.base import Criterion
from app.ranking.engine import HUNDRED, RankedOffer, Ranking


def _difference(criterion: Criterion, better: Decimal, worse: Decimal, period: str) -> str:
    if criterion.money:
        gap = abs(better - worse)
        noun = criterion.label.lower().replace(" per year", "")
        if criterion.key.endswith("premium"):
            return f"{criterion.format(gap)} {period} less"
        return f"{criterion.format(gap)} {period} less in {noun}"
    return f"{criterion.label.lower()} {criterion.format(better)} against {criterion.format(worse)}"


def advantages(
    winner: RankedOffer,
    other: RankedOffer,
    criteria: Sequence[Criterion],
    values: Mapping[str, Mapping[str, Decimal]],
    *,
    period: str,
    limit: int = 3,
) -> list[str]:
    """Where `winner` gains most over `other`, biggest first, as short phrases with figures."""
    gains = sorted(
        (
            (winner.contributions[criterion.key] - other.contributions[criterion.key], index, criterion)
            for index, criterion in enumerate(criteria)
        ),
        key=lambda item: (-item[0], item[1]),
    )
    return [
        _difference(criterion, values[winner.handle][criterion.key], values[other.handle][criterion.key], period)
        for gain, _, criterion in gains[:limit]
        if gain > 0
    ]


def top_reasons(
    ranking: Ranking,
    criteria: Sequence[Criterion],
    values: Mapping[str, Mapping[str, Decimal]],
    *,
    period: str,
) -> list[str]:
    top = ranking.top
    if top is None:
        return []
    if len(ranking.offers) == 1:
        return ["It is the only offer that meets everything you asked for."]
    runner_up = ranking.offers[1]
    if top.rank == runner_up.rank:
        return [
            f"It is level with the next offer (scores within {ranking.tolerance} points); "
            "they share first place.",
            *advantages(top, runner_up, criteria, values, period=period, limit=2),
        ]
    phrases = advantages(top, runner_up, criteria, values, period=period)
    return [f"Compared with the next best offer: {phrase}." for phrase in phrases]


def money_gap_to_first(
    ranking: Ranking, handle: str, criterion: Criterion
) -> Decimal | None:
    """How much lower this offer's `criterion` (a money criterion) would have to be for it to
    score above the current first place, rounded up to the cent; None if it is already first."""
    top = ranking.top
    offer = ranking.handles[handle]
    if top is None or top.handle == handle or top.score <= offer.score and offer.rank == 1:
        return None
    points_per_unit = HUNDRED * ranking.weights[criterion.key] / (criterion.worst - criterion.best)
    if points_per_unit <= 0:
        return None
    gap = (top.score - offer.score) / points_per_unit
    return (gap + CENT).quantize(CENT, rounding=ROUND_CEILING)
