"""The annual percentage rate of a closed-end credit transaction by Regulation Z, Appendix J
(12 CFR 1026, Appendix J): the actuarial method's general equation (b)(8) for a single advance,
with unit-periods and fractions of a unit-period counted as (b)(3)–(b)(5) require, solved for the
unit-period rate in Decimal arithmetic.

    A = Σ_j P_j / ((1 + f_j·i) · (1 + i)^t_j)        APR = 100 · w · i

`A` is the amount financed, advanced on `advanced_on`; `P_j` the j-th payment; `t_j` the number of
full unit-periods and `f_j` the fraction of a unit-period from the advance to that payment; `i` the
unit-period rate and `w` the number of unit-periods in a year. The fraction is charged simple
interest (1 + f·i), never (1 + i)^f: that is what Appendix J prescribes and what its examples need.

Precision contract: the unit-period rate is solved to 40 significant digits, so the APR is exact in
every decimal place a caller can ask for; it is returned in percent, rounded half-up to `places`
decimals (2 by default, as Appendix J's examples state it; Loan Estimates show 3).
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

__all__ = ["UNIT_PERIODS", "PaymentTiming", "annual_percentage_rate", "payment_timings"]

WORKING_PRECISION = 50
CONVERGED = Decimal("1e-40")
MAX_ITERATIONS = 500
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

Kind = Literal["days", "months", "semimonth", "year"]


@dataclass(frozen=True)
class _UnitPeriod:
    kind: Kind
    length: int
    """Days per unit-period for the "days" kind, months per unit-period for the "months" kind."""
    per_year: Decimal


UNIT_PERIODS: dict[str, _UnitPeriod] = {
    # (b)(5)(iv): a day is 1/365 of a year; a week or a multiple of a week is 52 / weeks.
    "day": _UnitPeriod("days", 1, Decimal(365)),
    "week": _UnitPeriod("days", 7, Decimal(52)),
    "2weeks": _UnitPeriod("days", 14, Decimal(26)),
    "4weeks": _UnitPeriod("days", 28, Decimal(13)),
    # (b)(5)(iii): 24 semimonths; a multiple of a month is 12 / months.
    "semimonth": _UnitPeriod("semimonth", 15, Decimal(24)),
    # (b)(5)(ii): 12 months.
    "month": _UnitPeriod("months", 1, Decimal(12)),
    "2months": _UnitPeriod("months", 2, Decimal(6)),
    "quarter": _UnitPeriod("months", 3, Decimal(4)),
    # (b)(5)(v): 1 year.
    "year": _UnitPeriod("year", 12, Decimal(1)),
}


@dataclass(frozen=True)
class PaymentTiming:
    """Where one payment falls: `t` full unit-periods plus the fraction `f` of one after the advance."""

    paid_on: date
    amount: Decimal
    t: int
    f: Decimal


def annual_percentage_rate(
    amount_financed: Decimal,
    payments: Sequence[tuple[date, Decimal]],
    *,
    advanced_on: date,
    unit_period: str,
    places: int = 2,
) -> Decimal:
    """The APR in percent (e.g. Decimal("9.69")) of `amount_financed`, advanced on `advanced_on`
    and repaid by `payments`, each a (due date, amount) pair.

    `unit_period` is the transaction's unit-period, (b)(4): the common period that occurs most
    often. A single-advance, single-payment transaction has its own term as unit-period, (b)(4)(ii)
    and (b)(5)(vi)–(vii), so `unit_period` is only checked for being a known name there.

    Raises ValueError, naming the problem, for an amount financed that is not a positive Decimal,
    no payments, a payment that is not positive or falls before the advance, an unknown unit-period,
    or payments that add up to less than the amount financed (no rate of 0% or more repays it).
    """
    period = _unit_period(unit_period)
    amount = _positive_money(amount_financed, "the amount financed")
    start = _plain_date(advanced_on, "advanced_on")
    if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= 10:
        raise ValueError(f"places must be a whole number from 0 to 10, not {places!r}")
    schedule = _checked_payments(payments, start)
    total = sum((amount for _, amount in schedule), ZERO)
    if total < amount:
        raise ValueError(
            f"the payments add up to {total}, less than the {amount} financed: "
            "no annual percentage rate of 0% or more repays it"
        )
    quantum = Decimal(1).scaleb(-places)
    if total == amount:
        return ZERO.quantize(quantum)

    with localcontext() as context:
        context.prec = WORKING_PRECISION
        if len(schedule) == 1:
            timings, per_year = _single_payment_timing(start, schedule[0])
        else:
            timings = payment_timings(schedule, advanced_on=start, unit_period=unit_period)
            per_year = period.per_year
        rate = _solve_unit_period_rate(amount, timings)
        return (rate * per_year * HUNDRED).quantize(quantum, rounding=ROUND_HALF_UP)


def payment_timings(
    payments: Sequence[tuple[date, Decimal]], *, advanced_on: date, unit_period: str
) -> list[PaymentTiming]:
    """Each payment's full unit-periods `t` and fraction `f` from the advance, by (b)(5)."""
    period = _unit_period(unit_period)
    start = _plain_date(advanced_on, "advanced_on")
    schedule = _checked_payments(payments, start)
    month_day = _MonthCounting.for_dates([paid_on for paid_on, _ in schedule])
    timings = []
    for paid_on, amount in schedule:
        t, f = _timing(period, start, paid_on, month_day)
        timings.append(PaymentTiming(paid_on, amount, t, f))
    return timings


