"""What a deposit earns over the shopper's horizon: a day-by-day projection of one account's terms,
worked out a month at a time (a month's daily accruals have a closed form; tests/test_savings_apy.py
holds it to a plain day-by-day simulation, to the cent).

Each day the account accrues interest at a daily rate of 1/365 of the rate (12 CFR 1030.7(a)(1)) on
the balance that earns: the principal (simple interest) or the principal with the interest already
compounded. Interest compounds and is credited at the terms' frequencies, counted in calendar months
from the opening day; credited interest is rounded to the cent and the fraction carried to the next
crediting. A monthly fee is charged at each month's end unless waived. Then, at the horizon:

- interest accrued but not yet credited is counted as earned (the account is closed and paid out);
- a CD withdrawn before maturity pays its penalty: the stated days of simple interest, at the rate in
  force, on the amount withdrawn; a CD that does not allow it is reported as not available;
- a CD earns nothing after it matures: Candor does not guess what it would be renewed at.

The assumptions are the ones Regulation DD's APY makes (no other deposits or withdrawals), plus the
shopper's: whether they set up direct deposit and whether they will keep any balance a fee waiver asks.
Every amount is a Decimal; docs/apy.md explains the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from candor_savings.apy import DAYS_IN_YEAR, add_months, portion_floors, tier_portions
from candor_savings.terms import SavingsTerms

CENT = Decimal("0.01")
MONTHS_BETWEEN = {"monthly": 1, "quarterly": 3, "semiannually": 6, "annually": 12}
MAX_MONTHS = 120
_PRECISION = 34


@dataclass(frozen=True)
class Projection:
    deposit: Decimal
    months: int
    interest: Decimal
    """Interest earned over the horizon, to the cent (before fees and any penalty)."""
    fees: Decimal
    penalty: Decimal
    """The early-withdrawal penalty when the horizon ends before a CD matures, else 0."""
    balance_by_month: tuple[Decimal, ...]
    """What the shopper has from the account at the end of each month (index 0: the deposit): the
    balance with interest accrued or paid out, before any penalty."""
    available_at_horizon: bool = True
    """False for a CD that allows no withdrawal before it matures after the horizon."""
    matures_in_horizon: bool = False

    @property
    def net_earnings(self) -> Decimal:
        """Interest less fees and penalty: what the deposit gains (negative when it loses)."""
        return self.interest - self.fees - self.penalty

    @property
    def final_value(self) -> Decimal:
        return self.deposit + self.net_earnings


@dataclass
class _Account:
    """The running state of the simulation."""

    balance: Decimal
    principal: Decimal
    compounded: Decimal = Decimal(0)
    """Interest compounded but not yet credited: it earns interest, unrounded."""
    pending: Decimal = Decimal(0)
    """Interest accrued since the last compounding: it earns nothing yet, unrounded."""
    credited: Decimal = Decimal(0)
    paid_out: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    lowest_this_month: Decimal = Decimal(0)

    @property
    def value(self) -> Decimal:
        return self.balance + self.compounded + self.pending + self.paid_out


def project(terms: SavingsTerms, deposit: Decimal, months: int, *, start: date, direct_deposit: bool = False,
            keeps_minimum_balance: bool = True) -> Projection:
    """Projects `deposit` in an account with these terms for `months` from `start`."""
    if deposit <= 0:
        raise ValueError("the deposit must be positive")
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"the horizon must be 1 to {MAX_MONTHS} months")
    with localcontext() as context:
        context.prec = _PRECISION
        return _project(terms, deposit, months, start, direct_deposit, keeps_minimum_balance)


def _project(terms: SavingsTerms, deposit: Decimal, months: int, start: date, direct_deposit: bool,
             keeps_minimum_balance: bool) -> Projection:
    account = _Account(balance=deposit, principal=deposit, lowest_this_month=deposit)
    term = terms.term_months if terms.is_time_account else None
    accrual_months = min(months, term) if term else months
    balances = [deposit]
    for month in range(1, months + 1):
        if month <= accrual_months:
            days = (add_months(start, month) - add_months(start, month - 1)).days
            _accrue_month(account, terms, days, promotional=month <= (terms.promotional_months or 0))
            if _every(terms.compounding, month):
                _compound(account)
            if _every(terms.crediting, month) or month == term:
                _credit(account, terms)
        _charge_fee(account, terms, direct_deposit, keeps_minimum_balance)
        balances.append(account.value)
    return _close(account, terms, deposit, months, term, tuple(balances), promotional=months < (terms.promotional_months or 0))


def _earning(account: _Account, terms: SavingsTerms) -> Decimal:
    """The balance interest is earned on: the principal for simple interest, else with what has compounded."""
    return account.principal if terms.compounding == "none" else account.balance + account.compounded


def _accrual_line(terms: SavingsTerms, earning: Decimal, promotional: bool) -> tuple[int, Decimal, Decimal]:
    """A day's accrual (in percent-dollars a year) is `offset + rate × earning` for every balance in
    the same tier as `earning`: (which tier, offset, rate). Method B's offset is what the lower tiers'
    portions earn less what the tier's rate would have paid on them."""
    if promotional and terms.promotional_rate is not None:
        return -1, Decimal(0), terms.promotional_rate
    rates = [terms.interest_rate, *(tier.interest_rate for tier in terms.tiers)]
    tier = sum(1 for each in terms.tiers if earning >= each.balance_from)
    if terms.tiering_method != "portion":
        return tier, Decimal(0), rates[tier]
    floors = portion_floors([(each.balance_from, each.interest_rate) for each in terms.tiers])
    below = sum(((floors[index + 1] - floors[index]) * rates[index] for index in range(tier)), Decimal(0))
    return tier, below - floors[tier] * rates[tier], rates[tier]


