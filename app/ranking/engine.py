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
least as high, and if equal its unweighted sum is higher), so the check is a sweep down the order
against the undominated offers seen so far. It is the one part whose cost grows faster than the
list, so it is worked out when first asked for, exactly, and never needed to order the offers.

Speed. Everything else is exact Decimal arithmetic done column by column, one sort, and a binary
search per score step; offers are views on the ranking's arrays, so ten thousand offers rank in a
few tens of milliseconds (bench/ranking.py prints the figures).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext
from fractions import Fraction
from itertools import repeat
from types import MappingProxyType
from typing import Any

from app.ranking.criteria import Criterion
from app.ranking.measure import InvalidMeasure, Measure, MeasureSteps, competition_ranks
from app.ranking.order import _dominated, _order, _oriented, _ranks_and_bands, _tied
from app.ranking.scale import (  # the engine's public names, wherever they are defined
    _EXACT,
    TIE_TOLERANCE,
    RankingInputError,
    _round,
    _Scale,
    normalise_weights,
)
from app.ranking.views import RankedHandles, RankedOffer, RankedOffers

__all__ = ["ENGINE_VERSION", "TIE_TOLERANCE", "Candidate", "Constraint", "RankedOffer", "Ranking",
           "RankingInputError", "normalise_weights", "rank", "_round"]

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


class Ranking:
    """The engine's answer: the ranked offers best first (`offers`, and by handle in `handles`),
    the excluded ones with their reasons, and the weights used. Kept as arrays in ranking order;
    offers are views on them."""

    tolerance = TIE_TOLERANCE
    engine_version = ENGINE_VERSION

    def __init__(self, scale: _Scale, handles: list[str], columns: list[list[Decimal]],
                 numerators: list[Decimal], order: list[int], excluded: tuple[tuple[str, str], ...],
                 measure: MeasureSteps | None = None, steps: list[int] | None = None) -> None:
        self._scale = scale
        self._measure = measure
        self._columns = columns
        self._numerators = numerators
        self._order = order
        self.excluded = excluded
        self._sorted_handles = list(map(handles.__getitem__, order))
        self._positions = dict(zip(self._sorted_handles, range(1, len(order) + 1)))
        sorted_numerators = list(map(numerators.__getitem__, order))
        if steps is None:
            self._ranks, self._bands = _ranks_and_bands(scale, sorted_numerators)
        else:
            self._bands = list(map(scale.band, sorted_numerators))
            self._ranks = competition_ranks(list(zip(map(steps.__getitem__, order), self._bands)))
        self._tied = _tied(self._ranks)
        self._dominance: list[bool] | None = None
        self._oriented: list[tuple[Decimal, ...]] = []
        self._dominators: dict[str, tuple[str, ...]] = {}
        self._shown_scores: dict[int, Decimal] = {}
        self._contributions: dict[int, Mapping[str, Fraction]] = {}
        self._value_maps: dict[int, Mapping[str, Decimal]] = {}
        self.offers = RankedOffers(self)
        self.handles = RankedHandles(self)

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
        return None if self._measure is None else self._measure.step(self.handles[handle].row)

    @property
    def top(self) -> RankedOffer | None:
        return RankedOffer(self, 1) if self._order else None

    def _shown(self, band: int) -> Decimal:
        if band not in self._shown_scores:
            with localcontext(_EXACT):
                self._shown_scores[band] = band * TIE_TOLERANCE
        return self._shown_scores[band]

    # Explanations look at each offer's values and contributions dozens of times per comparison:
    # they are worked out once, and handed out read-only.
    def _exact_contributions(self, index: int) -> Mapping[str, Fraction]:
        if index not in self._contributions:
            scale = self._scale
            self._contributions[index] = MappingProxyType({
                key: scale.contribution(k, column[index]) for k, (key, column) in enumerate(zip(scale.keys, self._columns))})
        return self._contributions[index]

    def _values(self, index: int) -> Mapping[str, Decimal]:
        if index not in self._value_maps:
            self._value_maps[index] = MappingProxyType({key: column[index]
                                                        for key, column in zip(self._scale.keys, self._columns)})
        return self._value_maps[index]

    def _dominated(self) -> list[bool]:
        if self._dominance is None:
            self._oriented = _oriented(self._scale, [list(map(column.__getitem__, self._order)) for column in self._columns])
            self._dominance = _dominated(self._oriented)
        return self._dominance

    def dominators(self, handle: str) -> tuple[str, ...]:
        """Every offer that dominates `handle`, in ranking order (worked out on request: only
        offers placed before it can dominate it)."""
        if handle not in self._dominators:
            position = self._positions[handle]
            found: list[str] = []
            if self._dominated()[position - 1]:
                mine = self._oriented[position - 1]
                ge = operator.ge
                for other, theirs in zip(self._sorted_handles[: position - 1], self._oriented):
                    if theirs != mine and all(map(ge, theirs, mine)):
                        found.append(other)
            self._dominators[handle] = tuple(found)
        return self._dominators[handle]

    def order_key(self, handle: str, values: Mapping[str, Decimal] | None = None) -> tuple[int, Decimal, Decimal, str, str]:
        """The key offers are ordered by (smaller first), for an offer in this ranking or for the
        same offer with other values — to ask where it would stand if it were different."""
        scale = self._scale
        row = self.handles[handle].row if values is None else _row(scale, handle, values)
        step = 0 if self._measure is None else self._measure.step(row)
        return (step, -scale.numerator(row), -scale.unweighted_sum(row), scale.digest(row), handle)

    def points_per_unit(self, criterion_key: str) -> Fraction:
        return self._scale.points_per_unit(self._scale.keys.index(criterion_key))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ranking):
            return NotImplemented
        return (self.offers, self.excluded, self._scale.keys, self._scale.weights, self.measure) == (
            other.offers, other.excluded, other._scale.keys, other._scale.weights, other.measure)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Ranking(offers={list(self.offers)!r}, excluded={self.excluded!r})"


