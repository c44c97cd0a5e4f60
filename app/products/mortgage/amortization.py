"""A mortgage's payment schedule in Decimal: monthly principal and interest, interest to the cent
each month, re-amortised whenever an adjustable rate changes, and the sums the ranking uses — cost
over a horizon, balance still owed, the payments from which Regulation Z's APR is computed.

Money never passes through float here. The payment is the standard annuity formula,
    payment = balance · r / (1 − (1 + r)^−n),   r = annual rate / 1200,
computed at 28 significant digits and rounded half-up to the cent; each month's interest is the
balance times r, rounded to the cent; the last payment clears whatever is left. numpy-financial's
pmt, ipmt and fv compute the same figures in float; the tests hold this module to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

from app.money import CENT

MONTHS_PER_YEAR = 12
ZERO = Decimal(0)
ONE = Decimal(1)
PERCENT_PER_MONTH = Decimal(1200)
# Appendix J treats every month as equal, so the calendar does not change a regular schedule's
# APR; a notional closing on the first of a month with payments due on the first of each later
# month keeps the computation free of the (unknown) closing day.
NOTIONAL_CLOSING = date(2000, 1, 1)

RatePath = Literal["index_unchanged", "caps_reached"]


@dataclass(frozen=True)
class Adjustment:
    """How an adjustable rate moves: fixed for `fixed_months`, then every `interval_months` it
    resets to index + margin, moving at most `initial_cap` points at the first reset, `periodic_cap`
    at each later one, never more than `lifetime_cap` above the start rate nor below the margin."""

    fixed_months: int
    interval_months: int
    index_value: Decimal
    margin: Decimal
    initial_cap: Decimal
    periodic_cap: Decimal
    lifetime_cap: Decimal

    @property
    def fully_indexed_rate(self) -> Decimal:
        return self.index_value + self.margin

    def rate_after(self, previous: Decimal, start_rate: Decimal, *, first: bool, path: RatePath) -> Decimal:
        cap = self.initial_cap if first else self.periodic_cap
        ceiling = min(previous + cap, start_rate + self.lifetime_cap)
        floor = max(previous - cap, self.margin)
        # Regulation Z's assumption for the APR: the index stays at its value at consummation.
        target = self.fully_indexed_rate if path == "index_unchanged" else ceiling
        return min(max(target, floor), ceiling)


@dataclass(frozen=True)
class Month:
    number: int
    rate: Decimal
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Schedule:
    loan_amount: Decimal
    months: tuple[Month, ...]

    @property
    def first_payment(self) -> Decimal:
        return self.months[0].payment

    def highest_payment(self, within_months: int) -> Decimal:
        return max(month.payment for month in self.months[:max(1, within_months)])

    def interest_paid(self, within_months: int) -> Decimal:
        return sum((month.interest for month in self.months[:within_months]), ZERO)

    def balance_after(self, months: int) -> Decimal:
        if months <= 0:
            return self.loan_amount
        return self.months[min(months, len(self.months)) - 1].balance

    def rate_changes(self) -> list[Month]:
        """The months in which the rate differs from the month before."""
        return [later for earlier, later in zip(self.months, self.months[1:]) if later.rate != earlier.rate]

    def dated_payments(self) -> list[tuple[date, Decimal]]:
        """The payments as (due date, amount), monthly from a notional closing (see NOTIONAL_CLOSING)."""
        return [(_months_after(NOTIONAL_CLOSING, month.number), month.payment) for month in self.months]


def monthly_payment(balance: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """Principal and interest that repay `balance` over `months` at `annual_rate` percent, to the cent."""
    if months <= 0:
        raise ValueError("a loan needs at least one month to run")
    with localcontext() as context:
        context.prec = 28
        rate = annual_rate / PERCENT_PER_MONTH
        if rate == 0:
            payment = balance / months
        else:
            payment = balance * rate / (ONE - (ONE + rate) ** -months)
    return payment.quantize(CENT, rounding=ROUND_HALF_UP)


def amortise(
    loan_amount: Decimal,
    note_rate: Decimal,
    term_months: int,
    adjustment: Adjustment | None = None,
    *,
    path: RatePath = "index_unchanged",
) -> Schedule:
    """The month-by-month schedule. A fixed rate keeps one payment (the last one clears the
    rounding); an adjustable rate is re-amortised over the months left whenever it changes."""
    balance = loan_amount
    rate = note_rate
    payment = monthly_payment(balance, rate, term_months)
    resets = 0
    months: list[Month] = []
    for number in range(1, term_months + 1):
        if adjustment is not None and _resets_in(number, adjustment):
            new_rate = adjustment.rate_after(rate, note_rate, first=resets == 0, path=path)
            resets += 1
            if new_rate != rate:
                rate = new_rate
                payment = monthly_payment(balance, rate, term_months - number + 1)
        interest = (balance * rate / PERCENT_PER_MONTH).quantize(CENT, rounding=ROUND_HALF_UP)
        this_payment = balance + interest if number == term_months else min(payment, balance + interest)
        principal = this_payment - interest
        balance -= principal
        months.append(Month(number, rate, this_payment, interest, principal, balance))
        if balance == 0:
            break
    return Schedule(loan_amount, tuple(months))


def cost_over(schedule: Schedule, upfront: Decimal, months: int) -> Decimal:
    """What the loan costs over its first `months`: the upfront charges plus the interest paid.
    Principal repaid is not a cost — it comes back as equity, and what is still owed is repaid
    from the sale or a refinance — so this equals upfront + payments made − principal repaid."""
    return upfront + schedule.interest_paid(months)


def cumulative_costs(schedule: Schedule, upfront: Decimal, years: int) -> list[Decimal]:
    """cost_over at the end of each year 0..years (year 0 is the upfront charges alone)."""
    return [cost_over(schedule, upfront, MONTHS_PER_YEAR * year) for year in range(years + 1)]


def break_even_month(
    cheaper_upfront: Sequence[Decimal], dearer_upfront: Sequence[Decimal]
) -> int | None:
    """The first month at whose end the offer that costs more upfront has cost no more in all
    than the other; None if it never catches up. Both arguments are monthly cumulative costs."""
    for number, (cheap, dear) in enumerate(zip(cheaper_upfront, dearer_upfront)):
        if dear <= cheap:
            return number
    return None


def monthly_cumulative_costs(schedule: Schedule, upfront: Decimal, months: int) -> list[Decimal]:
    """Cumulative cost at the end of month 0..months (month 0 is the upfront charges alone)."""
    costs = [upfront]
    running = upfront
    for month in schedule.months[:months]:
        running += month.interest
        costs.append(running)
    while len(costs) <= months:
        costs.append(running)
    return costs


def _resets_in(number: int, adjustment: Adjustment) -> bool:
    after_fixed = number - adjustment.fixed_months - 1
    return after_fixed >= 0 and after_fixed % adjustment.interval_months == 0


def _months_after(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, start.day)