def _accrue_month(account: _Account, terms: SavingsTerms, days: int, *, promotional: bool) -> None:
    """A month of daily accruals at once. Without daily compounding the earning balance is the same
    every day of the month; with it, each day adds its accrual to the balance, an affine recurrence
    with a closed form. A month in which that growth reaches another tier is done day by day."""
    earning = _earning(account, terms)
    if earning < terms.minimum_balance_for_apy or earning <= 0:
        return
    tier, offset, rate = _accrual_line(terms, earning, promotional)
    daily_rate, daily_offset = rate / (100 * DAYS_IN_YEAR), offset / (100 * DAYS_IN_YEAR)
    if terms.compounding != "daily":
        account.pending += days * (daily_offset + daily_rate * earning)
        return
    growth = (1 + daily_rate) ** days
    grown = growth * earning + (daily_offset * (growth - 1) / daily_rate if daily_rate else daily_offset * days)
    if _accrual_line(terms, grown, promotional)[0] == tier:
        account.compounded += grown - earning
        return
    for _ in range(days):
        _accrue_day(account, terms, promotional=promotional)
        _compound(account)


def _accrue_day(account: _Account, terms: SavingsTerms, *, promotional: bool) -> None:
    earning = _earning(account, terms)
    if earning < terms.minimum_balance_for_apy or earning <= 0:
        return
    if promotional and terms.promotional_rate is not None:
        portions = [(earning, terms.promotional_rate)]
    else:
        tiers = [(tier.balance_from, tier.interest_rate) for tier in terms.tiers]
        portions = tier_portions(earning, terms.interest_rate, tiers, terms.tiering_method)
    account.pending += sum((amount * rate for amount, rate in portions), Decimal(0)) / (100 * DAYS_IN_YEAR)


def _compound(account: _Account) -> None:
    account.compounded += account.pending
    account.pending = Decimal(0)


def _every(frequency: str, month: int) -> bool:
    step = MONTHS_BETWEEN.get(frequency)
    return step is not None and month % step == 0


def _credit(account: _Account, terms: SavingsTerms) -> None:
    """Credits the interest accrued so far, to the cent; the fraction of a cent waits for the next time."""
    _compound(account)
    amount = account.compounded.quantize(CENT, rounding=ROUND_HALF_UP)
    account.compounded -= amount
    account.credited += amount
    if terms.interest_paid_out:
        account.paid_out += amount
    else:
        account.balance += amount


def _charge_fee(account: _Account, terms: SavingsTerms, direct_deposit: bool, keeps_minimum_balance: bool) -> None:
    lowest = min(account.lowest_this_month, account.balance)
    waivers = terms.fee_waivers
    waived = (direct_deposit and waivers.direct_deposit) or (
        keeps_minimum_balance and waivers.minimum_balance is not None and lowest >= waivers.minimum_balance)
    if terms.monthly_fee > 0 and not waived:
        fee = min(terms.monthly_fee, account.balance)
        account.balance -= fee
        account.fees += fee
        # Fees come out of the principal first: that is what simple interest is earned on.
        account.principal = min(account.principal, account.balance)
    account.lowest_this_month = account.balance


def _close(account: _Account, terms: SavingsTerms, deposit: Decimal, months: int, term: int | None,
           balances: tuple[Decimal, ...], *, promotional: bool) -> Projection:
    uncredited = (account.compounded + account.pending).quantize(CENT, rounding=ROUND_HALF_UP)
    interest = account.credited + uncredited
    early = term is not None and months < term
    penalty = Decimal(0)
    available = True
    if early and terms.early_withdrawal == "not_allowed":
        available = False
    elif early and terms.early_withdrawal_penalty_days:
        # The stated days of simple interest on the amount withdrawn, at the rate (or tiers) in force.
        withdrawn = account.balance + uncredited
        _, offset, rate = _accrual_line(terms, withdrawn, promotional)
        yearly = (offset + rate * withdrawn) / 100
        penalty = (yearly * terms.early_withdrawal_penalty_days / DAYS_IN_YEAR).quantize(CENT, rounding=ROUND_HALF_UP)
    return Projection(deposit=deposit, months=months, interest=interest, fees=account.fees, penalty=penalty,
                      balance_by_month=tuple(value.quantize(CENT, rounding=ROUND_HALF_UP) for value in balances),
                      available_at_horizon=available, matures_in_horizon=term is not None and months >= term)
