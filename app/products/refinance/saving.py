"""What a refinance saves over the years the homeowner stays, in Decimal to the cent.

Both loans are followed month by month for the horizon H (the years the homeowner expects to stay,
in months). The current loan keeps its payment P (given, or the level payment for its balance, rate
and months left); each month's interest is the balance times rate/1200, rounded half up to the cent,
and the last payment clears what is left. The new loan is the mortgage line's schedule
(app/products/mortgage/amortization.py) of its offer.

    keep      = Σ current payments (months 1..H) + current balance after H
    refinance = upfront costs + Σ new payments (months 1..H) + new balance after H − cash out
    net saving = keep − refinance

Upfront costs are the points, lender fees and other prepaid finance charges and the third-party
closing costs; cash taken out is the homeowner's again, so it is taken off the refinance's side.

Since each payment is interest plus the principal it repays, the balances telescope and the net
saving is also the interest saved less the upfront costs:

    net saving = Σ (current interest − new interest) over months 1..H − upfront costs.

The break-even month is the first month m at whose end the interest saved so far has passed the
upfront costs — the first month whose net saving, counted to m, is more than zero. It may lie after the
horizon (the refinance pays for itself only if the homeowner stays longer) or never come.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.money import CENT
from app.products.mortgage.amortization import MONTHS_PER_YEAR, PERCENT_PER_MONTH, ZERO, Month, Schedule, monthly_payment
from app.products.mortgage.analysis import LoanAnalysis, analyse


@dataclass(frozen=True)
class CurrentLoan:
    balance: Decimal
    rate: Decimal
    remaining_months: int
    payment: Decimal


def current_loan(profile: Mapping[str, Any]) -> CurrentLoan:
    balance, rate = Decimal(profile["current_balance"]), Decimal(profile["current_rate"])
    months = int(profile["remaining_months"])
    given = profile.get("current_payment")
    payment = Decimal(given) if given is not None else monthly_payment(balance, rate, months)
    return CurrentLoan(balance, rate, months, payment)


def current_schedule(loan: CurrentLoan) -> Schedule:
    """The current loan from today: its level payment until its last month clears the balance."""
    balance, months = loan.balance, []
    for number in range(1, loan.remaining_months + 1):
        interest = (balance * loan.rate / PERCENT_PER_MONTH).quantize(CENT, rounding=ROUND_HALF_UP)
        payment = balance + interest if number == loan.remaining_months else min(loan.payment, balance + interest)
        balance -= payment - interest
        months.append(Month(number, loan.rate, payment, interest, payment - interest, balance))
        if balance == 0:
            break
    return Schedule(loan.balance, tuple(months))


def paid(schedule: Schedule, months: int) -> Decimal:
    return sum((month.payment for month in schedule.months[:months]), ZERO)


def horizon_months(profile: Mapping[str, Any]) -> int:
    return int(profile["years_expected"]) * MONTHS_PER_YEAR


def new_loan_profile(profile: Mapping[str, Any]) -> dict[str, Any]:
    """What the mortgage line's analysis reads of a buyer, for the new loan."""
    return {"loan_amount": profile["loan_amount"], "term_years": profile["term_years"],
            "years_expected": profile["years_expected"]}


@dataclass(frozen=True)
class Refinance:
    """One offer against keeping the current loan, over the homeowner's horizon."""

    current: Schedule
    new: LoanAnalysis
    third_party_costs: Decimal
    cash_out: Decimal
    horizon: int

    @property
    def upfront(self) -> Decimal:
        """Points, lender fees, other prepaid finance charges and third-party closing costs."""
        return self.new.upfront + self.third_party_costs

    def keep_side(self, months: int) -> Decimal:
        return paid(self.current, months) + self.current.balance_after(months)

    def refinance_side(self, months: int) -> Decimal:
        return self.upfront + paid(self.new.schedule, months) + self.new.schedule.balance_after(months) - self.cash_out

    def saving_after(self, months: int) -> Decimal:
        return self.keep_side(months) - self.refinance_side(months)

    @property
    def net_saving(self) -> Decimal:
        return self.saving_after(self.horizon)

    @property
    def payment_change(self) -> Decimal:
        """The new first payment less the current one: negative when the payment falls."""
        return self.new.schedule.first_payment - self.current.months[0].payment

    def cumulative_savings(self, months: int) -> list[Decimal]:
        """Net saving counted to the end of month 0..months (month 0: minus the upfront costs)."""
        running, savings = -self.upfront, [-self.upfront]
        current, new = self.current.months, self.new.schedule.months
        for number in range(months):
            running += (current[number].interest if number < len(current) else ZERO) - (
                new[number].interest if number < len(new) else ZERO)
            savings.append(running)
        return savings

    @property
    def break_even_month(self) -> int | None:
        """The first month at whose end the interest saved has passed the upfront costs; None: never."""
        longest = max(len(self.current.months), len(self.new.schedule.months))
        return next((month for month, saving in enumerate(self.cumulative_savings(longest)) if saving > 0), None)


def refinance(terms: Mapping[str, Any], profile: Mapping[str, Any]) -> Refinance:
    """`terms` are typed terms (RefinanceLine.parse_terms); raises the mortgage analysis's
    ChargesExceedLoan when the charges at closing are as much as the new loan."""
    return Refinance(
        current=current_schedule(current_loan(profile)),
        new=analyse(terms, new_loan_profile(profile)),
        third_party_costs=terms["third_party_costs"],
        cash_out=Decimal(profile["cash_out"]),
        horizon=horizon_months(profile),
    )
