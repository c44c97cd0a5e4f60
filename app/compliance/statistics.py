"""The statistics of the outcomes report, in plain Python (no SciPy in a web worker).

- A proportion's 95% interval is Wilson's score interval (good at small counts and near 0 or 1,
  where the textbook normal interval is not).
- A group's proportion is tested against everyone else's with Fisher's exact test, two-sided (the
  tables summed are those no more probable than the one observed), so a group of 6 is judged as
  fairly as one of 6,000.
- A mean amount of money has a 95% interval from Student's t with n − 1 degrees of freedom, and is
  tested against everyone else's with Welch's t-test (no assumption of equal variances).
- Many groups are tested at once, so p-values are adjusted with Holm's step-down method, which
  controls the chance of flagging any group wrongly (the family-wise error rate) at 5%.

Money stays Decimal: means and intervals are worked out in Decimal and given to the cent; only
probabilities are floats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CONFIDENCE = 0.95
Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile
ALPHA = 0.05
CENT = Decimal("0.01")
SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Interval:
    low: Decimal
    high: Decimal


def fraction(value: float) -> Decimal:
    return Decimal(repr(min(1.0, max(0.0, value)))).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def wilson(successes: int, trials: int, z: float = Z_95) -> Interval | None:
    """Wilson's score interval for a proportion, as fractions with four places; None for no trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and the number of trials")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Interval(fraction(centre - margin), fraction(centre + margin))


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p of Fisher's exact test for the table [[a, b], [c, d]] (rows: this group, the
    rest; columns: yes, no)."""
    if min(a, b, c, d) < 0:
        raise ValueError("a table of counts has no negative cells")
    row1, column1, total = a + b, a + c, a + b + c + d
    if total == 0 or row1 in (0, total) or column1 in (0, total):
        return 1.0

    def log_probability(x: int) -> float:
        return _log_choose(column1, x) + _log_choose(total - column1, row1 - x) - _log_choose(total, row1)

    observed = log_probability(a)
    tolerance = 1e-7  # relative: tables as probable as the observed one, up to rounding, count too
    p = 0.0
    for x in range(max(0, row1 + column1 - total), min(row1, column1) + 1):
        here = log_probability(x)
        if here <= observed + tolerance:
            p += math.exp(here)
    return min(1.0, p)


# Student's t ---------------------------------------------------------------------------------

def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularised incomplete beta function (Lentz's method)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1) < 1e-14:
            break
    return result


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| ≥ |t|) for Student's t with `df` degrees of freedom."""
    if df <= 0:
        raise ValueError("degrees of freedom are positive")
    return min(1.0, _incomplete_beta(df / 2, 0.5, df / (df + t * t)))


def t_quantile(probability: float, df: float) -> float:
    """The t value below which `probability` of Student's t lies (for probability ≥ 0.5)."""
    if not 0.5 <= probability < 1:
        raise ValueError("probability is in [0.5, 1)")
    target = 2 * (1 - probability)  # the two-sided tail
    low, high = 0.0, 1.0
    while t_two_sided_p(high, df) > target:
        high *= 2
    for _ in range(64):  # the bracket is at most a few thousand wide: 64 halvings leave well under 1e-12
        middle = (low + high) / 2
        if t_two_sided_p(middle, df) > target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


# Money ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    count: int
    mean: Decimal
    variance: Decimal  # the sample variance (n − 1); 0 for one value


def summarise(amounts: Sequence[Decimal]) -> Summary | None:
    if not amounts:
        return None
    count = len(amounts)
    mean = sum(amounts, Decimal(0)) / count
    variance = sum(((amount - mean) ** 2 for amount in amounts), Decimal(0)) / (count - 1) if count > 1 else Decimal(0)
    return Summary(count, mean, variance)


def mean_interval(summary: Summary) -> Interval | None:
    """The 95% t interval of a mean, to the cent; None for fewer than two amounts."""
    if summary.count < 2:
        return None
    t = Decimal(repr(t_quantile(1 - (1 - CONFIDENCE) / 2, summary.count - 1)))
    margin = t * (summary.variance / summary.count).sqrt()
    return Interval((summary.mean - margin).quantize(CENT, rounding=ROUND_HALF_UP),
                    (summary.mean + margin).quantize(CENT, rounding=ROUND_HALF_UP))


def welch_p(first: Summary, second: Summary) -> float | None:
    """Two-sided p of Welch's t-test of two means; None when either has fewer than two amounts or
    neither varies."""
    if first.count < 2 or second.count < 2:
        return None
    v1, v2 = float(first.variance) / first.count, float(second.variance) / second.count
    if v1 + v2 == 0:
        return None if first.mean == second.mean else 0.0
    t = float(first.mean - second.mean) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / ((v1 * v1 / (first.count - 1)) + (v2 * v2 / (second.count - 1)))
    return t_two_sided_p(t, df)


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values (None: not tested, left out)."""
    tested = sorted((p, position) for position, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, position) in enumerate(tested):
        running = max(running, min(1.0, (len(tested) - rank) * p))
        adjusted[position] = running
    return adjusted
