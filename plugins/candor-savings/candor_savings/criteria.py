"""What savings offers are ranked on: the criteria and their reference scales (the money scale read
for each saver from their own deposit and horizon), the presets, and the results table's columns."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.products.base import Column, Preset, weights
from app.ranking.criteria import EARNINGS, Criterion
from app.ranking.measure import Measure
from candor_savings.analysis import horizon_months
from candor_savings.figures import money, months, percent
from candor_savings.profile_schema import PROFILE_SCHEMA

# Full marks for what a 5.00% APY earns on the saver's deposit over their horizon, none for earning
# nothing: the scale never depends on which other offers are in the list.
BEST_REFERENCE_APY = Decimal("5.00")
EXAMPLE_PROFILE = PROFILE_SCHEMA["examples"][0]
ACCESS_LEVELS = {"any_time": Decimal(2), "penalty": Decimal(1), "locked": Decimal(0)}
ACCESS_WORDS = {Decimal(2): "any time", Decimal(1): "early, with a penalty", Decimal(0): "not before maturity"}
MOST_INTEREST_TOLERANCE = Decimal("1.00")
EASY_ACCESS_TOLERANCE = Decimal("0.5")


def access_words(value: Decimal) -> str:
    """A level of access in words; a step between levels (Easy access's tolerance) as a share of one."""
    if value in ACCESS_WORDS:
        return ACCESS_WORDS[value]
    return "half a level of access" if value == Decimal("0.5") else f"{value.normalize():f} levels of access"


def reference_earnings(deposit: Decimal, horizon: int) -> Decimal:
    """What a 5.00% APY earns on `deposit` over `horizon` months, to the cent."""
    growth = (1 + BEST_REFERENCE_APY / 100) ** (Decimal(horizon) / 12)
    return (deposit * (growth - 1)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def scale_basis(profile: Mapping[str, Any]) -> tuple[Decimal, int]:
    basis = profile if "deposit" in profile else EXAMPLE_PROFILE
    return Decimal(basis["deposit"]), horizon_months(basis)


def scale_basis_note() -> str:
    deposit, horizon = scale_basis(EXAMPLE_PROFILE)
    return (f"The money scale in the table below is for {money(deposit)} left {months(horizon)}; for you it is worked "
            "out the same way from your own deposit and horizon.")


SCALES_FOR_EVERY_SAVER: tuple[Criterion, ...] = (
    Criterion(key="apy", label="APY", direction="higher", unit="percent a year", worst=Decimal(0),
              best=BEST_REFERENCE_APY,
              description=("The annual percentage yield we compute ourselves from the account's rates, tiers, "
                           "compounding and any promotional rate, by Regulation DD (12 CFR 1030), Appendix A — "
                           "never the bank's own figure. It assumes the money stays a full year (or a CD's term)."),
              format=percent),
    Criterion(key="access", label="Access to your money", direction="higher", unit="level of access",
              worst=Decimal(0), best=Decimal(2),
              description=("Whether you can take the money out at any time (full marks), early with a penalty (half), "
                           "or not before a CD matures (none)."),
              format=lambda value: access_words(value)),
    Criterion(key="insured", label="Deposit insurance", direction="higher", unit="insured or not",
              worst=Decimal(0), best=Decimal(1),
              description="Whether deposits are insured by the FDIC (banks) or the NCUA (credit unions), up to $250,000.",
              format=lambda value: "insured" if value == 1 else "not insured"),
    Criterion(key="service_score", label="Customer satisfaction", direction="higher", unit="score out of 1,000",
              worst=Decimal(600), best=Decimal(900),
              description="An independent survey of customers' satisfaction with the bank, out of 1,000.",
              format=lambda value: f"{value:.0f}/1,000"),
)


def criteria_for(profile: Mapping[str, Any]) -> tuple[Criterion, ...]:
    deposit, horizon = scale_basis(profile)
    return (
        Criterion(
            key="earned",
            # The label is the same for everyone; the unit carries the saver's own horizon, which the
            # explanations put after an amount: "$212.40 more over your 12 months".
            label="Interest earned after fees",
            direction="higher",
            unit=f"USD over your {months(horizon)}",
            worst=Decimal(0),
            best=reference_earnings(deposit, horizon),
            description=(
                "The interest the account pays on your deposit over the months you can leave it, worked out day by "
                "day from the bank's terms (tiers, compounding, a promotional rate and when it ends), less its "
                "monthly fees unless your answers waive them, and less a CD's early-withdrawal penalty when you need "
                f"the money before it matures. Full marks for what a {BEST_REFERENCE_APY}% APY would earn, none for "
                "earning nothing."
            ),
            money=True,
            format=money,
            words=EARNINGS,
        ),
        *SCALES_FOR_EVERY_SAVER,
    )


PRESETS: tuple[Preset, ...] = (
    Preset("balanced", "Balanced",
           "What you earn matters most; access to your money, deposit insurance and service count too.",
           weights(earned="0.60", apy="0.05", access="0.15", insured="0.10", service_score="0.10")),
    Preset("most_interest", "Most interest",
           "What the account earns you over the months you leave the money is nearly all that counts.",
           weights(earned="0.85", apy="0.05", access="0.03", insured="0.04", service_score="0.03"),
           Measure(("earned",), MOST_INTEREST_TOLERANCE, "interest earned after fees",
                   "over the months you leave the money")),
    # Its name promises access: an account with the freest access comes first (a step of half a level
    # tells every level apart), and among those what it earns weighs most.
    Preset("easy_access", "Easy access",
           "An account you can take your money out of most freely comes first; among those, what it earns counts most.",
           weights(earned="0.40", apy="0.05", access="0.40", insured="0.05", service_score="0.10"),
           Measure(("access",), EASY_ACCESS_TOLERANCE, "access to your money")),
)

COLUMNS: tuple[Column, ...] = (
    Column("Earned after fees", "earned", "earned_note", numeric=True),
    Column("APY", "apy", "apy_note"),
    Column("Account", "account", "rate_note"),
    Column("Access", "access", "access_note"),
    Column("Insurance", "insurance", "service", detail_prefix="Customer satisfaction "),
)
