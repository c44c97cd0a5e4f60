"""Explanations in plain words, computed from the engine's own numbers.

Nothing here knows a product: every phrase is built from the criterion definitions (label, unit,
direction, format) and every figure from the ranking's exact arithmetic. Offers are named through
a `name` function from handle to display name, which the caller supplies after ranking, so the
engine never sees who made an offer and the words can still say it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

from app.ranking.criteria import COSTS, Criterion
from app.ranking.engine import RankedOffer, Ranking
from app.ranking.scale import _round_ratio
from app.ranking.measure_explain import (
    ahead_on_measure,
    has_highest_score,
    has_lowest_score,
    measure_criterion,
    steps_to_come_first,
)

Namer = Callable[[str], str]
POINT = Decimal("0.1")
TIED_NAMED = 3
"""Offers sharing a rank that a "why" sentence names; more are counted, so that each offer's words
(and the log entry holding them) do not grow with the square of the number of offers."""
CENT = Decimal("0.01")
_HORIZON = re.compile(r"over your ([0-9]+) years?")
_HORIZON_MONTHS = re.compile(r"over your ([0-9]+) months?")


def _noun(label: str) -> str:
    """A label as it reads inside a sentence: "Claims satisfaction" → "claims satisfaction", but
    "APR" stays "APR"."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def money_period(criterion: Criterion) -> tuple[str | None, int | None]:
    """The period of a money criterion as data: ("year", None) for "USD per year", ("month",
    None) for "USD per month", ("horizon", 4) for "USD over your 4 years", ("horizon_months", 18)
    for "USD over your 18 months", (None, None) for plain "USD". Sentences are built back from this
    (app/comparison/house_notice.py)."""
    over = period(criterion)
    if over.startswith("a "):
        return over[2:], None
    horizon = _HORIZON.fullmatch(over)
    if horizon is not None:
        return "horizon", int(horizon.group(1))
    months = _HORIZON_MONTHS.fullmatch(over)
    if months is not None:
        return "horizon_months", int(months.group(1))
    return None, None


def period_words(period_key: str | None, count: int | None) -> str:
    """money_period's answer back in words: "a year", "over your 4 years", "over your 18 months", ""."""
    if period_key == "horizon":
        return f"over your {count} year" + ("" if count == 1 else "s")
    if period_key == "horizon_months":
        return f"over your {count} month" + ("" if count == 1 else "s")
    return f"a {period_key}" if period_key else ""


def period(criterion: Criterion) -> str:
    """The period a money criterion is counted over, as it reads after an amount: "a year" for a
    unit of "USD per year", "over your 4 years" for "USD over your 4 years", "" for plain "USD"."""
    words = criterion.unit.split(" ", 1)
    rest = words[1] if criterion.money and len(words) > 1 else ("" if criterion.money else criterion.unit)
    return f"a {rest[4:]}" if rest.startswith("per ") else rest


def subject(criterion: Criterion) -> str:
    """What a criterion measures, without the period its unit already says: "Expected
    out-of-pocket cost per year" → "expected out-of-pocket cost"."""
    label = criterion.label
    words = criterion.unit.split(" ", 1)
    if criterion.money and len(words) > 1 and label.endswith(" " + words[1]):
        label = label[: -len(words[1]) - 1]
    return _noun(label)


def price_criterion(criteria: Sequence[Criterion]) -> Criterion | None:
    """The price: by convention the first money criterion a product line lists whose direction is
    its words' good one — less is better for what the shopper pays (COSTS), more for what the
    shopper earns (EARNINGS). Its differences read "$212.00 a year less" without naming it."""
    return next((c for c in criteria if c.money and c.direction == c.words.direction), None)


def amount_phrase(criterion: Criterion, amount: Decimal, change: str, *, what: str | None = None) -> str:
    """An amount of a money criterion with its period, in the order English puts them: "$212.00 a
    year less", "$3,105.33 less over your 4 years", "$30.00 a year less in expected excess"."""
    over = period(criterion)
    parts = [criterion.format(amount)]
    if over.startswith("a "):
        parts.append(over)
    parts.append(change)
    if what:
        parts.append(f"in {what}")
    if over and not over.startswith("a "):
        parts.append(over)
    return " ".join(parts)


