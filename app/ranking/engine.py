"""The ranking engine: a pure function from anonymous offers to a ranking.

What it sees. Each offer is an opaque handle and one value per criterion — nothing else: no
provider, no "is ours" flag, no commission. The product line supplies the criteria (direction,
unit, and a reference scale `worst → best` fixed for this customer), the customer supplies the
weights and any hard limits.

The method: a weighted sum of linear value functions on fixed reference scales (multi-attribute
value theory, the additive model). An offer's utility on a criterion is where its value falls on
that criterion's scale, `(value − worst) / (best − worst)`, so `worst` gives 0 and `best` gives 1
(values beyond the scale extrapolate linearly). Its score is `100 × Σ weight × utility / Σ weight`.

Why this method. An offer's score depends on its own values and on the scales and weights, never
on the other offers in the list, so the order of two offers is decided by those two offers alone:
adding or removing any offer — dominated or not — cannot swap two others (no rank reversal; the
min–max normalisation over the current list that many comparison sites use does not have this
property). With weights ≥ 0 the score is monotone in every criterion, so improving an offer never
lowers it and an offer that dominates another always scores at least as much.

Exact arithmetic. Scores are compared as exact rationals: with `P = Π |best − worst|` every score
is `100 × N / D` where `N = Σ weight_k × sign_k × P / |span_k| × (value_k − worst_k)` is an exact
Decimal (computed in a context that traps any rounding) and `D = Σ weight × P > 0` is shared by
the whole ranking. Changing the unit of a criterion (dollars to cents, say, with its scale) leaves
every utility, and so the ranking, exactly unchanged.

The order. Offers are ordered by exact score, highest first; equal scores by the unweighted sum of
utilities (so an offer that dominates another comes first even when the criterion it wins on has
no weight), then by a digest of the utilities, then by handle. Every key is a property of one
offer alone, so the order is a fixed total order that does not depend on the input order or on
which other offers are present.

Ties. Scores are rounded half up to one step of `TIE_TOLERANCE` (0.1 points) — the score the
customer is shown — and offers whose rounded scores are equal share a rank. Ranks are standard
competition ranks ("1, 1, 3"). Why not "scores less than 0.1 apart share a rank"? Being within
0.1 of each other is not transitive (50.00 ~ 49.93 ~ 49.86 but 50.00 ≁ 49.86), so any grouping
built from it must look at the other offers: grouping from each rank's first offer (what this
engine did before) lets adding an offer at 50.00 split 49.93 and 49.86 apart, and chaining lets an
offer in between merge 50.00 and 49.86. Either way whether two offers tie would depend on a
third, which is the rank reversal the method exists to rule out. Rounding to a fixed grid is the
only grouping in which whether two offers tie depends on those two offers alone. The price is at
the edges of a step: 50.05 and 50.04 show as 50.1 and 50.0 and do not tie although they are 0.01
apart — the ranks always agree with the scores shown. Offers that share a rank always differ by
less than 0.1 points, and offers 0.1 points or more apart never share one.

Measures. A preset named after a measure ("Lowest cost") ranks with that measure: offers are
ordered first by their step on it, then as above (app/ranking/measure.py says why and how); two
offers share a rank only when they share a step too. Everything said here about the order still
holds with a measure, except that scores then fall only within a step.

Dominance. Offer A dominates B when A is at least as good on every criterion and better on one.
`RankedOffer.dominated` says whether anything dominates an offer; `dominated_by` lists every offer
that does, best placed first. A dominator always stands before what it dominates (its score is at
least as high, and if equal its unweighted sum is higher), and every dominated offer is dominated
by an undominated one, so `dominated` is one sweep down the order against the undominated offers
seen so far. Neither is needed to order the offers, so both are worked out when first asked for.

Speed. A market holds about twenty offers, so the code is plain rather than fast: each offer's
numerator is worked out once and the offers sorted once (the content-based tie-breaks only among
equal scores); ten thousand offers still rank in well under a second (bench/ranking.py). Ties are
placed in integers (`_Scale.band`); the exact score, a Fraction, is made when it is read. A
comparison also asks what each of the line's other presets would put first: `Ranking.reweighted`
answers with the offers already checked and the limits already applied (neither depends on the
weights), so only the weighted sums are new — the same ranking `rank` would make, errors included
(tests/app/ranking/test_rank_once.py holds it to the engine as it was).
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import cached_property
from itertools import groupby
from types import MappingProxyType
from typing import Any

from app.ranking.criteria import Criterion
from app.ranking.measure import InvalidMeasure, Measure, MeasureSteps
from app.ranking.scale import _EXACT, SCORE_QUANTUM, TIE_TOLERANCE, RankingInputError, _Scale, normalise_weights

ENGINE_VERSION = "3"  # 3: rankings may be made with a measure (app/ranking/measure.py)


@dataclass(frozen=True)
class Candidate:
    """An offer as the engine sees it: an opaque handle and its criterion values, nothing else."""

    handle: str
    values: Mapping[str, Decimal]


@dataclass(frozen=True)
class Constraint:
    """A hard limit set by the customer: the criterion's value may be no worse than `limit`.
    `reason` may name the offer's own value as `{value}`, formatted by its criterion."""

    criterion: str
    limit: Decimal
    reason: str


