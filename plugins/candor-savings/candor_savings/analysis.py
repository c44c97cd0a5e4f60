"""One offer, measured for one saver: what it earns over the saver's horizon net of fees and of the
expected early-withdrawal penalty (earnings.py), and the APY Candor computes by Regulation DD
(apy.py). Assessment, the facts and the balance chart all start here, so they never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from candor_savings.apy import REFERENCE_START, AccountApy, ApyCheck, account_apy, check_stated_apy
from candor_savings.earnings import Projection, project
from candor_savings.profile_schema import DEFAULT_HORIZON_MONTHS
from candor_savings.terms import SavingsTerms


def horizon_months(profile: Mapping[str, Any]) -> int:
    """The months earnings are compared over: the saver's, or a year when they need access any time."""
    horizon = profile.get("horizon_months")
    return DEFAULT_HORIZON_MONTHS if horizon is None else int(horizon)


@dataclass(frozen=True)
class SavingsAnalysis:
    terms: SavingsTerms
    projection: Projection
    apy: AccountApy
    apy_checks: tuple[ApyCheck, ...]

    @property
    def earned(self) -> Decimal:
        """Interest over the horizon less fees and any early-withdrawal penalty."""
        return self.projection.net_earnings


def analyse(terms: SavingsTerms, profile: Mapping[str, Any]) -> SavingsAnalysis:
    """Counted from one fixed start day (apy.REFERENCE_START), so the same offer and profile always
    give the same figures, today or in a replay years later."""
    deposit = Decimal(profile["deposit"])
    projection = project(terms, deposit, horizon_months(profile), start=REFERENCE_START,
                         direct_deposit=bool(profile["direct_deposit"]),
                         keeps_minimum_balance=bool(profile["keeps_minimum_balance"]))
    return SavingsAnalysis(terms, projection, account_apy(terms, deposit), check_stated_apy(terms))
