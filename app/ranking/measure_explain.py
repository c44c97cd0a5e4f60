"""What explanations need to know about a ranking made with a measure (app/ranking/measure.py):
whether the measure, rather than the score, put one offer before another; the measure as a
criterion the phrase builders can format; and how far an offer would have to move to come first,
found on the engine's own order; and what a preset named after a measure promises, in words."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from app.ranking.criteria import Criterion
from app.ranking.engine import RankedOffer, Ranking
from app.ranking.measure import Measure


def ahead_on_measure(ranking: Ranking, first: RankedOffer, second: RankedOffer) -> bool:
    """Whether `first` stands before `second` because it is a step better on the measure."""
    return ranking.measure is not None and ranking.measure_step(first.handle) != ranking.measure_step(second.handle)


def measure_criterion(ranking: Ranking) -> Criterion:
    """The ranking's measure as a criterion of its own, so that its amounts read like its parts'
    ("$1,212.50 a year"): same unit, direction and format, the measure's label."""
    measure = ranking.measure
    if measure is None:
        raise ValueError("the ranking has no measure")
    parts = [criterion for criterion in ranking.criteria if criterion.key in measure.criteria]
    return replace(parts[0], key="+".join(measure.criteria), label=measure.label,
                   worst=sum((c.worst for c in parts), Decimal(0)), best=sum((c.best for c in parts), Decimal(0)))


def has_highest_score(ranking: Ranking, offer: RankedOffer) -> bool:
    return all(other.exact_score <= offer.exact_score for other in ranking.offers)


def has_lowest_score(ranking: Ranking, offer: RankedOffer) -> bool:
    return all(other.exact_score >= offer.exact_score for other in ranking.offers)


def steps_to_come_first(ranking: Ranking, handle: str, criterion: Criterion, quantum: Decimal) -> int | None:
    """The fewest steps of `quantum` by which `criterion` must improve to put the offer first
    outright, by bisection on the engine's order key (an offer only moves up as it improves); None
    when no amount can (a price would have to go below nothing)."""
    top = ranking.top
    offer = ranking.handles[handle]
    if top is None:
        return None
    values = dict(offer.values)
    current = values[criterion.key]
    sign = -1 if criterion.direction == "lower" else 1

    def first_after(steps: int) -> bool:
        return ranking.would_precede(handle, {**values, criterion.key: current + sign * steps * quantum}, top.handle)

    if criterion.money and sign < 0:
        high = int(current // quantum)
        if high < 1 or not first_after(high):
            return None
    else:
        high = 1
        while not first_after(high):
            high *= 2
            if high > 2**80:
                return None
    low = 0
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if first_after(middle) else (middle, high)
    return high


def promise(label: str, measure: Measure, criterion: Criterion) -> list[str]:
    """What a preset named after a measure promises, in plain words with its tolerance, for the
    methodology page. `criterion` is one of the measure's own, for the direction and the format."""
    best, good = ("lowest", "lower") if criterion.direction == "lower" else ("highest", "higher")
    tolerance = " ".join(filter(None, (criterion.format(measure.tolerance), measure.per)))
    return [
        f"“{label}” puts first the offer with the {best} {measure.label}.",
        f"We round it to the nearest {tolerance}: offers that round to the same amount count as equal on it, "
        "and among those the other things we rank on decide, with the weights above.",
        f"So the first offer is always less than {tolerance} from the best on it.",
        f"Two offers a few cents apart can round to different amounts; then the {good} one comes first, "
        "whatever the other things we rank on say.",
    ]