class RankedOffer:
    """One ranked offer, at its 1-based `position`. `score` is the exact score rounded to 12 places,
    `shown_score` the score rounded to the tie step — what decides ties and what the customer sees;
    `contributions` are each criterion's points, which add up to the score."""

    position: int
    rank: int
    tied: bool  # whether another offer shares this rank

    def __init__(self, ranking: Ranking, handle: str, row: tuple[Decimal, ...], numerator: Decimal) -> None:
        self._ranking, self.handle, self.row = ranking, handle, row  # row: values in the criteria's order
        self.numerator = numerator
        self.step = 0 if ranking._measure is None else ranking._measure.step(row)
        self.band = ranking._scale.band(numerator)

    @cached_property
    def exact_score(self) -> Fraction:
        return self._ranking._scale.score(self.numerator)

    @cached_property
    def values(self) -> Mapping[str, Decimal]:
        return MappingProxyType(dict(zip(self._ranking._scale.keys, self.row)))

    @property
    def score(self) -> Decimal:
        return self._ranking._scale.rounded_score(self.numerator, SCORE_QUANTUM)

    @property
    def shown_score(self) -> Decimal:
        with localcontext(_EXACT):
            return self.band * TIE_TOLERANCE

    @cached_property
    def exact_contributions(self) -> Mapping[str, Fraction]:
        scale = self._ranking._scale
        return MappingProxyType({key: scale.contribution(k, self.row[k]) for k, key in enumerate(scale.keys)})

    @property
    def contributions(self) -> dict[str, Decimal]:
        scale = self._ranking._scale
        return {key: scale.rounded_contribution(k, self.row[k], SCORE_QUANTUM) for k, key in enumerate(scale.keys)}

    @property
    def dominated(self) -> bool:
        """Whether another offer is at least as good on every criterion and better on one."""
        return self.handle in self._ranking._dominated

    @cached_property
    def dominated_by(self) -> tuple[str, ...]:
        """Every offer that dominates this one, best placed first (only those before it can)."""
        oriented = self._ranking._oriented
        return tuple(other.handle for other in self._ranking.offers[: self.position - 1]
                     if _dominates(oriented(other), oriented(self))) if self.dominated else ()

    def _identity(self) -> tuple[Any, ...]:
        return (self.handle, self.rank, self.position, self.tied, self.dominated, self.exact_score,
                tuple(self.exact_contributions.items()))

    def __eq__(self, other: object) -> bool:
        return self._identity() == other._identity() if isinstance(other, RankedOffer) else NotImplemented

    def __hash__(self) -> int:
        return hash((self.handle, self.rank, self.position))

    def __repr__(self) -> str:
        return f"RankedOffer({self.handle!r}, rank={self.rank}, score={self.score}, tied={self.tied})"


