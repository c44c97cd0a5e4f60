"""The arithmetic one ranking shares (app/ranking/engine.py explains the method): the criteria,
their weights and the exact multipliers that turn an offer's values into its score, the tie step,
and exact rounding."""

from __future__ import annotations

import functools
import hashlib
import math
import operator
from collections.abc import Mapping, Sequence
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
from typing import Any

from app.ranking.criteria import Criterion

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