def difference_phrase(criterion: Criterion, better: Decimal, worse: Decimal, *, is_price: bool = False) -> str:
    """How much better one value is than another, in words with figures."""
    if criterion.money:
        change = "less" if criterion.direction == "lower" else "more"
        return amount_phrase(criterion, abs(better - worse), change, what=None if is_price else subject(criterion))
    return f"{subject(criterion)} {criterion.format(better)} against {criterion.format(worse)}"


@dataclass(frozen=True)
class Difference:
    """One criterion compared between two offers: their values and the points the first gains
    over the second on it (negative when it loses points). `gap` is those points in the
    ranking's exact Decimal units (Ranking.weighted_gap): same sign, same order between criteria,
    so sorting and signing need no Fraction; `points` makes the Fraction when it is read."""

    criterion: Criterion
    first: Decimal
    second: Decimal
    gap: Decimal
    ranking: Ranking = field(repr=False, compare=False)

    @property
    def points(self) -> Fraction:
        return self.ranking.points_of_gap(self.gap)

    def phrase(self, criteria: Sequence[Criterion]) -> str:
        """The difference as a noun phrase: "$212.00 a year less", "claims satisfaction 903/1,000
        against 842/1,000"."""
        better, worse = (self.first, self.second) if self.gap > 0 else (self.second, self.first)
        is_price = self.criterion == price_criterion(criteria)
        phrase = difference_phrase(self.criterion, better, worse, is_price=is_price)
        # "$212.00 a year less" is a price without a verb; an amount earned says so: "earns $212.40 more".
        return f"{self.criterion.words.verb} {phrase}" if is_price and self.criterion.words is not COSTS else phrase

    def detail(self) -> str:
        """The difference named by its criterion: "price ($212.00 a year less)", "claims
        satisfaction (903/1,000 against 842/1,000)"."""
        better, worse = (self.first, self.second) if self.gap > 0 else (self.second, self.first)
        if self.criterion.money:
            return f"{subject(self.criterion)} ({difference_phrase(self.criterion, better, worse, is_price=True)})"
        return f"{subject(self.criterion)} ({self.criterion.format(better)} against {self.criterion.format(worse)})"


def differences(ranking: Ranking, first: RankedOffer, second: RankedOffer) -> list[Difference]:
    """Every criterion, in the product line's order, compared between two offers."""
    gap = ranking.weighted_gap
    return [Difference(criterion, mine, theirs, gap(k, mine, theirs), ranking)
            for k, (criterion, mine, theirs) in enumerate(zip(ranking.criteria, first.row, second.row))]


def _biggest(items: list[Difference], limit: int) -> list[Difference]:
    order = {id(item): index for index, item in enumerate(items)}
    return sorted(items, key=lambda item: (-abs(item.gap), order[id(item)]))[:limit]


def gains(ranking: Ranking, winner: RankedOffer, other: RankedOffer, *, limit: int = 3) -> list[Difference]:
    """Where `winner` gains most points over `other`, biggest first."""
    return _biggest([item for item in differences(ranking, winner, other) if item.gap > 0], limit)


def advantages(ranking: Ranking, winner: RankedOffer, other: RankedOffer, *, limit: int = 3) -> list[str]:
    """Where `winner` gains most points over `other`, biggest first, as short phrases with figures."""
    return [item.phrase(ranking.criteria) for item in gains(ranking, winner, other, limit=limit)]


def _on(items: Sequence[Difference]) -> str:
    return listing([item.detail() for item in items])


def points(value: Fraction | Decimal) -> str:
    """Points to one decimal, as the customer is shown them."""
    numerator, denominator = value.as_integer_ratio()
    return f"{_round_ratio(numerator, denominator, POINT):.1f}"


def out_of_100(score: Decimal) -> str:
    """A score said "out of 100". An offer beyond the best end of a criterion's scale scores past
    100 (beyond the worst, below 0); it is ranked on its exact score but never said to score more
    than 100 or less than 0 (the table and API show the same, app/comparison/bounds.py)."""
    return points(min(max(score, Decimal(0)), Decimal(100)))