def _row(scale: _Scale, handle: str, values: Mapping[str, Any]) -> tuple[Decimal, ...]:
    row = []
    for key in scale.keys:
        try:
            value = values[key]
        except KeyError:
            raise RankingInputError(f"offer {handle} has no value for {key}") from None
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)) or not Decimal(value).is_finite():
            raise RankingInputError(f"offer {handle}: {key} must be a finite Decimal")
        row.append(Decimal(value))
    try:
        scale.numerator(row)
    except Inexact:
        raise RankingInputError(f"offer {handle}: its values have too many digits to rank exactly") from None
    return tuple(row)


def rank(
    candidates: Iterable[Candidate],
    criteria: Sequence[Criterion],
    weights: Mapping[str, Any],
    constraints: Sequence[Constraint] = (),
    measure: Measure | None = None,
) -> Ranking:
    scale = _Scale(criteria, weights)
    try:
        measured = None if measure is None else MeasureSteps(measure, scale.criteria)
    except InvalidMeasure as problem:
        raise RankingInputError(str(problem)) from None
    candidates = list(candidates)
    handles = [candidate.handle for candidate in candidates]
    if len(set(handles)) != len(handles):
        seen: set[str] = set()
        duplicate = next(handle for handle in handles if handle in seen or seen.add(handle))  # type: ignore[func-returns-value]
        raise RankingInputError(f"two offers share the handle {duplicate}")
    columns, numerators = _columns(scale, candidates)
    excluded: list[tuple[str, str]] = []
    if constraints:
        keep = _apply_constraints(scale, constraints, handles, columns, excluded)
        handles = list(map(handles.__getitem__, keep))
        columns = [list(map(column.__getitem__, keep)) for column in columns]
        numerators = list(map(numerators.__getitem__, keep))
    excluded.sort()
    steps = None if measured is None else measured.steps(columns)
    order = _order(scale, handles, columns, numerators, steps)
    return Ranking(scale, handles, columns, numerators, order, tuple(excluded), measured, steps)


def _columns(scale: _Scale, candidates: list[Candidate]) -> tuple[list[list[Decimal]], list[Decimal]]:
    """One list per criterion with every candidate's value, and each candidate's score numerator.
    The fast path reads the values in bulk and checks them column by column; anything odd sends
    it to the slow path, which names the problem."""
    try:
        values = [candidate.values for candidate in candidates]
        columns = [list(map(operator.itemgetter(key), values)) for key in scale.keys]
        for column in columns:
            if not set(map(type, column)) <= {Decimal} or not all(map(Decimal.is_finite, column)):
                raise TypeError
        return columns, _numerators(scale, columns)
    except (KeyError, TypeError, ArithmeticError):
        rows = [_row(scale, candidate.handle, candidate.values) for candidate in candidates]
        columns = [list(column) for column in zip(*rows)] if rows else [[] for _ in scale.keys]
        return columns, _numerators(scale, columns)


def _numerators(scale: _Scale, columns: list[list[Decimal]]) -> list[Decimal]:
    """Each offer's raw score numerator, Σ multiplier × value, exactly (the shared offset is taken
    off only where a score is needed: it changes no comparison)."""
    count = len(columns[0])
    totals: list[Decimal] = [Decimal(0)] * count
    with localcontext(_EXACT):
        for multiplier, column in zip(scale.multipliers, columns):
            if multiplier:
                totals = list(map(operator.add, totals, map(operator.mul, repeat(multiplier, count), column)))
    return totals


def _apply_constraints(scale: _Scale, constraints: Sequence[Constraint], handles: list[str],
                       columns: list[list[Decimal]], excluded: list[tuple[str, str]]) -> list[int]:
    checks = []
    for constraint in constraints:
        try:
            k = scale.keys.index(constraint.criterion)
        except ValueError:
            raise RankingInputError(f"constraint names unknown criterion {constraint.criterion}") from None
        if not isinstance(constraint.limit, Decimal) or not constraint.limit.is_finite():
            raise RankingInputError(f"the limit on {constraint.criterion} must be a finite Decimal")
        worse = operator.gt if scale.criteria[k].direction == "lower" else operator.lt
        checks.append((columns[k], worse, constraint, scale.criteria[k]))
    keep = []
    for i, handle in enumerate(handles):
        breach = next(((constraint, criterion, column[i]) for column, worse, constraint, criterion in checks
                       if worse(column[i], constraint.limit)), None)
        if breach is None:
            keep.append(i)
        else:
            constraint, criterion, value = breach
            excluded.append((handle, constraint.reason.format(value=criterion.format(value))))
    return keep
