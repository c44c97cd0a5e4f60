"""Hypothesis strategies for the ranking engine: criteria with their scales, weights, and offers
whose values often coincide (so ties, equal scores and dominance all come up)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from hypothesis import strategies as st

from app.ranking.criteria import Criterion
from app.ranking.engine import Candidate
from app.ranking.measure import Measure

KEYS = ("price", "excess", "strength", "service", "complaints", "extras")


def decimals(low: int, high: int, places: int = 2) -> st.SearchStrategy[Decimal]:
    scale = 10**places
    return st.integers(low * scale, high * scale).map(lambda units: Decimal(units) / scale)


@st.composite
def criteria(draw: st.DrawFn, *, min_size: int = 1, max_size: int = 6) -> tuple[Criterion, ...]:
    count = draw(st.integers(min_size, max_size))
    made = []
    for key in KEYS[:count]:
        direction = draw(st.sampled_from(["lower", "higher"]))
        low = draw(decimals(-50, 2000))
        span = draw(decimals(1, 5000).filter(lambda value: value > 0))
        worst, best = (low + span, low) if direction == "lower" else (low, low + span)
        money = draw(st.booleans())
        made.append(Criterion(key, key.title(), direction, "USD per year" if money else "points", worst, best,
                              f"{key} description", money=money))
    return tuple(made)


@st.composite
def weights(draw: st.DrawFn, criteria: tuple[Criterion, ...]) -> dict[str, Decimal]:
    drawn = {c.key: draw(st.one_of(st.just(Decimal(0)), decimals(0, 100, places=2))) for c in criteria}
    if not any(drawn.values()):
        drawn[draw(st.sampled_from([c.key for c in criteria]))] = draw(decimals(1, 100))
    return drawn


def values_for(criterion: Criterion) -> st.SearchStrategy[Decimal]:
    low, high = sorted((criterion.worst, criterion.best))
    span = high - low
    # Mostly on the scale, sometimes beyond it (the scale extrapolates), often from a few shared
    # values so that offers tie, dominate each other or score the same.
    on_scale = st.integers(0, 400).map(lambda step: low + span * step / 400)
    beyond = st.integers(-200, 600).map(lambda step: low + span * step / 400)
    shared = st.sampled_from([low, high, low + span / 2, low + span / 4])
    return st.one_of(on_scale, beyond, shared, shared)


@dataclass(frozen=True)
class Market:
    criteria: tuple[Criterion, ...]
    weights: dict[str, Decimal]
    offers: list[Candidate]
    measure: Measure | None = None


@st.composite
def measures(draw: st.DrawFn, criteria: tuple[Criterion, ...]) -> Measure:
    """One criterion, or the sum of it and others of its unit and direction, with a tolerance
    from a cent to a good part of the scale."""
    first = draw(st.sampled_from(criteria))
    alike = [c for c in criteria if c is not first and (c.unit, c.direction) == (first.unit, first.direction)]
    chosen = [first, *draw(st.lists(st.sampled_from(alike), unique=True))] if alike else [first]
    span = abs(first.best - first.worst)
    tolerance = draw(st.sampled_from([Decimal("0.01"), Decimal(1), Decimal("7.5"), Decimal(25), span / 8]))
    return Measure(tuple(c.key for c in chosen), tolerance, "measure")


@st.composite
def markets(draw: st.DrawFn, *, min_offers: int = 0, max_offers: int = 10, max_criteria: int = 6,
            measured: bool = False) -> Market:
    made_criteria = draw(criteria(max_size=max_criteria))
    made_weights = draw(weights(made_criteria))
    measure = draw(measures(made_criteria)) if measured else None
    count = draw(st.integers(min_offers, max_offers))
    offers = []
    for position in range(count):
        if offers and draw(st.integers(0, 5)) == 0:
            # A copy of an earlier offer under another handle: identical figures.
            values = dict(draw(st.sampled_from(offers)).values)
        else:
            values = {c.key: draw(values_for(c)) for c in made_criteria}
        offers.append(Candidate(f"h{position}", values))
    return Market(made_criteria, made_weights, offers, measure)


def exact_score(market_criteria: tuple[Criterion, ...], market_weights: dict[str, Decimal], values: dict[str, Decimal]) -> Fraction:
    """The score straight from the definition, with Python's fractions: an independent check."""
    total = sum(Fraction(w) for w in market_weights.values())
    return 100 * sum(
        Fraction(market_weights.get(c.key, 0)) / total
        * (Fraction(values[c.key]) - Fraction(c.worst)) / (Fraction(c.best) - Fraction(c.worst))
        for c in market_criteria
    )


def dominates(market_criteria: tuple[Criterion, ...], first: dict[str, Decimal], second: dict[str, Decimal]) -> bool:
    def at_least(c: Criterion) -> bool:
        return first[c.key] <= second[c.key] if c.direction == "lower" else first[c.key] >= second[c.key]

    def better(c: Criterion) -> bool:
        return first[c.key] < second[c.key] if c.direction == "lower" else first[c.key] > second[c.key]

    return all(map(at_least, market_criteria)) and any(map(better, market_criteria))
