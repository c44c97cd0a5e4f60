"""The annual percentage yield by Regulation DD (12 CFR 1030), Appendix A, Part I — computed by
Candor from a bank's terms, never taken from the bank (docs/apy.md has the rules, their sources and
the appendix's worked examples, each reproduced in tests/test_savings_apy.py).

- A. The general formula: APY = 100 × [(1 + Interest/Principal)^(365/Days in term) − 1], assuming
  principal and interest stay on deposit for the whole term and nothing else happens.
- B. Stepped rates (a step-up CD): each rate for as long as the contract says.
- C. A variable rate with an introductory (teaser) rate is computed like a stepped rate: the
  introductory rate for its time, then the rate that would otherwise apply for the rest of the year.
- D. Tiered rates: Method A pays the tier's rate on the whole balance, Method B each tier's rate on
  the portion of the balance in that tier (so a Method B tier has a range of APYs).
- E. A time account of more than a year that does not compound and requires its interest to be
  withdrawn at least once a year may disclose its interest rate (for stepped rates, the composite
  rate) as its APY.

§1030.3(f)(1): an APY is rounded to the nearest hundredth of a percentage point; §1030.3(f)(2): it
is accurate if not more than one-twentieth of one percentage point (.05%) above or below the APY
determined by Appendix A. Everything is Decimal; a rate is percent a year; a year is 365 days.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from candor_savings.terms import SavingsTerms

DAYS_IN_YEAR = 365
PERIODS_PER_YEAR = {"daily": 365, "monthly": 12, "quarterly": 4, "semiannually": 2, "annually": 1}
HUNDREDTH = Decimal("0.01")
CENT = Decimal("0.01")
ACCURACY_TOLERANCE = Decimal("0.05")
"""§1030.3(f)(2): "not more than one-twentieth of one percentage point (.05%) above or below"."""
REFERENCE_START = date(2025, 1, 1)
"""Appendix A lets a term in months be counted in the days of any actual run of calendar months; Candor
counts from 1 January of a common year, so the same terms always give the same APY."""
_PRECISION = 40


@dataclass(frozen=True)
class RateStep:
    """A rate (percent a year) in force for a number of days."""

    rate: Decimal
    days: int


def round_apy(apy: Decimal) -> Decimal:
    """To the nearest hundredth of a percentage point, as §1030.3(f)(1) requires."""
    return apy.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def general_formula(interest: Decimal, principal: Decimal, days: int) -> Decimal:
    """Appendix A, Part I.A: the APY in percent, unrounded."""
    if principal <= 0 or days <= 0:
        raise ValueError("the principal and the days in the term must be positive")
    with localcontext() as context:
        context.prec = _PRECISION
        growth = 1 + interest / principal
        if growth <= 0:
            raise ValueError("an account cannot lose all its principal to interest")
        return 100 * (growth ** (Decimal(DAYS_IN_YEAR) / Decimal(days)) - 1)


def simple_formula(interest: Decimal, principal: Decimal) -> Decimal:
    """Appendix A, Part I.A: for a 365-day term, the APY is simply 100 × Interest/Principal."""
    return 100 * interest / principal


def growth_factor(rate: Decimal, days: int, compounding: str) -> Decimal:
    """What one dollar becomes after `days` at `rate` from the start of a compounding period."""
    return 1 + term_interest(Decimal(1), [RateStep(rate, days)], compounding)


def term_interest(principal: Decimal, steps: Sequence[RateStep], compounding: str) -> Decimal:
    """Interest over successive rate steps (Part I.B), principal and interest left on deposit.
    Interest accrues simply within a compounding period (365/n days) and compounds at its end;
    without compounding ("none") each step's simple interest is on the principal alone."""
    with localcontext() as context:
        context.prec = _PRECISION
        if compounding == "none":
            return sum((principal * step.rate / 100 * step.days / DAYS_IN_YEAR for step in steps), Decimal(0))
        if compounding == "daily":
            balance = principal
            for step in steps:
                balance *= (1 + step.rate / 100 / DAYS_IN_YEAR) ** step.days
            return balance - principal
        return _periodic_interest(principal, steps, PERIODS_PER_YEAR[compounding])


