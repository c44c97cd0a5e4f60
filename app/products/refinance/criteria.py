"""What refinance offers are ranked on: the net saving over the years the homeowner stays (against
keeping the current loan), the new monthly payment, Candor's own APR, the rate lock and service; the
reference scales (read for each homeowner from their own loan, never from the other offers), the
presets, and the columns of the results table."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.formatting import plural
from app.products.base import Column, Preset, weights
from app.products.mortgage.amortization import MONTHS_PER_YEAR, amortise, monthly_payment
from app.products.mortgage.figures import money, percent, years
from app.products.refinance.saving import current_loan, current_schedule, horizon_months
from app.products.refinance.schemas import PROFILE_SCHEMA
from app.ranking.criteria import SAVINGS, Criterion
from app.ranking.measure import Measure

EXAMPLE_PROFILE = PROFILE_SCHEMA["examples"][0]
# Full marks for what a loan 2 percentage points below the current rate, without any charges, would
# save; none for paying 3% of the new loan at closing and saving no interest at all.
BEST_RATE_CUT = Decimal(2)
LOWEST_REFERENCE_RATE = Decimal(1)
WORST_REFERENCE_CHARGES = Decimal("0.03")
PAYMENT_BEST_RATE, PAYMENT_WORST_RATE = Decimal("4.500"), Decimal("8.500")
BIGGEST_SAVING_TOLERANCE = Decimal("25.00")
LOWEST_PAYMENT_TOLERANCE = Decimal("1.00")


def _basis(profile: Mapping[str, Any]) -> Mapping[str, Any]:
    return profile if "current_balance" in profile else EXAMPLE_PROFILE


def saving_scale(profile: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    """(worst, best) of the net-saving scale for this homeowner."""
    basis = _basis(profile)
    loan, horizon = Decimal(basis["loan_amount"]), horizon_months(basis)
    current = current_schedule(current_loan(basis))
    reference_rate = max(Decimal(basis["current_rate"]) - BEST_RATE_CUT, LOWEST_REFERENCE_RATE)
    reference = amortise(loan, reference_rate, int(basis["term_years"]) * MONTHS_PER_YEAR)
    # Without charges, the net saving is the interest saved (saving.py).
    best = current.interest_paid(horizon) - reference.interest_paid(horizon)
    worst = -(loan * WORST_REFERENCE_CHARGES).quantize(Decimal("0.01"))
    return worst, max(best, Decimal("0.01"))


def scale_basis_note() -> str:
    loan, horizon = Decimal(EXAMPLE_PROFILE["loan_amount"]), horizon_months(EXAMPLE_PROFILE)
    return (f"The money scales in the table below are for refinancing {money(loan)} at "
            f"{percent(Decimal(EXAMPLE_PROFILE['current_rate']))} by a homeowner staying "
            f"{years(horizon // MONTHS_PER_YEAR)}; for you they are worked out the same way from your own loan and "
            "the years you expect to stay.")


# Read on the same scale whoever the homeowner is.
SCALES_FOR_EVERY_HOMEOWNER: tuple[Criterion, ...] = (
    Criterion(
        key="apr", label="APR", direction="lower", unit="percent a year", worst=Decimal("9.000"),
        best=Decimal("4.000"),
        description=("The new loan's APR, worked out by us from its rate, points, fees and payments by the "
                     "actuarial method of Regulation Z, Appendix J, over the whole term."),
        format=percent,
    ),
    Criterion(
        key="rate_lock_days", label="Rate lock", direction="higher", unit="days", worst=Decimal(15),
        best=Decimal(90), description="How long the lender holds the quoted rate while your refinance closes.",
        format=lambda value: plural(round(value), "day"),
    ),
    Criterion(
        key="service_score", label="Borrower satisfaction", direction="higher", unit="score out of 1,000",
        worst=Decimal(600), best=Decimal(900),
        description="An independent survey of borrowers' satisfaction with the lender, out of 1,000.",
        format=lambda value: f"{value:.0f}/1,000",
    ),
)


def criteria_for(profile: Mapping[str, Any]) -> tuple[Criterion, ...]:
    basis = _basis(profile)
    loan, term_months = Decimal(basis["loan_amount"]), int(basis["term_years"]) * MONTHS_PER_YEAR
    worst, best = saving_scale(basis)
    stay = years(horizon_months(basis) // MONTHS_PER_YEAR)
    return (
        Criterion(
            key="net_saving",
            label="Net saving while you stay",
            direction="higher",
            unit=f"USD over your {stay}",
            worst=worst,
            best=best,
            description=(
                "What refinancing saves you against keeping your current loan over the years you expect to stay: "
                "your current loan's payments and the balance you would still owe on it, less the new loan's points, "
                "fees and closing costs, its payments and the balance you would still owe on it (less any cash you "
                "take out). Below zero, refinancing costs you more than keeping your loan. Full marks for what a loan "
                f"{BEST_RATE_CUT} percentage points below your rate without any charges would save, none for paying "
                f"{WORST_REFERENCE_CHARGES * 100:.0f}% of the loan at closing and saving no interest."
            ),
            money=True,
            format=money,
            words=SAVINGS,
        ),
        Criterion(
            key="monthly_payment", label="New monthly payment", direction="lower", unit="USD per month",
            worst=monthly_payment(loan, PAYMENT_WORST_RATE, term_months),
            best=monthly_payment(loan, PAYMENT_BEST_RATE, term_months),
            description=("The new loan's principal and interest each month: the highest it is scheduled to be while "
                         f"you stay. Scale: a {PAYMENT_WORST_RATE}% loan's payment to a {PAYMENT_BEST_RATE}% loan's."),
            money=True, format=money,
        ),
        *SCALES_FOR_EVERY_HOMEOWNER,
    )


PRESETS: tuple[Preset, ...] = (
    Preset("balanced", "Balanced",
           "What refinancing saves you while you stay matters most; the payment, APR, rate lock and service count too.",
           weights(net_saving="0.70", monthly_payment="0.10", apr="0.05", rate_lock_days="0.05", service_score="0.10")),
    Preset("biggest_saving", "Biggest saving",
           "What refinancing saves you over the years you stay is nearly all that counts.",
           weights(net_saving="0.85", monthly_payment="0.05", apr="0.04", rate_lock_days="0.03", service_score="0.03"),
           Measure(("net_saving",), BIGGEST_SAVING_TOLERANCE, "net saving while you stay", "over the years you stay")),
    Preset("lowest_payment", "Lowest monthly payment",
           "The new monthly payment weighs most; what refinancing saves you still counts.",
           weights(net_saving="0.30", monthly_payment="0.55", apr="0.05", rate_lock_days="0.05", service_score="0.05"),
           Measure(("monthly_payment",), LOWEST_PAYMENT_TOLERANCE, "new monthly payment", "a month")),
)

COLUMNS: tuple[Column, ...] = (
    Column("Net saving while you stay", "net_saving", "saving_note", numeric=True),
    Column("Break-even", "break_even", "break_even_note"),
    Column("New monthly payment", "monthly_payment", "payment_note", numeric=True),
    Column("Rate", "rate", "apr_note", detail_prefix="APR "),
    Column("Points, fees and closing costs", "upfront", "upfront_note", numeric=True),
)
