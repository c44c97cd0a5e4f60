"""The ranking engine as it was before one comparison ranked once (issue 19): app/ranking/scale.py and
app/ranking/engine.py at 5ac940a, copied verbatim but for their imports (the inputs Candidate and
Constraint and the error RankingInputError are the engine's own, so that both take the same offers
and raise the same error), kept as the reference the new engine must agree with exactly
(tests/app/ranking/test_rank_once.py). Not to be changed: it is what "identical to before" means."""

from __future__ import annotations

import hashlib
import math
import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow
from decimal import localcontext
from fractions import Fraction
from functools import cached_property
from itertools import groupby
from types import MappingProxyType
from typing import Any

from app.ranking.criteria import Criterion
from app.ranking.engine import Candidate, Constraint
from app.ranking.measure import InvalidMeasure, Measure, MeasureSteps
from app.ranking.scale import RankingInputError

TIE_TOLERANCE = Decimal("0.1")
"""The score step: scores are rounded half up to it, and offers with equal rounded scores tie."""
SCORE_QUANTUM, WEIGHT_QUANTUM = Decimal("1e-12"), Decimal("1e-24")

# Every operation on the ranking path is exact: a rounding would raise Inexact instead of silently
# changing an order. The precision only bounds how many digits an exact result may have.
_EXACT = Context(prec=2000, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


class _Scale:
    """The exact arithmetic one ranking shares: the criteria and weights, the multipliers that turn
    an offer's values into its numerator N, and the shared denominator D."""

    def __init__(self, criteria: Sequence[Criterion], weights: Mapping[str, Any]) -> None:
        self.criteria = tuple(criteria)
        self.keys = tuple(criterion.key for criterion in self.criteria)
        if not self.keys:
            raise RankingInputError("a ranking needs at least one criterion")
        if len(set(self.keys)) != len(self.keys):
            raise RankingInputError("two criteria share a key")
        self.weights = _checked_weights(self.keys, weights)
        if any(criterion.worst == criterion.best for criterion in self.criteria):
            raise RankingInputError("a criterion's scale needs two different ends")
        self.worst = tuple(criterion.worst for criterion in self.criteria)
        try:
            with localcontext(_EXACT):
                spans = tuple(criterion.best - criterion.worst for criterion in self.criteria)
                self.signs = tuple(1 if span > 0 else -1 for span in spans)
                # sign_k × P / |span_k| as the product of the other spans: never a division.
                self.unweighted = tuple(sign * math.prod((abs(span) for j, span in enumerate(spans) if j != k),
                                                         start=Decimal(1)) for k, sign in enumerate(self.signs))
                self.multipliers = tuple(map(operator.mul, self.weights, self.unweighted))
                self.offset = sum(map(operator.mul, self.multipliers, self.worst), Decimal(0))
                self.denominator = sum(self.weights, Decimal(0)) * math.prod(map(abs, spans), start=Decimal(1))
        except Inexact:
            raise RankingInputError("the weights or scales have too many digits to rank exactly") from None
        self.spans = tuple(map(Fraction, spans))
        total = sum(map(Fraction, self.weights))
        self.points_per_unit = tuple(100 * Fraction(weight) / total / span for weight, span in zip(self.weights, self.spans))

    def row(self, handle: str, values: Mapping[str, Any]) -> tuple[Decimal, ...]:
        """The offer's values in the criteria's order, checked."""
        row = []
        for key in self.keys:
            try:
                value = values[key]
            except KeyError:
                raise RankingInputError(f"offer {handle} has no value for {key}") from None
            if isinstance(value, bool) or not isinstance(value, (Decimal, int)) or not (value := Decimal(value)).is_finite():
                raise RankingInputError(f"offer {handle}: {key} must be a finite Decimal")
            row.append(value)
        try:
            self.numerator(row)
        except Inexact:
            raise RankingInputError(f"offer {handle}: its values have too many digits to rank exactly") from None
        return tuple(row)

    def numerator(self, row: Sequence[Decimal]) -> Decimal:
        with localcontext(_EXACT):
            return sum(map(operator.mul, self.multipliers, row), Decimal(0)) - self.offset

    def score(self, numerator: Decimal) -> Fraction:
        (a, b), (c, d) = numerator.as_integer_ratio(), self.denominator.as_integer_ratio()
        return Fraction(100 * a * d, b * c)

    def unweighted_sum(self, row: Sequence[Decimal]) -> Decimal:
        """Σ utility × P: the unweighted sum of utilities, scaled to stay exact."""
        with localcontext(_EXACT):
            return sum((u * (value - worst) for u, value, worst in zip(self.unweighted, row, self.worst)), Decimal(0))

    def utility(self, k: int, value: Decimal) -> Fraction:
        return (Fraction(value) - Fraction(self.worst[k])) / self.spans[k]

    def contribution(self, k: int, value: Decimal) -> Fraction:
        return self.points_per_unit[k] * (Fraction(value) - Fraction(self.worst[k]))

    def digest(self, row: Sequence[Decimal]) -> str:
        """A fingerprint of the offer's utilities (exact, so unit-free)."""
        text = "|".join(f"{key}={self.utility(k, row[k])}" for k, key in sorted(enumerate(self.keys), key=lambda kk: kk[1]))
        return hashlib.sha256(text.encode()).hexdigest()


def _band(score: Fraction) -> int:
    """The score rounded half up to TIE_TOLERANCE, as a whole number of steps: ⌊score / step + 1/2⌋."""
    n, d = TIE_TOLERANCE.as_integer_ratio()
    return (2 * score.numerator * d + score.denominator * n) // (2 * score.denominator * n)


def _round(value: Fraction | Decimal, quantum: Decimal) -> Decimal:
    """`value` rounded half-even to `quantum` in one exact step (no double rounding)."""
    if not quantum > 0:
        raise ValueError(f"a rounding quantum must be positive, not {quantum}")
    exact, (n, d) = Fraction(value), quantum.as_integer_ratio()
    steps, remainder = divmod(exact.numerator * d, exact.denominator * n)
    if (2 * remainder, steps % 2) > (exact.denominator * n, 0):  # past half, or half and odd
        steps += 1
    with localcontext(_EXACT):
        return Decimal(steps) * quantum


def _checked_weights(keys: Sequence[str], weights: Mapping[str, Any]) -> tuple[Decimal, ...]:
    unknown = set(weights) - set(keys)
    if unknown:
        raise RankingInputError(f"weights name unknown criteria: {', '.join(sorted(map(str, unknown)))}")
    cleaned = []
    for key in keys:
        weight = weights.get(key, Decimal(0))
        if isinstance(weight, bool) or not isinstance(weight, (Decimal, int)) or not Decimal(weight).is_finite() or weight < 0:
            raise RankingInputError(f"weight for {key} must be a non-negative Decimal")
        cleaned.append(Decimal(weight))
    if not any(cleaned):
        raise RankingInputError("at least one criterion needs a weight above zero")
    return tuple(cleaned)


def normalise_weights(criteria: Sequence[Criterion], weights: Mapping[str, Any]) -> dict[str, Decimal]:
    """Each criterion's share of the total weight (they sum to 1, up to the last of 24 places)."""
    keys = tuple(criterion.key for criterion in criteria)
    cleaned = _checked_weights(keys, weights)
    total = sum(map(Fraction, cleaned))
    return {key: _round(Fraction(weight) / total, WEIGHT_QUANTUM) for key, weight in zip(keys, cleaned)}


ENGINE_VERSION = "3"  # 3: rankings may be made with a measure (app/ranking/measure.py)


class RankedOffer:
    """One ranked offer, at its 1-based `position`. `score` is the exact score rounded to 12 places,
    `shown_score` the score rounded to the tie step — what decides ties and what the customer sees;
    `contributions` are each criterion's points, which add up to the score."""

    position: int
    rank: int
    tied: bool  # whether another offer shares this rank

    def __init__(self, ranking: Ranking, handle: str, row: tuple[Decimal, ...]) -> None:
        self._ranking, self.handle, self.row = ranking, handle, row  # row: values in the criteria's order
        self.numerator = ranking._scale.numerator(row)
        self.exact_score = ranking._scale.score(self.numerator)
        self.step = 0 if ranking._measure is None else ranking._measure.step(row)
        self.band = _band(self.exact_score)

    @cached_property
    def values(self) -> Mapping[str, Decimal]:
        return MappingProxyType(dict(zip(self._ranking._scale.keys, self.row)))

    @property
    def score(self) -> Decimal:
        return _round(self.exact_score, SCORE_QUANTUM)

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
        return {key: _round(value, SCORE_QUANTUM) for key, value in self.exact_contributions.items()}

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

    def __init__(self, scale: _Scale, rows: Mapping[str, tuple[Decimal, ...]],
                 excluded: tuple[tuple[str, str], ...], measure: MeasureSteps | None) -> None:
        self._scale, self._measure, self.excluded = scale, measure, excluded
        offers = sorted((RankedOffer(self, handle, row) for handle, row in rows.items()),
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
        step = 0 if self._measure is None else self._measure.step(row)
        return (step, -self._scale.numerator(row), *self._tie_break(handle, row))

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
    try:
        measured = None if measure is None else MeasureSteps(measure, scale.criteria)
    except InvalidMeasure as problem:
        raise RankingInputError(str(problem)) from None
    candidates = list(candidates)
    seen: set[str] = set()
    for handle in (candidate.handle for candidate in candidates):
        if handle in seen:
            raise RankingInputError(f"two offers share the handle {handle}")
        seen.add(handle)
    rows = {candidate.handle: scale.row(candidate.handle, candidate.values) for candidate in candidates}
    excluded = sorted(_excluded(scale, constraints, rows))
    for handle, _ in excluded:
        del rows[handle]
    return Ranking(scale, rows, tuple(excluded), measured)


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