class Ranking:
    """The engine's answer: the ranked offers best first (`offers`, and by handle in `handles`),
    the excluded ones with their reasons, and the weights used."""

    tolerance = TIE_TOLERANCE
    engine_version = ENGINE_VERSION

    def __init__(self, scale: _Scale, rows: Mapping[str, tuple[Decimal, ...]], numerators: Mapping[str, Decimal],
                 excluded: tuple[tuple[str, str], ...], measure: MeasureSteps | None) -> None:
        """`rows` and `numerators`: every offer's, the excluded ones' too (reweighted() checks them)."""
        self._scale, self._measure, self.excluded, self._rows = scale, measure, excluded, rows
        left_out = {handle for handle, _ in excluded}
        offers = sorted((RankedOffer(self, handle, row, numerators[handle])
                         for handle, row in rows.items() if handle not in left_out),
                        key=lambda offer: (offer.step, -offer.numerator))
        # The rest of the order key is worked out only among offers level on step and score (rare).
        levels = [list(level) for _, level in groupby(offers, key=lambda offer: (offer.step, offer.numerator))]
        self.offers = tuple(offer for level in levels for offer in (
            sorted(level, key=lambda offer: self._tie_break(offer.handle, offer.row)) if len(level) > 1 else level))
        for position, offer in enumerate(self.offers, start=1):
            before = self.offers[position - 2] if position > 1 else None
            offer.position = position
            offer.rank = before.rank if before and (before.step, before.band) == (offer.step, offer.band) else position
        sharing = Counter(offer.rank for offer in self.offers)
        for offer in self.offers:
            offer.tied = sharing[offer.rank] > 1
        self.handles = MappingProxyType({offer.handle: offer for offer in self.offers})

    def reweighted(self, weights: Mapping[str, Any], measure: Measure | None = None) -> Ranking:
        """The ranking `rank` makes of the same offers, criteria and limits with other weights (and
        measure), equal to it in every respect, errors included, without checking the offers or
        applying the limits again: neither depends on the weights. One comparison ranks once and
        re-weighs for the line's other presets."""
        scale = self._scale.reweighted(weights)
        measured = _measure_steps(measure, scale)
        numerators = {handle: scale.checked_numerator(handle, row) for handle, row in self._rows.items()}
        return Ranking(scale, self._rows, numerators, self.excluded, measured)

    def reweighted_top(self, weights: Mapping[str, Any], measure: Measure | None = None) -> str | None:
        """The handle of reweighted(weights, measure).top, errors included, without placing the
        other offers: what a line's other presets would put first."""
        scale = self._scale.reweighted(weights)
        measured = _measure_steps(measure, scale)
        numerators = {handle: scale.checked_numerator(handle, row) for handle, row in self._rows.items()}
        left_out = {handle for handle, _ in self.excluded}
        keys = {handle: (0 if measured is None else measured.step(row), -numerators[handle])
                for handle, row in self._rows.items() if handle not in left_out}
        if not keys:
            return None
        best = min(keys.values())
        level = [handle for handle, key in keys.items() if key == best]
        if len(level) == 1:
            return level[0]
        # Tie-breaks depend on the criteria alone, never on the weights: this ranking's own serve.
        return min(level, key=lambda handle: self._tie_break(handle, self._rows[handle]))

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return self._scale.criteria

    @property
    def weights(self) -> dict[str, Decimal]:
        """Each criterion's share of the total weight."""
        return normalise_weights(self._scale.criteria, dict(zip(self._scale.keys, self._scale.weights)))

    @property
    def measure(self) -> Measure | None:
        """The measure the order puts first, if the preset is named after one."""
        return None if self._measure is None else self._measure.measure

    def measure_value(self, handle: str) -> Decimal | None:
        """An offer's value on the ranking's measure (None without a measure)."""
        return None if self._measure is None else self._measure.value(self.handles[handle].row)

    def measure_step(self, handle: str) -> int | None:
        """An offer's step on the ranking's measure, smaller better (None without a measure)."""
        return None if self._measure is None else self.handles[handle].step

    @property
    def top(self) -> RankedOffer | None:
        return self.offers[0] if self.offers else None

    def _tie_break(self, handle: str, row: Sequence[Decimal]) -> tuple[Decimal, str, str]:
        return (-self._scale.unweighted_sum(row), self._scale.digest(row), handle)

    def order_key(self, handle: str, values: Mapping[str, Decimal] | None = None) -> tuple[Any, ...]:
        """The key offers are ordered by (smaller first), for an offer in this ranking or for the
        same offer with other values — to ask where it would stand if it were different."""
        row = self.handles[handle].row if values is None else self._scale.row(handle, values)
        return (*self._leading_key(row), *self._tie_break(handle, row))

    def _leading_key(self, row: Sequence[Decimal]) -> tuple[int, Decimal]:
        """The order key's step on the measure and score: they decide unless both are level."""
        step = 0 if self._measure is None else self._measure.step(row)
        return step, -self._scale.numerator(row)

    def would_precede(self, handle: str, values: Mapping[str, Decimal], other: str) -> bool:
        """Whether the offer, with `values` instead of its own, would stand before `other`: the
        order keys compared, the tie-break (a hash of exact utilities) worked out only when step
        and score are level, which a search over an offer's values (measure_explain.py) rarely meets."""
        row = self._scale.row(handle, values)
        mine, theirs = self._leading_key(row), (self.handles[other].step, -self.handles[other].numerator)
        if mine != theirs:
            return mine < theirs
        return (*mine, *self._tie_break(handle, row)) < self.order_key(other)

    def weighted_gap(self, k: int, value: Decimal, other: Decimal) -> Decimal:
        """The points `value` earns over `other` on the k-th criterion, in exact Decimal units
        shared by every criterion of this ranking (points_of_gap turns them into points)."""
        return self._scale.weighted_gap(k, value, other)

    def points_of_gap(self, gap: Decimal) -> Fraction:
        # A gap is in the numerator's units, so it reads in points as a score does.
        return self._scale.score(gap)

    def points_per_unit(self, criterion_key: str) -> Fraction:
        """Score points gained per unit the criterion's value moves towards `best`."""
        return abs(self._scale.points_per_unit[self._scale.keys.index(criterion_key)])

    def _oriented(self, offer: RankedOffer) -> tuple[Decimal, ...]:
        """The offer's values turned so that higher is better on every criterion."""
        return tuple(value if sign > 0 else -value for sign, value in zip(self._scale.signs, offer.row))

    @cached_property
    def _dominated(self) -> set[str]:
        front: list[tuple[Decimal, ...]] = []  # the undominated offers so far
        dominated = set()
        for offer in self.offers:
            mine = self._oriented(offer)
            beaten_by = next((index for index, theirs in enumerate(front) if _dominates(theirs, mine)), None)
            if beaten_by is None:
                front.append(mine)
            else:  # what dominates one offer tends to dominate the next: it is looked at first
                dominated.add(offer.handle)
                front.insert(0, front.pop(beaten_by))
        return dominated

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ranking):
            return NotImplemented
        return (self.offers, self.excluded, self._scale.keys, self._scale.weights, self.measure) == (
            other.offers, other.excluded, other._scale.keys, other._scale.weights, other.measure)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Ranking(offers={list(self.offers)!r}, excluded={self.excluded!r})"