def _timing(period: _UnitPeriod, start: date, paid_on: date, months: _MonthCounting) -> tuple[int, Decimal]:
    if period.kind == "days":
        # (b)(5)(iv): the days between the dates divided by the days per unit-period.
        whole, rest = divmod((paid_on - start).days, period.length)
        return whole, Decimal(rest) / Decimal(period.length)
    if period.kind == "months" and period.length == 1:
        # (b)(5)(ii): full months measured back from the later date; the days left over, counted
        # forward from the earlier date to the start of the first full month, divided by 30.
        full_months, days_left = months.back(paid_on, start)
        return full_months, Decimal(days_left) / Decimal(30)
    if period.kind in ("months", "semimonth"):
        # (b)(5)(iii): 30 days for every full month measured back, plus the days left over,
        # divided by 15 for a semimonth or by 30 times the months in a multimonthly unit-period.
        full_months, days_left = months.back(paid_on, start)
        days_in_unit = 15 if period.kind == "semimonth" else 30 * period.length
        whole, rest = divmod(30 * full_months + days_left, days_in_unit)
        return whole, Decimal(rest) / Decimal(days_in_unit)
    # (b)(5)(v): full years (12 months each) measured back from the later date; what is left is
    # its whole months over 12 when it is a whole number of months, otherwise its days over 365.
    full_months, _ = months.back(paid_on, start)
    years = full_months // 12
    year_start = months.shift(paid_on, -12 * years)
    months_left, days_left = months.back(year_start, start)
    if days_left == 0:
        return years, Decimal(months_left) / Decimal(12)
    return years, Decimal((year_start - start).days) / Decimal(365)


def _single_payment_timing(start: date, payment: tuple[date, Decimal]) -> tuple[list[PaymentTiming], Decimal]:
    """(b)(4)(ii), (b)(5)(vi)–(vii): the unit-period is the term itself when it is under a year —
    12 / months per year when the term is a whole number of months, else 365 / days — and a year
    when the term is a year or more."""
    paid_on, amount = payment
    months = _MonthCounting.for_dates([paid_on])
    full_months, days_left = months.back(paid_on, start)
    if full_months < 12:
        per_year = (Decimal(12) / Decimal(full_months) if days_left == 0
                    else Decimal(365) / Decimal((paid_on - start).days))
        return [PaymentTiming(paid_on, amount, 1, ZERO)], per_year
    t, f = _timing(UNIT_PERIODS["year"], start, paid_on, months)
    return [PaymentTiming(paid_on, amount, t, f)], ONE


