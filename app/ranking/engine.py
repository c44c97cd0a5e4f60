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

import functools
import hashlib
from bisect import bisect_right
import math
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from itertools import compress, repeat
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, overload

from app.ranking.measure import InvalidMeasure, Measure, MeasureSteps, competition_ranks

if TYPE_CHECKING:  # the engine needs only the criteria's attributes; importing the product
    # package at run time would tie the engine to every product line (and to import order)
    from app.products.base import Criterion

ENGINE_VERSION = "3"  # 3: rankings may be made with a measure (app/ranking/measure.py)
TIE_TOLERANCE = Decimal("0.1")
"""The score step: scores are rounded half up to it, and offers with equal rounded scores tie."""
SCORE_PLACES = 12
SCORE_QUANTUM = Decimal(1).scaleb(-SCORE_PLACES)
UTILITY_QUANTUM = Decimal("1e-18")
WEIGHT_QUANTUM = Decimal("1e-24")

# Every operation on the ranking path is exact: a rounding would raise Inexact instead of silently
# changing an order. The precision only bounds how many digits an exact result may have.
_EXACT = Context(prec=2000, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN,
                 traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


class RankingInputError(ValueError):
    pass


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


class _Scale:
    """The arithmetic shared by one ranking: the criteria, their weights and the exact
    multipliers that turn an offer's values into the numerator of its score."""

    __slots__ = ("criteria", "keys", "weights", "total_weight", "signs", "worst", "spans",
                 "multipliers", "offset", "denominator", "unweighted", "product", "band_shift", "band_width",
                 "offset_ratio", "denominator_ratio", "_exact_worst", "_points_per_unit")

    def __init__(self, criteria: Sequence[Criterion], weights: Mapping[str, Decimal]) -> None:
        self.criteria = tuple(criteria)
        self.keys = tuple(criterion.key for criterion in self.criteria)
        if not self.keys:
            raise RankingInputError("a ranking needs at least one criterion")
        if len(set(self.keys)) != len(self.keys):
            raise RankingInputError("two criteria share a key")
        self.weights = _checked_weights(self.keys, weights)
        if any(criterion.worst == criterion.best for criterion in self.criteria):
            raise RankingInputError("a criterion's scale needs two different ends")
        try:
            self._exact_arithmetic()
        except Inexact:
            raise RankingInputError("the weights or scales have too many digits to rank exactly") from None
        self.offset_ratio = self.offset.as_integer_ratio()
        self.denominator_ratio = self.denominator.as_integer_ratio()
        # Explanations ask for contributions and utilities many times per offer: the fractions
        # they share are made once.
        self._exact_worst = tuple(map(Fraction, self.worst))
        total = Fraction(self.total_weight)
        self._points_per_unit = tuple(100 * Fraction(weight) / total / Fraction(span)
                                      for weight, span in zip(self.weights, self.spans))

    def _exact_arithmetic(self) -> None:
        with localcontext(_EXACT):
            self.total_weight = sum(self.weights, Decimal(0))
            self.worst = tuple(criterion.worst for criterion in self.criteria)
            self.spans = tuple(criterion.best - criterion.worst for criterion in self.criteria)
            self.signs = tuple(1 if span > 0 else -1 for span in self.spans)
            self.product = math.prod((abs(span) for span in self.spans), start=Decimal(1))
            # P / |span_k| as an exact product of the other spans: never a division.
            others = tuple(
                math.prod((abs(span) for j, span in enumerate(self.spans) if j != k), start=Decimal(1))
                for k in range(len(self.spans))
            )
            self.unweighted = tuple(sign * other for sign, other in zip(self.signs, others))
            self.multipliers = tuple(weight * u for weight, u in zip(self.weights, self.unweighted))
            self.offset = sum((m * w for m, w in zip(self.multipliers, self.worst)), Decimal(0))
            self.denominator = self.total_weight * self.product
            # score / step + 1/2 = (200 × raw + band_shift) / band_width, with raw = N + offset.
            self.band_width = 2 * TIE_TOLERANCE * self.denominator
            self.band_shift = TIE_TOLERANCE * self.denominator - 200 * self.offset

    def numerator(self, values: Sequence[Decimal]) -> Decimal:
        with localcontext(_EXACT):
            return sum(map(operator.mul, self.multipliers, values), Decimal(0)) - self.offset

    def unweighted_sum(self, values: Sequence[Decimal]) -> Decimal:
        """Σ utility × P: the unweighted sum of utilities, scaled to stay exact."""
        with localcontext(_EXACT):
            return sum(
                (u * (value - worst) for u, value, worst in zip(self.unweighted, values, self.worst)),
                Decimal(0),
            )

    def utility(self, k: int, value: Decimal) -> Fraction:
        return (Fraction(value) - self._exact_worst[k]) / Fraction(self.spans[k])

    def rounded_score(self, raw: Decimal, places: int) -> Decimal:
        """The score of a raw numerator (N + offset) rounded half-even to `places` decimals, in
        exact integer arithmetic: score = 100 × (raw − offset) / denominator."""
        a, b = raw.as_integer_ratio()
        c, d = self.offset_ratio
        e, f = self.denominator_ratio
        quotient, remainder = divmod(100 * f * (a * d - c * b) * 10**places, b * d * e)
        twice, divisor = 2 * remainder, b * d * e
        if twice > divisor or (twice == divisor and quotient % 2):
            quotient += 1
        return Decimal(f"{quotient}E-{places}")

    def score(self, numerator: Decimal) -> Fraction:
        """The exact score of a numerator N (the offset already taken off)."""
        return Fraction(numerator) * 100 / Fraction(self.denominator)

    def contribution(self, k: int, value: Decimal) -> Fraction:
        return self._points_per_unit[k] * (Fraction(value) - self._exact_worst[k])

    def points_per_unit(self, k: int) -> Fraction:
        """Score points gained per unit the criterion's value moves towards `best`."""
        return abs(self._points_per_unit[k])

    def band(self, raw: Decimal) -> int:
        """The score of a raw numerator (N + offset) rounded half up to TIE_TOLERANCE, as a whole
        number of steps: ⌊score / step + 1/2⌋."""
        with localcontext(_EXACT):
            quotient, remainder = divmod(200 * raw + self.band_shift, self.band_width)  # truncates
            return int(quotient) - (1 if remainder < 0 else 0)

    def band_floor(self, band: int) -> Decimal:
        """The smallest raw numerator whose band is `band`."""
        with localcontext(_EXACT):
            return (band * self.band_width - self.band_shift) / 200

    def digest(self, values: Sequence[Decimal]) -> str:
        """A fingerprint of the offer's utilities (exact, so unit-free): the last content-based
        word on the order between offers with the same score and unweighted sum."""
        text = "|".join(
            f"{key}={self.utility(k, values[k])}" for k, key in sorted(enumerate(self.keys), key=lambda item: item[1])
        )
        return hashlib.sha256(text.encode()).hexdigest()


def _round(value: Fraction, quantum: Decimal) -> Decimal:
    """`value` rounded half-even to `quantum` in one exact step (no double rounding), in integers:
    explanations round thousands of contributions per comparison."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    quantum_numerator, quantum_denominator = _ratio(quantum)
    numerator = exact.numerator * quantum_denominator
    denominator = exact.denominator * quantum_numerator
    steps, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and steps % 2):
        steps += 1
    with localcontext(_EXACT):
        return Decimal(steps) * quantum


@functools.lru_cache(maxsize=64)
def _ratio(quantum: Decimal) -> tuple[int, int]:
    if not quantum > 0:
        raise ValueError(f"a rounding quantum must be positive, not {quantum}")
    return quantum.as_integer_ratio()


def _checked_weights(keys: Sequence[str], weights: Mapping[str, Any]) -> tuple[Decimal, ...]:
    unknown = set(weights) - set(keys)
    if unknown:
        raise RankingInputError(f"weights name unknown criteria: {', '.join(sorted(map(str, unknown)))}")
    cleaned = []
    for key in keys:
        weight = weights.get(key, Decimal(0))
        if isinstance(weight, bool) or not isinstance(weight, (Decimal, int)):
            raise RankingInputError(f"weight for {key} must be a non-negative Decimal")
        weight = Decimal(weight)
        if not weight.is_finite() or weight < 0:
            raise RankingInputError(f"weight for {key} must be a non-negative Decimal")
        cleaned.append(weight)
    if not any(cleaned):
        raise RankingInputError("at least one criterion needs a weight above zero")
    return tuple(cleaned)


def normalise_weights(criteria: Sequence[Criterion], weights: Mapping[str, Any]) -> dict[str, Decimal]:
    """Each criterion's share of the total weight (they sum to 1, up to the last of 24 places)."""
    keys = tuple(criterion.key for criterion in criteria)
    cleaned = _checked_weights(keys, weights)
    total = sum(map(Fraction, cleaned))
    return {key: _round(Fraction(weight) / total, WEIGHT_QUANTUM) for key, weight in zip(keys, cleaned)}


class RankedOffer:
    """One ranked offer: a light view on the ranking's arrays (so a ranking of ten thousand offers
    is not ten thousand objects until someone looks at them). `score` is the exact score rounded
    to 12 places, `shown_score` the score rounded to the tie step — what decides ties and what the
    customer sees; `contributions` are each criterion's points, which add up to the score."""

    __slots__ = ("_ranking", "position")

    def __init__(self, ranking: Ranking, position: int) -> None:
        self._ranking = ranking
        self.position = position  # 1-based place in the order

    @property
    def handle(self) -> str:
        return self._ranking._sorted_handles[self.position - 1]

    @property
    def rank(self) -> int:
        return self._ranking._ranks[self.position - 1]

    @property
    def tied(self) -> bool:
        """Whether another offer shares this rank."""
        return self._ranking._tied[self.position - 1]

    @property
    def _index(self) -> int:
        return self._ranking._order[self.position - 1]

    @property
    def row(self) -> tuple[Decimal, ...]:
        """The values in the order of the ranking's criteria."""
        index = self._index
        return tuple(column[index] for column in self._ranking._columns)

    @property
    def values(self) -> Mapping[str, Decimal]:
        return self._ranking._values(self._index)

    @property
    def exact_score(self) -> Fraction:
        scale = self._ranking._scale
        with localcontext(_EXACT):
            return scale.score(self._ranking._numerators[self._index] - scale.offset)

    @property
    def score(self) -> Decimal:
        ranking = self._ranking
        return ranking._scale.rounded_score(ranking._numerators[self._index], SCORE_PLACES)

    @property
    def shown_score(self) -> Decimal:
        return self._ranking._shown(self._ranking._bands[self.position - 1])

    @property
    def exact_contributions(self) -> Mapping[str, Fraction]:
        return self._ranking._exact_contributions(self._index)

    @property
    def contributions(self) -> dict[str, Decimal]:
        return {key: _round(value, SCORE_QUANTUM) for key, value in self.exact_contributions.items()}

    @property
    def utilities(self) -> dict[str, Decimal]:
        scale = self._ranking._scale
        return {key: _round(scale.utility(k, value), UTILITY_QUANTUM)
                for k, (key, value) in enumerate(zip(scale.keys, self.row))}

    @property
    def dominated(self) -> bool:
        """Whether another offer is at least as good on every criterion and better on one."""
        return self._ranking._dominated()[self.position - 1]

    @property
    def dominated_by(self) -> tuple[str, ...]:
        """Every offer that dominates this one, best placed first."""
        return self._ranking.dominators(self.handle)

    def _identity(self) -> tuple[Any, ...]:
        return (self.handle, self.rank, self.position, self.tied, self.dominated, self.exact_score,
                tuple(self.exact_contributions.items()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RankedOffer):
            return NotImplemented
        if self._ranking is other._ranking:
            return self.position == other.position
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash((self.handle, self.rank, self.position))

    def __repr__(self) -> str:
        return f"RankedOffer({self.handle!r}, rank={self.rank}, score={self.score}, tied={self.tied})"


class RankedOffers(Sequence[RankedOffer]):
    """The ranked offers, best first, as a read-only sequence of views."""

    __slots__ = ("_ranking",)

    def __init__(self, ranking: Ranking) -> None:
        self._ranking = ranking

    def __len__(self) -> int:
        return len(self._ranking._order)

    @overload
    def __getitem__(self, index: int) -> RankedOffer: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[RankedOffer, ...]: ...

    def __getitem__(self, index: int | slice) -> RankedOffer | tuple[RankedOffer, ...]:
        count = len(self)
        if isinstance(index, slice):
            return tuple(RankedOffer(self._ranking, position + 1) for position in range(*index.indices(count)))
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("ranking index out of range")
        return RankedOffer(self._ranking, index + 1)

    def __iter__(self) -> Iterator[RankedOffer]:
        ranking = self._ranking
        return (RankedOffer(ranking, position) for position in range(1, len(self) + 1))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (RankedOffers, tuple, list)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


class RankedHandles(Mapping[str, RankedOffer]):
    """The ranked offers by handle."""

    __slots__ = ("_ranking",)

    def __init__(self, ranking: Ranking) -> None:
        self._ranking = ranking

    def __getitem__(self, handle: str) -> RankedOffer:
        return RankedOffer(self._ranking, self._ranking._positions[handle])

    def __iter__(self) -> Iterator[str]:
        return iter(self._ranking._sorted_handles)

    def __len__(self) -> int:
        return len(self._ranking._sorted_handles)


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


def _tied(ranks: list[int]) -> list[bool]:
    """Whether each place shares its rank: ranks repeat only within a run of equal rounded scores."""
    count = len(ranks)
    same_as_next = list(map(operator.eq, ranks, ranks[1:])) + [False]
    same_as_previous = [False] + same_as_next[:-1] if count else []
    return list(map(operator.or_, same_as_next[:count], same_as_previous))


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


def _order(scale: _Scale, handles: list[str], columns: list[list[Decimal]], numerators: list[Decimal],
           steps: list[int] | None = None) -> list[int]:
    """Indices best first: by step on the measure if there is one, by score, then — worked out
    only among equal scores, which are rare — by unweighted utility sum, then digest and handle."""
    order = sorted(range(len(numerators)), key=numerators.__getitem__, reverse=True)
    ordered: list[Any] = list(map(numerators.__getitem__, order))
    if steps is not None:
        order.sort(key=steps.__getitem__)  # stable: by score within a step
        ordered = [(steps[i], numerators[i]) for i in order]
    # Places whose score equals the next one's; found in bulk, as they are rare.
    level = list(compress(range(len(ordered)), map(operator.eq, ordered, ordered[1:])))
    if not level:
        return order

    def row(i: int) -> tuple[Decimal, ...]:
        return tuple(column[i] for column in columns)

    def refine(indices: list[int]) -> list[int]:
        sums = {i: scale.unweighted_sum(row(i)) for i in indices}
        if len(set(sums.values())) == len(indices):
            return sorted(indices, key=sums.__getitem__, reverse=True)
        rows = {i: row(i) for i in indices}
        if len(set(rows.values())) == 1:  # the same figures throughout: only the handles differ
            return sorted(indices, key=handles.__getitem__)
        digests = {values: scale.digest(values) for values in set(rows.values())}
        return sorted(indices, key=lambda i: (-sums[i], digests[rows[i]], handles[i]))

    start = level[0]
    for place, following in zip(level, [*level[1:], None]):
        if following != place + 1:  # the run of equal scores from `start` ends at place + 1
            order[start:place + 2] = refine(order[start:place + 2])
            start = following if following is not None else 0
    return order


def _ranks_and_bands(scale: _Scale, sorted_numerators: list[Decimal]) -> tuple[list[int], list[int]]:
    """Competition ranks from the rounded scores: exact arithmetic only where a new step begins,
    and a binary search for where it ends."""
    count = len(sorted_numerators)
    ranks = [0] * count
    bands = [0] * count
    position = 0
    while position < count:
        band = scale.band(sorted_numerators[position])
        floor = scale.band_floor(band)
        # The numerators fall from left to right; find the first one below the step's floor.
        end = bisect_right(sorted_numerators, -floor, lo=position + 1, key=operator.neg)
        ranks[position:end] = [position + 1] * (end - position)
        bands[position:end] = [band] * (end - position)
        position = end
    return ranks, bands


def _oriented(scale: _Scale, columns: list[list[Decimal]]) -> list[tuple[Decimal, ...]]:
    """Rows of values turned so that higher is better on every criterion (dominance is read on
    these)."""
    turned = [column if sign > 0 else list(map(operator.neg, column)) for sign, column in zip(scale.signs, columns)]
    return list(zip(*turned))
def _dominated(oriented: list[tuple[Decimal, ...]]) -> list[bool]:
    """Whether each offer (in ranking order) is dominated by any other.

    Sort-and-sweep: a dominator always stands earlier in the order (its score is at least as high,
    and if equal its unweighted sum is higher), and by transitivity every dominated offer is
    dominated by an undominated one. So each offer is checked only against the undominated offers
    before it — the Pareto front so far — and the check stops at the first that dominates it. The
    front member that last dominated something is moved to the head of the list, because offers
    that dominate one offer tend to dominate the next (the move-to-front rule of block-nested-loop
    skyline algorithms); the answer does not depend on that order, only the time does."""
    front: list[tuple[Decimal, ...]] = []
    dominated = [False] * len(oriented)
    ge = operator.ge
    for position, mine in enumerate(oriented):
        for index, theirs in enumerate(front):
            if all(map(ge, theirs, mine)) and theirs != mine:
                dominated[position] = True
                if index:
                    front.insert(0, front.pop(index))
                break
        else:
            front.append(mine)
    return dominated