def rank(candidates: Iterable[Candidate], criteria: Sequence[Criterion], weights: Mapping[str, Any],
         constraints: Sequence[Constraint] = (), measure: Measure | None = None) -> Ranking:
    scale = _Scale(criteria, weights)
    measured = _measure_steps(measure, scale)
    candidates = list(candidates)
    seen: set[str] = set()
    for handle in (candidate.handle for candidate in candidates):
        if handle in seen:
            raise RankingInputError(f"two offers share the handle {handle}")
        seen.add(handle)
    checked = {candidate.handle: scale.checked_row(candidate.handle, candidate.values) for candidate in candidates}
    rows = {handle: row for handle, (row, _) in checked.items()}
    excluded = sorted(_excluded(scale, constraints, rows))
    return Ranking(scale, rows, {handle: numerator for handle, (_, numerator) in checked.items()},
                   tuple(excluded), measured)


def _measure_steps(measure: Measure | None, scale: _Scale) -> MeasureSteps | None:
    try:
        return None if measure is None else MeasureSteps(measure, scale.criteria)
    except InvalidMeasure as problem:
        raise RankingInputError(str(problem)) from None


def _excluded(scale: _Scale, constraints: Sequence[Constraint], rows: Mapping[str, tuple[Decimal, ...]]) -> list[tuple[str, str]]:
    """Each offer that breaks a limit, with the reason of the first it breaks."""
    for constraint in constraints:
        if constraint.criterion not in scale.keys:
            raise RankingInputError(f"constraint names unknown criterion {constraint.criterion}")
        if not isinstance(constraint.limit, Decimal) or not constraint.limit.is_finite():
            raise RankingInputError(f"the limit on {constraint.criterion} must be a finite Decimal")
    excluded = []
    for handle, row in rows.items():
        for constraint in constraints:
            k = scale.keys.index(constraint.criterion)
            if (row[k] > constraint.limit) if scale.criteria[k].direction == "lower" else (row[k] < constraint.limit):
                excluded.append((handle, constraint.reason.format(value=scale.criteria[k].format(row[k]))))
                break
    return excluded


def _dominates(theirs: tuple[Decimal, ...], mine: tuple[Decimal, ...]) -> bool:
    return theirs != mine and all(map(operator.ge, theirs, mine))