def _solve_unit_period_rate(amount: Decimal, timings: Iterable[PaymentTiming]) -> Decimal:
    """The unit-period rate i > 0 at which the payments' present value equals the amount financed.

    The present value is a sum of positive, decreasing, convex functions of i, so Newton's method
    started at i = 0 (where the present value, the plain sum of the payments, exceeds the amount)
    climbs monotonically to the one root without overshooting; no starting guess is needed.
    """
    ordered = sorted(timings, key=lambda timing: timing.t)
    rate = ZERO
    for _ in range(MAX_ITERATIONS):
        value, slope = _present_value_and_slope(ordered, rate)
        step = (value - amount) / slope
        rate -= step
        if abs(step) <= CONVERGED * max(ONE, rate):
            return rate
    raise ArithmeticError("the annual percentage rate did not converge")  # pragma: no cover - convex, monotone


def _present_value_and_slope(ordered: Sequence[PaymentTiming], rate: Decimal) -> tuple[Decimal, Decimal]:
    discount = ONE / (ONE + rate)
    factor = ONE  # discount ** t, built up as t grows so a 360-payment schedule costs 360 products
    reached = 0
    value = ZERO
    slope = ZERO
    for timing in ordered:
        if timing.t > reached:
            factor *= discount ** (timing.t - reached)
            reached = timing.t
        simple = ONE + timing.f * rate
        present = timing.amount * factor / simple
        value += present
        slope -= present * (timing.t * discount + timing.f / simple)
    return value, slope


@dataclass(frozen=True)
class _MonthCounting:
    """Months measured back from a date as (b)(3)(iv) says: all months are equal; a series due on
    the last day of each month counts from month-end to month-end; a series due on the 29th or
    30th uses the last day of February when it has to."""

    month_end: bool
    series_day: int

    @classmethod
    def for_dates(cls, dates: Sequence[date]) -> _MonthCounting:
        month_end = all(_is_month_end(day) for day in dates)
        days = Counter(day.day for day in dates)
        series_day = max(days, key=lambda day: (days[day], day))
        return cls(month_end, series_day)

    def nominal_day(self, day: date) -> int:
        if _is_month_end(day) and day.day < self.series_day:
            return self.series_day
        return day.day

    def shift(self, day: date, months: int) -> date:
        index = day.year * 12 + day.month - 1 + months
        year, month = divmod(index, 12)
        last = calendar.monthrange(year, month + 1)[1]
        if self.month_end:
            return date(year, month + 1, last)
        return date(year, month + 1, min(self.nominal_day(day), last))

    def back(self, later: date, earlier: date) -> tuple[int, int]:
        """Full months measured back from `later` without passing `earlier`, and the days left."""
        # Stepping back by the difference in calendar months lands in `earlier`'s own month; if that
        # is before `earlier`, one month fewer lands in the month after it, which never is.
        months = (later.year - earlier.year) * 12 + later.month - earlier.month
        landed = self.shift(later, -months)
        if landed < earlier:
            months -= 1
            landed = self.shift(later, -months)
        return months, (landed - earlier).days


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month


def _unit_period(name: str) -> _UnitPeriod:
    try:
        return UNIT_PERIODS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown unit period {name!r}; use one of: {', '.join(UNIT_PERIODS)}") from None


def _plain_date(value: object, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{what} must be a date (not a date-time), got {value!r}")
    return value


def _positive_money(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ValueError(f"{what} must be a Decimal amount (floats cannot hold cents exactly), got {value!r}")
    amount = Decimal(value)
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"{what} must be more than zero, got {amount}")
    return amount


def _checked_payments(payments: Sequence[tuple[date, Decimal]], start: date) -> list[tuple[date, Decimal]]:
    if isinstance(payments, (str, bytes)) or not isinstance(payments, Iterable):
        raise ValueError("payments must be a sequence of (date, amount) pairs")
    checked = []
    for position, item in enumerate(payments, start=1):
        try:
            paid_on, amount = item
        except (TypeError, ValueError):
            raise ValueError(f"payment {position} must be a (date, amount) pair, got {item!r}") from None
        paid_on = _plain_date(paid_on, f"payment {position}'s date")
        amount = _positive_money(amount, f"payment {position}")
        if paid_on < start:
            raise ValueError(f"payment {position} is due on {paid_on}, before the advance on {start}")
        checked.append((paid_on, amount))
    if not checked:
        raise ValueError("there are no payments: an annual percentage rate needs at least one")
    if len(checked) == 1 and checked[0][0] == start:
        raise ValueError("the only payment is due on the day of the advance: the term has no length")
    checked.sort(key=lambda pair: pair[0])
    return checked
