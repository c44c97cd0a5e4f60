"""What mortgage offers are ranked on: the criteria and their reference scales (read for each buyer
from two reference loans), the presets, and the columns of the results table."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.formatting import plural
from app.products.base import Column, Preset, weights
from app.ranking.criteria import Criterion
from app.products.mortgage.amortization import MONTHS_PER_YEAR, amortise, cost_over, monthly_payment
from app.products.mortgage.figures import money as _money, percent as _percent, years as _years
from app.products.mortgage.schemas import PROFILE_SCHEMA
from app.ranking.measure import Measure

# The money scales are read for each buyer from two reference loans of their own amount, term and
# horizon, so a scale never depends on which other offers are in the list: full marks for what a
# 4.5% loan without charges would cost, none for an 8.5% loan with 3% of the loan paid at closing.
BEST_REFERENCE_RATE = Decimal("4.500")
WORST_REFERENCE_RATE = Decimal("8.500")
WORST_REFERENCE_CHARGES = Decimal("0.03")
# Without a buyer (the methodology page, the preference controls) the scales are the example
# profile's, and the methodology says so.
EXAMPLE_PROFILE = PROFILE_SCHEMA["examples"][0]


def scale_basis(profile: Mapping[str, Any]) -> tuple[Decimal, int, int]:
    """Loan amount, term in months and horizon in months the scales are read for."""
    basis = profile if "loan_amount" in profile else EXAMPLE_PROFILE
    term_months = int(basis["term_years"]) * MONTHS_PER_YEAR
    horizon = min(int(basis["years_expected"]) * MONTHS_PER_YEAR, term_months)
    return Decimal(basis["loan_amount"]), term_months, horizon


def scale_basis_note() -> str:
    loan, term_months, horizon = scale_basis(EXAMPLE_PROFILE)
    return (f"The money scales in the table below are for a {_money(loan)}, {term_months // MONTHS_PER_YEAR}-year loan kept "
            f"{_years(horizon // MONTHS_PER_YEAR)}; for you they are worked out the same way from your own loan, "
            "term and the years you expect to keep it.")


# Read on the same scale whoever the buyer is.
SCALES_FOR_EVERY_BUYER: tuple[Criterion, ...] = (
    Criterion(
        key="apr",
        label="APR",
        direction="lower",
        unit="percent a year",
        worst=Decimal("9.000"),
        best=Decimal("4.000"),
        description=(
            "The APR we compute ourselves from the offer's rate, points, fees and payments, by the "
            "actuarial method of Regulation Z, Appendix J — over the whole term, so it favours paying "
            "points more than a short stay would."
        ),
        format=_percent,
    ),
    Criterion(
        key="rate_lock_days",
        label="Rate lock",
        direction="higher",
        unit="days",
        worst=Decimal(15),
        best=Decimal(90),
        description="How long the lender holds the quoted rate while your purchase closes.",
        format=lambda value: plural(round(value), "day"),
    ),
    Criterion(
        key="service_score",
        label="Borrower satisfaction",
        direction="higher",
        unit="score out of 1,000",
        worst=Decimal(600),
        best=Decimal(900),
        description="An independent survey of borrowers' satisfaction with the lender, out of 1,000.",
        format=lambda value: f"{value:.0f}/1,000",
    ),
)


def criteria_for(profile: Mapping[str, Any]) -> tuple[Criterion, ...]:
    loan, term_months, horizon = scale_basis(profile)
    years = horizon // MONTHS_PER_YEAR
    worst_charges = (loan * WORST_REFERENCE_CHARGES).quantize(Decimal("0.01"))
    worst_cost = cost_over(amortise(loan, WORST_REFERENCE_RATE, term_months), worst_charges, horizon)
    best_cost = cost_over(amortise(loan, BEST_REFERENCE_RATE, term_months), Decimal(0), horizon)
    return (
        Criterion(
            key="horizon_cost",
            # The label is the same for everyone (preference controls show it); the unit carries the
            # buyer's own period, which the explanations put after an amount: "$3,105.33 over your 4 years".
            label="Cost while you keep the loan",
            direction="lower",
            unit=f"USD over your {_years(years)}",
            worst=worst_cost,
            best=best_cost,
            description=(
                "Points, lender fees and other finance charges paid at closing, plus the interest you pay "
                "while you keep the loan. The principal you repay is not a cost: it is yours again when you "
                f"sell or refinance. Full marks for what a {BEST_REFERENCE_RATE}% loan without charges would "
                f"cost, none for a {WORST_REFERENCE_RATE}% loan with {WORST_REFERENCE_CHARGES * 100:.0f}% of "
                "the loan paid at closing."
            ),
            money=True,
            format=_money,
        ),
        Criterion(
            key="monthly_payment",
            label="Monthly payment",
            direction="lower",
            unit="USD per month",
            worst=monthly_payment(loan, WORST_REFERENCE_RATE, term_months),
            best=monthly_payment(loan, BEST_REFERENCE_RATE, term_months),
            description=(
                "Principal and interest each month: the highest it is scheduled to be while you keep the loan "
                "(an adjustable rate can change it). Scale: a 4.5% loan's payment to an 8.5% loan's."
            ),
            money=True,
            format=_money,
        ),
        *SCALES_FOR_EVERY_BUYER,
    )



PRESETS: tuple[Preset, ...] = (
    Preset(
        "balanced",
        "Balanced",
        "What the loan costs you over the years you keep it matters most; the monthly payment, APR, rate lock and service count too.",
        weights(horizon_cost="0.70", monthly_payment="0.10", apr="0.05", rate_lock_days="0.05", service_score="0.10"),
    ),
    Preset(
        "lowest_cost",
        "Lowest cost",
        "What the loan costs you over the years you keep it is nearly all that counts.",
        weights(horizon_cost="0.85", monthly_payment="0.05", apr="0.04", rate_lock_days="0.03", service_score="0.03"),
        Measure(("horizon_cost",), Decimal("25.00"), "cost while you keep the loan",
                "over the years you keep the loan"),
    ),
    Preset(
        "lowest_payment",
        "Lowest monthly payment",
        "The monthly payment weighs most; the cost over the years you keep the loan still counts.",
        weights(horizon_cost="0.30", monthly_payment="0.55", apr="0.05", rate_lock_days="0.05", service_score="0.05"),
        Measure(("monthly_payment",), Decimal("1.00"), "monthly payment", "a month"),
    ),
    Preset(
        "best_service",
        "Service counts more",
        "How the lender treats borrowers, and how long it holds your rate, weigh nearly as much as cost.",
        weights(horizon_cost="0.45", monthly_payment="0.05", apr="0.05", rate_lock_days="0.15", service_score="0.30"),
    ),
)

COLUMNS: tuple[Column, ...] = (
    Column("Monthly payment", "monthly_payment", "payment_note", numeric=True),
    Column("Cost while you keep it", "horizon_cost", "horizon_note", numeric=True),
    Column("Rate", "rate", "apr_note", detail_prefix="APR "),
    Column("Points and fees", "upfront", "upfront_note", numeric=True),
    Column("Rate lock", "rate_lock", "service", detail_prefix="Borrower satisfaction "),
)