def _periodic_interest(principal: Decimal, steps: Sequence[RateStep], periods_per_year: int) -> Decimal:
    """Time is counted in 1/n-day units, so a period is exactly 365 of them and no fraction of a day
    is ever rounded; interest accrues simply within a period and compounds at its end."""
    unit_year = DAYS_IN_YEAR * periods_per_year
    balance, accrued, into_period = principal, Decimal(0), 0
    for step in steps:
        remaining = step.days * periods_per_year
        while remaining > 0:
            taken = min(remaining, DAYS_IN_YEAR - into_period)
            accrued += balance * step.rate / 100 * taken / unit_year
            into_period += taken
            remaining -= taken
            if into_period == DAYS_IN_YEAR:
                balance, accrued, into_period = balance + accrued, Decimal(0), 0
    return balance + accrued - principal


def portion_floors(tiers: Sequence[tuple[Decimal, Decimal]]) -> list[Decimal]:
    """Method B: where each tier's portion of a balance begins, the base rate's first. A tier whose
    balances start at $2,500.01 holds what lies above $2,500, so a balance of $2,500.01 earns the
    tier's rate on $.01 (Appendix A, Part I.D, which writes that tier "Above $2,500")."""
    return [Decimal(0), *(balance_from - CENT for balance_from, _ in tiers)]


def tier_portions(principal: Decimal, base_rate: Decimal, tiers: Sequence[tuple[Decimal, Decimal]],
                  method: str | None) -> list[tuple[Decimal, Decimal]]:
    """(amount, rate) pairs a balance earns at. `tiers` are (balance_from, rate) in increasing order.
    Method A ("whole_balance"): the whole balance at its tier's rate. Method B ("portion"): each
    portion of the balance at the rate of the tier it lies in."""
    if not tiers:
        return [(principal, base_rate)]
    if method == "whole_balance":
        rate = base_rate
        for balance_from, tier_rate in tiers:
            if principal >= balance_from:
                rate = tier_rate
        return [(principal, rate)]
    portions = []
    floors = portion_floors(tiers)
    rates = [base_rate, *(tier_rate for _, tier_rate in tiers)]
    for position, low in enumerate(floors):
        high = floors[position + 1] if position + 1 < len(floors) else None
        amount = (principal if high is None else min(principal, high)) - low
        if amount > 0:
            portions.append((amount, rates[position]))
    return portions


def tiered_interest(principal: Decimal, base_rate: Decimal, tiers: Sequence[tuple[Decimal, Decimal]],
                    method: str | None, compounding: str, days: int) -> Decimal:
    """Part I.D: interest for `days` on a tiered account, each portion compounding at its own rate."""
    return sum((term_interest(amount, [RateStep(rate, days)], compounding)
                for amount, rate in tier_portions(principal, base_rate, tiers, method)), Decimal(0))


def composite_rate(steps: Sequence[RateStep]) -> Decimal:
    """The rates weighted by the days each is in force (Part I.E, stepped rates)."""
    total_days = sum(step.days for step in steps)
    return sum((step.rate * step.days for step in steps), Decimal(0)) / total_days


