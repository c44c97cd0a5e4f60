"""One offer, measured for one buyer: what it charges at closing, its schedule, Candor's own APR,
and what it costs over the years the buyer expects to keep it. Assessment, the cost chart and the
break-even explanations all start here, so they can never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.money import CENT
from app.products.mortgage.amortization import (
    MONTHS_PER_YEAR,
    NOTIONAL_CLOSING,
    Adjustment,
    Schedule,
    amortise,
    cost_over,
    monthly_cumulative_costs,
)
from app.products.mortgage.apr import annual_percentage_rate
from app.products.mortgage.guarantee import financed_guarantee, guarantee_finance_charge
from app.products.mortgage.schemas import ADJUSTMENT_INTERVAL_MONTHS, FIXED_YEARS

APR_PLACES = 3
# Regulation Z § 1026.22(a)(2) and (3): a disclosed APR is accurate within 1/8 of a percentage
# point in a regular transaction and 1/4 in an irregular one; an adjustable rate, whose payments
# change, makes the transaction irregular.
REGULAR_APR_TOLERANCE = Decimal("0.125")
IRREGULAR_APR_TOLERANCE = Decimal("0.25")
# A quoted monthly payment may differ from ours by rounding; more than this is a different loan.
PAYMENT_TOLERANCE = Decimal("1.00")
HUNDRED = Decimal(100)


class ChargesExceedLoan(ValueError):
    """The charges at closing are at least the loan itself, so nothing would be financed."""


@dataclass(frozen=True)
class LoanAnalysis:
    loan_amount: Decimal
    points_amount: Decimal
    upfront: Decimal
    """Prepaid finance charges: points, lender fees and other prepaid finance charges."""
    schedule: Schedule
    worst_case: Schedule | None
    """For an adjustable rate: the schedule if the rate rises as fast and as far as the caps allow."""
    apr: Decimal
    horizon_months: int
    lender_credits: Decimal = Decimal(0)
    """What the lender pays back at closing (its terms' `lender_credits`)."""
    financed_guarantee: Decimal = Decimal(0)
    """The FHA upfront premium or VA funding fee added to the loan (guarantee.py); 0 when paid in cash
    or there is none. loan_amount includes it."""
    guarantee_charge: Decimal = Decimal(0)
    """The upfront guarantee counted as a finance charge in the APR (guarantee.guarantee_finance_charge)."""

    @property
    def at_closing(self) -> Decimal:
        """What the buyer pays the lender at closing net of its credits: the prepaid finance charges
        less the lender credits. Negative when the credits also pay third parties' charges."""
        return self.upfront - self.lender_credits

    @property
    def prepaid_finance_charge(self) -> Decimal:
        """The prepaid finance charges after the lender credits that offset them (credits go to the
        finance charges first; what is left over pays third parties and does not change the APR)."""
        return self.upfront - min(self.lender_credits, self.upfront)

    @property
    def amount_financed(self) -> Decimal:
        return self.loan_amount - self.prepaid_finance_charge - self.guarantee_charge

    @property
    def horizon_cost(self) -> Decimal:
        return cost_over(self.schedule, self.at_closing, self.horizon_months)

    @property
    def balance_left(self) -> Decimal:
        return self.schedule.balance_after(self.horizon_months)

    @property
    def payment_in_horizon(self) -> Decimal:
        """The highest scheduled payment while the buyer keeps the loan (index unchanged)."""
        return self.schedule.highest_payment(self.horizon_months)

    def monthly_costs(self, months: int) -> list[Decimal]:
        return monthly_cumulative_costs(self.schedule, self.at_closing, months)

    def apr_tolerance(self) -> Decimal:
        return IRREGULAR_APR_TOLERANCE if self.worst_case is not None else REGULAR_APR_TOLERANCE


def adjustment_from_terms(terms: Mapping[str, Any]) -> Adjustment | None:
    if terms["rate_type"] == "fixed":
        return None
    adjustment = terms["adjustment"]
    return Adjustment(
        fixed_months=FIXED_YEARS[terms["rate_type"]] * MONTHS_PER_YEAR,
        interval_months=ADJUSTMENT_INTERVAL_MONTHS,
        index_value=adjustment["index_value"],
        margin=adjustment["margin"],
        initial_cap=adjustment["initial_cap"],
        periodic_cap=adjustment["periodic_cap"],
        lifetime_cap=adjustment["lifetime_cap"],
    )


def horizon_months(profile: Mapping[str, Any]) -> int:
    return min(int(profile["years_expected"]), int(profile["term_years"])) * MONTHS_PER_YEAR


def charges_at_closing(terms: Mapping[str, Any], loan_amount: Decimal) -> tuple[Decimal, Decimal]:
    """The points in dollars, and all the prepaid finance charges: points, lender fees and other."""
    points_amount = (loan_amount * terms["points"] / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return points_amount, points_amount + terms["lender_fees"] + terms["other_prepaid_finance_charges"]


def analyse(terms: Mapping[str, Any], profile: Mapping[str, Any]) -> LoanAnalysis:
    """`terms` are typed terms (MortgageLine.parse_terms); the loan is the profile's loan amount, plus
    the FHA upfront premium or VA funding fee when the offer adds it to the loan (guarantee.py)."""
    financed = financed_guarantee(terms, profile)
    loan_amount = Decimal(profile["loan_amount"]) + financed
    lender_credits = terms.get("lender_credits") or Decimal(0)
    points_amount, upfront = charges_at_closing(terms, loan_amount)
    if upfront >= loan_amount:
        raise ChargesExceedLoan(f"charges at closing of {upfront} are not less than the loan of {loan_amount}")
    term_months = terms["term_years"] * MONTHS_PER_YEAR
    adjustment = adjustment_from_terms(terms)
    schedule = amortise(loan_amount, terms["note_rate"], term_months, adjustment)
    worst_case = (None if adjustment is None else
                  amortise(loan_amount, terms["note_rate"], term_months, adjustment, path="caps_reached"))
    # Regulation Z § 1026.18(b): the amount financed is the loan less the prepaid finance charges
    # (after the lender credits that offset them) and less the guarantee, a finance charge whether
    # financed or paid at closing; the payments are the scheduled principal and interest.
    guarantee_charge = guarantee_finance_charge(terms, profile)
    apr = annual_percentage_rate(
        loan_amount - (upfront - min(lender_credits, upfront)) - guarantee_charge,
        schedule.dated_payments(),
        advanced_on=NOTIONAL_CLOSING,
        unit_period="month",
        places=APR_PLACES,
    )
    return LoanAnalysis(
        loan_amount=loan_amount,
        points_amount=points_amount,
        upfront=upfront,
        schedule=schedule,
        worst_case=worst_case,
        apr=apr,
        horizon_months=horizon_months(profile),
        lender_credits=lender_credits,
        financed_guarantee=financed,
        guarantee_charge=guarantee_charge,
    )