def listing(phrases: Sequence[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _tied_names(level: Sequence[RankedOffer], name: Namer) -> list[str]:
    if len(level) <= TIED_NAMED + 1:
        return [name(other.handle) for other in level]
    return [*(name(other.handle) for other in level[:TIED_NAMED]), f"{len(level) - TIED_NAMED} other offers"]


def order_reason(ranking: Ranking, first: RankedOffer, second: RankedOffer, who: str = "it") -> str:
    """Why `first` (called `who`) is listed before `second` when they share a rank: always from
    their figures, never from who made them."""
    whose = "its" if who == "it" else f"{who}’s"
    if first.exact_score != second.exact_score:
        return f"{whose} exact score is a little higher before rounding"
    criteria = ranking.criteria
    first_better = [c for c in criteria if _better(c, first.values[c.key], second.values[c.key])]
    if first_better and not any(_better(c, second.values[c.key], first.values[c.key]) for c in criteria):
        return f"{who} is as good on everything and better on {listing([subject(c) for c in first_better])}"
    if first_better:
        return f"with the same score, {who} comes out ahead when every criterion counts equally"
    return ("they are equal on everything we rank on, so their order comes from a fingerprint of their "
            "figures, never from who made them")


def _better(criterion: Criterion, value: Decimal, other: Decimal) -> bool:
    return value < other if criterion.direction == "lower" else value > other


def top_reasons(ranking: Ranking, name: Namer) -> list[str]:
    """Why the first offer is first, in a few sentences with figures."""
    top = ranking.top
    if top is None:
        return []
    if len(ranking.offers) == 1:
        return ["It is the only offer that meets everything you asked for."]
    runner_up = ranking.offers[1]
    if runner_up.rank == top.rank:
        level = [offer for offer in ranking.offers if offer.rank == top.rank and offer.position != top.position]
        reasons = [
            f"It shares first place with {listing([name(o.handle) for o in level])}: their scores round to "
            f"the same {out_of_100(top.shown_score)} points out of 100.",
            f"It is listed first because {order_reason(ranking, top, runner_up)}.",
        ]
        ahead = gains(ranking, top, runner_up, limit=2)
        if ahead:
            reasons.append(f"Against {name(runner_up.handle)} it does better on {_on(ahead)}.")
        return reasons
    phrases = advantages(ranking, top, runner_up)
    by_measure = ahead_on_measure(ranking, top, runner_up)
    reasons = (_measure_lead(ranking, top, runner_up, name) if by_measure else
               [f"It scores {out_of_100(top.shown_score)} out of 100, "
                f"{points(top.shown_score - runner_up.shown_score)} points ahead of {name(runner_up.handle)}, the next best."])
    if phrases:
        reasons.append(f"Compared with {name(runner_up.handle)}: {listing(phrases)}.")
    if top.handle in runner_up.dominated_by:
        reasons.append(f"It is at least as good as {name(runner_up.handle)} on everything.")
    else:
        losses = gains(ranking, runner_up, top, limit=2)
        if losses:
            reasons.append(f"{name(runner_up.handle)} does better on {_on(losses)}, "
                           + (f"but {ranking.measure.label} comes first with these preferences." if by_measure
                              else "but that counts for less with these weights."))
    return reasons


def _measure_lead(ranking: Ranking, top: RankedOffer, runner_up: RankedOffer, name: Namer) -> list[str]:
    """Why the first offer is first when the measure put it there: it is the best on the measure
    (alone in the best step), and by how much."""
    criterion = measure_criterion(ranking)
    value, other = ranking.measure_value(top.handle), ranking.measure_value(runner_up.handle)
    lower = criterion.direction == "lower"
    over = period(criterion)
    return [f"It has the {'lowest' if lower else 'highest'} {criterion.label}: "
            f"{criterion.format(value)}{' ' + over if over else ''}.",
            f"{name(runner_up.handle)} is {amount_phrase(criterion, abs(other - value), 'more' if lower else 'less')}."]


def _measure_behind(ranking: Ranking, above: RankedOffer, offer: RankedOffer, name: Namer) -> str:
    criterion = measure_criterion(ranking)
    gap = abs(ranking.measure_value(offer.handle) - ranking.measure_value(above.handle))
    worse = "more" if criterion.direction == "lower" else "less"
    return (f"{name(above.handle)} comes before it on {criterion.label}: this offer is "
            f"{amount_phrase(criterion, gap, worse)}.")


def why_rank(ranking: Ranking, offer: RankedOffer, name: Namer) -> list[str]:
    """Why an offer stands where it does: its score, what the offers just above do better, what
    it does better than the offers just below, ties and dominance — all from the ranking's numbers."""
    offers = ranking.offers
    count = len(offers)
    if count == 1:
        return [f"It scores {out_of_100(offer.shown_score)} out of 100 and is the only offer that meets "
                "everything you asked for."]
    highest = offer.position == 1 and (ranking.measure is None or has_highest_score(ranking, offer))
    sentences = [f"It scores {out_of_100(offer.shown_score)} out of 100" + (", the highest." if highest else ".")]
    level = [other for other in offers if other.rank == offer.rank and other.position != offer.position]
    if level:
        sentences.append(f"It shares rank {offer.rank} with {listing(_tied_names(level, name))}: "
                         f"the scores round to the same {out_of_100(offer.shown_score)} points.")
        previous = offers[offer.position - 2] if offer.position > 1 else None
        if previous is not None and previous.rank == offer.rank:
            sentences.append(f"It is listed after {name(previous.handle)} because "
                             f"{order_reason(ranking, previous, offer, name(previous.handle))}.")
    above = _nearest(offers, offer, step=-1)
    if above is not None and ahead_on_measure(ranking, above, offer):
        sentences.append(_measure_behind(ranking, above, offer, name))
    elif above is not None:
        behind = points(above.shown_score - offer.shown_score)
        better = gains(ranking, above, offer, limit=2)
        sentences.append(f"It is {behind} points behind {name(above.handle)}"
                         + (f", which does better on {_on(better)}." if better else "."))
    below = _nearest(offers, offer, step=1)
    if below is not None:
        better = gains(ranking, offer, below, limit=2)
        if better:
            sentences.append(f"It ranks above {name(below.handle)} by doing better on {_on(better)}.")
    elif offer.position == count and (ranking.measure is None or has_lowest_score(ranking, offer)):
        sentences.append("It scores lowest of the offers that meet what you asked for.")
    dominators = offer.dominated_by
    if dominators:
        best = ranking.handles[dominators[0]]
        better_on = [subject(c) for c in ranking.criteria
                     if _better(c, best.values[c.key], offer.values[c.key])]
        sentences.append(f"{name(best.handle)} is at least as good on everything and better on "
                         f"{listing(better_on)}.")
    return sentences


def _nearest(offers: tuple[RankedOffer, ...], offer: RankedOffer, *, step: int) -> RankedOffer | None:
    """The closest offer in a different rank: above (step −1) or below (step 1)."""
    index = offer.position - 1 + step
    while 0 <= index < len(offers):
        if offers[index].rank != offer.rank:
            return offers[index]
        index += step
    return None


@dataclass(frozen=True)
class NeededChange:
    """How far one criterion would have to move for an offer to come first. `amount` is None when
    no change of that criterion alone could do it (a price would have to go below nothing, or the
    criterion carries no weight)."""

    criterion: Criterion
    amount: Decimal | None


def change_to_come_first(ranking: Ranking, handle: str, criterion: Criterion, *, quantum: Decimal = CENT) -> NeededChange | None:
    """The smallest change, in steps of `quantum`, to `criterion` that would put the offer first
    outright; None when it already is. Found from the exact points per unit, then confirmed with
    the engine's own order, so a rounding can never make the figure wrong by a step."""
    top = ranking.top
    offer = ranking.handles[handle]
    if top is None or offer.position == 1:
        return None
    if ranking.measure is not None:
        steps = steps_to_come_first(ranking, handle, criterion, quantum)
        return NeededChange(criterion, None if steps is None else (steps * quantum).quantize(quantum))
    per_unit = ranking.points_per_unit(criterion.key)
    if per_unit == 0:
        return NeededChange(criterion, None)
    needed = (top.exact_score - offer.exact_score) / per_unit
    steps = max(1, _ceil(needed / Fraction(quantum)))
    amount = steps * quantum
    current = offer.values[criterion.key]
    target = ranking.order_key(top.handle)
    for _ in range(3):
        moved = current - amount if criterion.direction == "lower" else current + amount
        if criterion.money and criterion.direction == "lower" and moved < 0:
            return NeededChange(criterion, None)
        if ranking.order_key(handle, {**offer.values, criterion.key: moved}) < target:
            return NeededChange(criterion, amount.quantize(quantum, rounding=ROUND_CEILING))
        amount += quantum
    raise AssertionError("the exact gap and the engine's order disagree")  # pragma: no cover


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)
