"""The exact arithmetic one ranking shares (app/ranking/engine.py explains the method): the
criteria and weights, checked; the multipliers that turn an offer's values into the numerator of
its score; the tie step; and exact rounding."""

from __future__ import annotations

import copy
import hashlib
import math
import operator
from collections.abc import Mapping, Sequence
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow
from decimal import localcontext
from fractions import Fraction
from functools import cached_property
from typing import Any

from app.ranking.criteria import Criterion

TIE_TOLERANCE = Decimal("0.1")
"""The score step: scores are rounded half up to it, and offers with equal rounded scores tie."""
SCORE_QUANTUM, WEIGHT_QUANTUM = Decimal("1e-12"), Decimal("1e-24")
_TIE_RATIO = TIE_TOLERANCE.as_integer_ratio()
_TOO_MANY_DIGITS = "the weights or scales have too many digits to rank exactly"

# Every operation on the ranking path is exact: a rounding would raise Inexact instead of silently
# changing an order. The precision only bounds how many digits an exact result may have.
_EXACT = Context(prec=2000, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


class RankingInputError(ValueError):
    pass


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
                self._decimal_spans = tuple(criterion.best - criterion.worst for criterion in self.criteria)
                self.signs = tuple(1 if span > 0 else -1 for span in self._decimal_spans)
                # sign_k × P / |span_k| as the product of the other spans: never a division.
                self.unweighted = tuple(sign * math.prod((abs(span) for j, span in enumerate(self._decimal_spans) if j != k),
                                                         start=Decimal(1)) for k, sign in enumerate(self.signs))
                self._span_product = math.prod(map(abs, self._decimal_spans), start=Decimal(1))
        except Inexact:
            raise RankingInputError(_TOO_MANY_DIGITS) from None
        self._weigh()

    def reweighted(self, weights: Mapping[str, Any]) -> _Scale:
        """The same criteria with other weights: what depends on the criteria alone is shared."""
        scale = copy.copy(self)
        scale.weights = _checked_weights(self.keys, weights)
        scale.__dict__.pop("points_per_unit", None)
        scale._weigh()
        return scale

    def _weigh(self) -> None:
        """What the weights decide: the multipliers of an offer's values, its offset and the shared D."""
        try:
            with localcontext(_EXACT):
                self.multipliers = tuple(map(operator.mul, self.weights, self.unweighted))
                self.offset = sum(map(operator.mul, self.multipliers, self.worst), Decimal(0))
                self.denominator = sum(self.weights, Decimal(0)) * self._span_product
        except Inexact:
            raise RankingInputError(_TOO_MANY_DIGITS) from None
        # D as c/d: the score is 100 × a·d / (b·c) for N = a/b.
        self._score_factor = self.denominator.as_integer_ratio()

    @cached_property
    def spans(self) -> tuple[Fraction, ...]:
        return tuple(map(Fraction, self._decimal_spans))

    @cached_property
    def points_per_unit(self) -> tuple[Fraction, ...]:
        total = sum(map(Fraction, self.weights))
        return tuple(100 * Fraction(weight) / total / span for weight, span in zip(self.weights, self.spans))

    def row(self, handle: str, values: Mapping[str, Any]) -> tuple[Decimal, ...]:
        """The offer's values in the criteria's order, checked."""
        return self.checked_row(handle, values)[0]

    def checked_row(self, handle: str, values: Mapping[str, Any]) -> tuple[tuple[Decimal, ...], Decimal]:
        """The offer's values in the criteria's order, checked, and its numerator."""
        row = []
        for key in self.keys:
            try:
                value = values[key]
            except KeyError:
                raise RankingInputError(f"offer {handle} has no value for {key}") from None
            if isinstance(value, bool) or not isinstance(value, (Decimal, int)) or not (value := Decimal(value)).is_finite():
                raise RankingInputError(f"offer {handle}: {key} must be a finite Decimal")
            row.append(value)
        return tuple(row), self.checked_numerator(handle, row)

    def checked_numerator(self, handle: str, row: Sequence[Decimal]) -> Decimal:
        try:
            return self.numerator(row)
        except Inexact:
            raise RankingInputError(f"offer {handle}: its values have too many digits to rank exactly") from None

    def numerator(self, row: Sequence[Decimal]) -> Decimal:
        with localcontext(_EXACT):
            return sum(map(operator.mul, self.multipliers, row), Decimal(0)) - self.offset

    def _in_points(self, value: Decimal) -> tuple[int, int]:
        """A numerator (or a part of one: a contribution, a weighted_gap) in points, as an unreduced
        integer ratio with a positive denominator: 100 × a·d / (b·c) for value = a/b and D = c/d."""
        (a, b), (c, d) = value.as_integer_ratio(), self._score_factor
        return 100 * a * d, b * c

    def score(self, numerator: Decimal) -> Fraction:
        return Fraction(*self._in_points(numerator))

    def rounded_score(self, numerator: Decimal, quantum: Decimal) -> Decimal:
        """score(numerator) rounded half-even to `quantum`, without the Fraction."""
        return _round_ratio(*self._in_points(numerator), quantum)

    def band(self, numerator: Decimal) -> int:
        """The score rounded half up to the tie step, in steps: in integers, without the Fraction
        (and its gcd) that the score itself needs only when it is read."""
        return _floor_band(*self._in_points(numerator))

    def unweighted_sum(self, row: Sequence[Decimal]) -> Decimal:
        """Σ utility × P: the unweighted sum of utilities, scaled to stay exact."""
        with localcontext(_EXACT):
            return sum((u * (value - worst) for u, value, worst in zip(self.unweighted, row, self.worst)), Decimal(0))

    def utility(self, k: int, value: Decimal) -> Fraction:
        return (Fraction(value) - Fraction(self.worst[k])) / self.spans[k]

    def contribution(self, k: int, value: Decimal) -> Fraction:
        return self.points_per_unit[k] * (Fraction(value) - Fraction(self.worst[k]))

    def weighted_gap(self, k: int, value: Decimal, other: Decimal) -> Decimal:
        """The points `value` earns over `other` on criterion k, times D/100 (D > 0, shared by every
        criterion): exact, in Decimal, so comparing and signing gaps needs no Fraction."""
        with localcontext(_EXACT):
            return self.multipliers[k] * (value - other)

    def rounded_contribution(self, k: int, value: Decimal, quantum: Decimal) -> Decimal:
        """contribution(k, value) rounded half-even to `quantum`, from integers alone."""
        return _round_ratio(*self._in_points(self.weighted_gap(k, value, self.worst[k])), quantum)

    def digest(self, row: Sequence[Decimal]) -> str:
        """A fingerprint of the offer's utilities (exact, so unit-free)."""
        text = "|".join(f"{key}={self.utility(k, row[k])}" for k, key in sorted(enumerate(self.keys), key=lambda kk: kk[1]))
        return hashlib.sha256(text.encode()).hexdigest()


def _floor_band(numerator: int, denominator: int) -> int:
    """The score numerator / denominator (denominator > 0) rounded half up to TIE_TOLERANCE, as a
    whole number of steps: ⌊score / step + 1/2⌋. The floor of a ratio is the same reduced or not."""
    n, d = _TIE_RATIO
    return (2 * numerator * d + denominator * n) // (2 * denominator * n)


def _round(value: Fraction | Decimal, quantum: Decimal) -> Decimal:
    """`value` rounded half-even to `quantum` in one exact step (no double rounding)."""
    exact = Fraction(value)
    return _round_ratio(exact.numerator, exact.denominator, quantum)


def _round_ratio(numerator: int, denominator: int, quantum: Decimal) -> Decimal:
    """numerator / denominator (denominator > 0, the ratio reduced or not) rounded half-even to
    `quantum` in one exact step."""
    if not quantum > 0:
        raise ValueError(f"a rounding quantum must be positive, not {quantum}")
    n, d = quantum.as_integer_ratio()
    steps, remainder = divmod(numerator * d, denominator * n)
    if (2 * remainder, steps % 2) > (denominator * n, 0):  # past half, or half and odd
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
