"""The refinance arithmetic (app/products/refinance/saving.py): two examples worked by hand to the
cent, and a property over random loans that the net saving is what following both loans month by
month gives, equals the interest saved less the upfront costs, and agrees with the break-even month."""

from __future__ import annotations

import os
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.products.mortgage.amortization import monthly_payment
from app.products.mortgage.analysis import analyse
from app.products.refinance.saving import CurrentLoan, Refinance, current_schedule

CENT = Decimal("0.01")
examples = settings(max_examples=int(os.environ.get("CANDOR_PROPERTY_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _terms(rate: str, *, points: str = "0", fees: str = "0.00") -> dict:
    return {"rate_type": "fixed", "note_rate": Decimal(rate), "points": Decimal(points), "lender_fees": Decimal(fees),
            "other_prepaid_finance_charges": Decimal(0), "adjustment": None, "term_years": 1}


def _refinance(balance: str, rate: str, months: int, new_rate: str, *, fees: str, closing: str, horizon: int,
               payment: str | None = None, cash_out: str = "0") -> Refinance:
    amount = Decimal(balance) + Decimal(cash_out)
    current = CurrentLoan(Decimal(balance), Decimal(rate), months,
                          Decimal(payment) if payment else monthly_payment(Decimal(balance), Decimal(rate), months))
    new = analyse(_terms(new_rate, fees=fees), {"loan_amount": str(amount), "term_years": 1, "years_expected": 1})
    return Refinance(current_schedule(current), new, Decimal(closing), Decimal(cash_out), horizon)


def test_a_refinance_that_does_not_pay_worked_by_hand():
    # Now: $1,000.00 at 12% (1% a month), 2 payments left of 1000 × 0.01 / (1 − 1.01^−2) = $507.51.
    #   month 1: interest $10.00, balance 1000 − 497.51 = $502.49; month 2: interest $5.02, pays the rest: $0.
    # New: $1,000.00 at 6% over 12 months: 1000 × 0.005 / (1 − 1.005^−12) = $86.07; $10 fees + $5 closing costs.
    #   month 1: interest $5.00, balance $918.93; month 2: interest $4.59, balance $837.45.
    # Keep: 507.51 + 507.51 + 0 = $1,015.02. Refinance: 15.00 + 86.07 + 86.07 + 837.45 = $1,024.59.
    refinance = _refinance("1000.00", "12", 2, "6", fees="10.00", closing="5.00", horizon=2)
    assert [m.payment for m in refinance.current.months] == [Decimal("507.51"), Decimal("507.51")]
    assert [m.balance for m in refinance.new.schedule.months[:2]] == [Decimal("918.93"), Decimal("837.45")]
    assert refinance.keep_side(2) == Decimal("1015.02")
    assert refinance.refinance_side(2) == Decimal("1024.59")
    assert refinance.net_saving == Decimal("-9.57")
    # Interest: (10.00 + 5.02) − (5.00 + 4.59) = 5.43 saved, less $15.00 upfront: −9.57 again.
    assert refinance.cumulative_savings(3) == [Decimal("-15.00"), Decimal("-10.00"), Decimal("-9.57"), Decimal("-13.76")]
    assert refinance.break_even_month is None  # the current loan is paid off: nothing more to save
    assert refinance.payment_change == Decimal("86.07") - Decimal("507.51")


def test_a_refinance_that_pays_worked_by_hand():
    # Now: $1,000.00 at 24%, 2 payments of 1000 × 0.02 / (1 − 1.02^−2) = $515.05; interest $20.00, then $10.10.
    # New: $1,000.00 at 12% over 12 months: $88.85 a month; interest $10.00, then $9.21 (balance $921.15,
    #   then $841.51); no fees, $3.00 closing costs.
    # Keep: 515.05 × 2 = $1,030.10. Refinance: 3.00 + 88.85 × 2 + 841.51 = $1,022.21. Saving $7.89.
    refinance = _refinance("1000.00", "24", 2, "12", fees="0.00", closing="3.00", horizon=2)
    assert refinance.keep_side(2) == Decimal("1030.10")
    assert refinance.refinance_side(2) == Decimal("1022.21")
    assert refinance.net_saving == Decimal("7.89")
    assert refinance.break_even_month == 1  # 20.00 − 10.00 = $10.00 saved in month 1 passes the $3.00


def test_cash_out_is_the_homeowners_again():
    # $200 more borrowed at 12% is handed back at closing: only its interest counts against the refinance.
    plain = _refinance("1000.00", "24", 2, "12", fees="0.00", closing="3.00", horizon=2)
    more = _refinance("1000.00", "24", 2, "12", fees="0.00", closing="3.00", horizon=2, cash_out="200.00")
    extra_interest = sum(m.interest for m in more.new.schedule.months[:2]) - sum(
        m.interest for m in plain.new.schedule.months[:2])
    assert more.net_saving == plain.net_saving - extra_interest


def _simulated(balance: Decimal, rate: Decimal, payment: Decimal, months_left: int, horizon: int) -> tuple[Decimal, Decimal]:
    """Follows one loan month by month: what it pays over `horizon` months and what is owed then."""
    paid = Decimal(0)
    for month in range(1, min(horizon, months_left) + 1):
        if balance == 0:
            break
        interest = (balance * rate / 1200).quantize(CENT, rounding=ROUND_HALF_UP)
        this = balance + interest if month == months_left else min(payment, balance + interest)
        paid += this
        balance += interest - this
    return paid, balance


@examples
@given(balance=st.integers(10_000_00, 900_000_00), rate=st.integers(16, 80), left=st.integers(1, 360),
       new_rate=st.integers(16, 80), term=st.sampled_from([15, 20, 30]), points=st.sampled_from(["0", "1", "2.5"]),
       fees=st.integers(0, 3000_00), closing=st.integers(0, 5000_00), cash_out=st.integers(0, 50_000_00),
       years=st.integers(1, 30), given_payment=st.booleans())
def test_the_net_saving_is_what_following_both_loans_month_by_month_gives(
        balance, rate, left, new_rate, term, points, fees, closing, cash_out, years, given_payment):
    balance, cash = Decimal(balance) / 100, Decimal(cash_out) / 100
    rate, new_rate = Decimal(rate) / 8, Decimal(new_rate) / 8
    level = monthly_payment(balance, rate, left)
    payment = (level + Decimal(17)) if given_payment else level  # a homeowner may pay a little more than due
    current = CurrentLoan(balance, rate, left, payment)
    terms = {**_terms(str(new_rate), points=points, fees=str(Decimal(fees) / 100)), "term_years": term}
    new = analyse(terms, {"loan_amount": str(balance + cash), "term_years": term, "years_expected": years})
    horizon = years * 12
    refinance = Refinance(current_schedule(current), new, Decimal(closing) / 100, cash, horizon)

    kept_paid, kept_owed = _simulated(balance, rate, payment, left, horizon)
    new_paid, new_owed = _simulated(balance + cash, new_rate, monthly_payment(balance + cash, new_rate, term * 12),
                                    term * 12, horizon)
    upfront = new.points_amount + Decimal(fees) / 100 + Decimal(closing) / 100
    assert refinance.upfront == upfront
    assert refinance.net_saving == (kept_paid + kept_owed) - (upfront + new_paid + new_owed - cash)
    interest_saved = (refinance.current.interest_paid(horizon) - new.schedule.interest_paid(horizon))
    assert refinance.net_saving == interest_saved - upfront
    savings = refinance.cumulative_savings(horizon)
    assert savings[-1] == refinance.net_saving and savings[0] == -upfront
    month = refinance.break_even_month
    if month is None:
        assert refinance.net_saving <= 0
    else:
        assert savings[:month + 1][-1] > 0 if month <= horizon else True
        assert all(saving <= 0 for saving in savings[:min(month, horizon + 1)])
        if month <= horizon and refinance.net_saving <= 0:
            assert any(saving > 0 for saving in savings)  # it broke even, then lost it again (payoff)