def add_months(start: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day when it has no such day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def days_in_months(start: date, months: int) -> int:
    return (add_months(start, months) - start).days


@dataclass(frozen=True)
class AccountApy:
    exact: Decimal
    """Percent, unrounded."""
    method: str
    """Which rule of Appendix A gave it: "general formula", or "interest rate (Part I.E)"."""

    @property
    def rounded(self) -> Decimal:
        return round_apy(self.exact)


def interest_rule_applies(terms: SavingsTerms) -> bool:
    """Part I.E: a time account of more than a year, not compounding, whose interest must be paid
    out at least once a year."""
    return (terms.is_time_account and (terms.term_months or 0) > 12 and terms.compounding == "none"
            and terms.interest_paid_out and terms.crediting != "at_maturity")


def rate_steps(terms: SavingsTerms, rate: Decimal, *, start: date) -> tuple[list[RateStep], int]:
    """The steps over the APY's term (a CD's term, else a year) and the term's days: the promotional
    rate for its months, then `rate`."""
    days = days_in_months(start, terms.term_months) if terms.is_time_account and terms.term_months else DAYS_IN_YEAR
    if terms.promotional_rate is None or terms.promotional_months is None:
        return [RateStep(rate, days)], days
    promotional_days = min(days_in_months(start, terms.promotional_months), days)
    steps = [RateStep(terms.promotional_rate, promotional_days)]
    if days > promotional_days:
        steps.append(RateStep(rate, days - promotional_days))
    return steps, days


def account_apy(terms: SavingsTerms, principal: Decimal, *, start: date = REFERENCE_START) -> AccountApy:
    """The APY of these terms for a deposit of `principal`, which picks the tier. A deposit below the
    balance required to earn interest earns an APY of 0."""
    if principal <= 0:
        raise ValueError("the principal must be positive")
    if principal < terms.minimum_balance_for_apy:
        return AccountApy(Decimal(0), "below the balance that earns interest")
    tiers = [(tier.balance_from, tier.interest_rate) for tier in terms.tiers]
    if interest_rule_applies(terms):
        portions = tier_portions(principal, terms.interest_rate, tiers, terms.tiering_method)
        blended = sum((amount * rate for amount, rate in portions), Decimal(0)) / principal
        steps, _ = rate_steps(terms, blended, start=start)
        return AccountApy(composite_rate(steps), "interest rate (Part I.E)")
    steps, days = rate_steps(terms, terms.interest_rate, start=start)
    if not tiers:
        interest = term_interest(principal, steps, terms.compounding)
    elif terms.promotional_rate is None:
        interest = tiered_interest(principal, terms.interest_rate, tiers, terms.tiering_method, terms.compounding, days)
    else:
        promoted = term_interest(principal, steps[:1], terms.compounding)
        grown = principal if terms.compounding == "none" else principal + promoted
        rest = sum((tiered_interest(grown, terms.interest_rate, tiers, terms.tiering_method, terms.compounding, step.days)
                    for step in steps[1:]), Decimal(0))
        interest = promoted + rest
    return AccountApy(general_formula(interest, principal, days), "general formula")


def opening_principal(terms: SavingsTerms) -> Decimal:
    """The least deposit the account's own APY is worked out for: its minimum opening deposit, at
    least $1 and at least the balance that earns interest."""
    return max(terms.minimum_opening_deposit, Decimal(1), terms.minimum_balance_for_apy)


def tier_apy_range(terms: SavingsTerms, position: int, *, assumed_maximum: Decimal,
                   start: date = REFERENCE_START) -> tuple[AccountApy, AccountApy]:
    """Part I.D: the lowest and the highest APY of a balance tier (position 0 is the base rate below
    the first tier; position n is `terms.tiers[n - 1]`). The low figure is at the least principal that
    earns the tier's rate, the high one at the most: the cent below the next tier, or for the top tier
    `assumed_maximum`, since without a limit on deposits "the institution may assume any amount".
    Under Method A the two agree to the hundredth; under Method B they span the tier's range."""
    if not 0 <= position <= len(terms.tiers):
        raise ValueError(f"these terms have no tier {position}")
    lowest = opening_principal(terms) if position == 0 else terms.tiers[position - 1].balance_from
    highest = terms.tiers[position].balance_from - CENT if position < len(terms.tiers) else assumed_maximum
    if highest < lowest:
        raise ValueError(f"tier {position} holds no balance from {lowest} up to {highest}")
    return account_apy(terms, lowest, start=start), account_apy(terms, highest, start=start)


@dataclass(frozen=True)
class ApyCheck:
    """A stated APY against Candor's, for one balance."""

    what: str
    principal: Decimal
    stated: Decimal
    computed: AccountApy

    @property
    def difference(self) -> Decimal:
        """Stated minus computed, in percentage points (positive: the bank claims more)."""
        return self.stated - self.computed.exact

    @property
    def flagged(self) -> bool:
        return abs(self.difference) > ACCURACY_TOLERANCE

    def describe(self) -> str:
        sentence = (f"The bank states an APY of {self.stated}% for {self.what}; by Regulation DD it is "
                    f"{self.computed.rounded}%")
        if not self.flagged:
            return sentence + "."
        direction = "higher" if self.difference > 0 else "lower"
        return (sentence + f": the stated figure is {abs(self.difference):.2f} points {direction}, more than the "
                f"{ACCURACY_TOLERANCE} points the regulation allows.")


def check_stated_apy(terms: SavingsTerms, *, start: date = REFERENCE_START) -> tuple[ApyCheck, ...]:
    """Every APY the bank states — the account's, then each tier's that has one — against the APY
    computed from its terms. A tier is checked at its lowest balance (for Method B, the low end of
    its range); the account at its minimum opening deposit (at least $1)."""
    principal = opening_principal(terms)
    checks = [ApyCheck("the account", principal, terms.stated_apy, account_apy(terms, principal, start=start))]
    for tier in terms.tiers:
        if tier.stated_apy is not None:
            checks.append(ApyCheck(f"balances from ${tier.balance_from:,.2f}", tier.balance_from, tier.stated_apy,
                                   account_apy(terms, tier.balance_from, start=start)))
    return tuple(checks)
