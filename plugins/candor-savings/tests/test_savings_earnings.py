"""The earnings projection: interest, fees and waivers, the CD penalty, the teaser that drops, and a
balance for every month — all in Decimal, all reconciling to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from candor_savings.earnings import Projection, project
from candor_savings.terms import TERMS_SCHEMA, SavingsTerms, parse_terms

D = Decimal
START = date(2026, 1, 1)


def savings(**changes: Any) -> SavingsTerms:
    base = {**TERMS_SCHEMA["examples"][0], "tiers": [], "tiering_method": None}
    return parse_terms({**base, **changes})


def cd(**changes: Any) -> SavingsTerms:
    return savings(**{"account_type": "cd", "term_months": 12, "crediting": "at_maturity", "monthly_fee": "0.00",
                      "fee_waivers": {}, "early_withdrawal": "penalty", "early_withdrawal_penalty_days": 90,
                      "interest_rate": "5.00", **changes})


def reconciles(projection: Projection) -> None:
    assert all(isinstance(value, Decimal) for value in projection.balance_by_month)
    assert len(projection.balance_by_month) == projection.months + 1
    assert projection.balance_by_month[0] == projection.deposit
    assert projection.balance_by_month[-1] == projection.deposit + projection.interest - projection.fees
    assert projection.final_value == projection.balance_by_month[-1] - projection.penalty


def test_a_year_of_daily_compounding_earns_what_the_apy_says() -> None:
    projection = project(savings(monthly_fee="0.00"), D(10000), 12, start=START)
    # 4.00% compounded daily is an APY of 4.08%: $408.08 on $10,000 in a year.
    assert projection.interest == D("408.08") and projection.fees == 0 and projection.penalty == 0
    assert projection.net_earnings == D("408.08")
    reconciles(projection)
    assert list(projection.balance_by_month) == sorted(projection.balance_by_month)


def test_the_monthly_fee_is_charged_unless_waived() -> None:
    small = D(300)  # below the $500 that waives the fee
    charged = project(savings(), small, 12, start=START)
    assert charged.fees == D("60.00") and charged.net_earnings < 0
    reconciles(charged)
    assert project(savings(), small, 12, start=START, direct_deposit=True).fees == 0
    assert project(savings(), D(500), 12, start=START).fees == 0
    assert project(savings(), D(500), 12, start=START, keeps_minimum_balance=False).fees == D("60.00")


def test_a_fee_never_takes_the_balance_below_zero() -> None:
    projection = project(savings(monthly_fee="25.00", fee_waivers={}), D(40), 6, start=START)
    assert projection.final_value >= 0 and projection.balance_by_month[-1] >= 0
    assert projection.fees <= D(40) + projection.interest


def test_a_cd_kept_to_maturity_pays_no_penalty_and_nothing_after() -> None:
    twelve = project(cd(), D(10000), 12, start=START)
    eighteen = project(cd(), D(10000), 18, start=START)
    assert twelve.penalty == 0 and twelve.matures_in_horizon
    assert eighteen.interest == twelve.interest, "a matured CD earns nothing more in the projection"
    assert eighteen.balance_by_month[12:] == (twelve.balance_by_month[-1],) * 7
    reconciles(eighteen)


def test_breaking_a_cd_early_costs_its_penalty_in_days_of_interest() -> None:
    projection = project(cd(), D(10000), 6, start=START)
    # 90 days of simple interest at 5.00% on about $10,247 withdrawn.
    withdrawn = projection.balance_by_month[-1]
    assert projection.penalty == (withdrawn * D("0.05") * 90 / 365).quantize(D("0.01"))
    assert D(120) < projection.penalty < D(130)
    assert projection.net_earnings == projection.interest - projection.penalty
    reconciles(projection)


def test_a_steep_penalty_can_eat_into_the_deposit() -> None:
    projection = project(cd(term_months=60, early_withdrawal_penalty_days=730), D(10000), 3, start=START)
    assert projection.net_earnings < 0 and projection.final_value < D(10000)


def test_a_locked_cd_is_not_available_before_maturity() -> None:
    locked = cd(early_withdrawal="not_allowed", early_withdrawal_penalty_days=None)
    assert not project(locked, D(5000), 6, start=START).available_at_horizon
    assert project(locked, D(5000), 12, start=START).available_at_horizon


def test_a_teaser_rate_drops_after_its_months() -> None:
    teaser = savings(monthly_fee="0.00", interest_rate="1.00", promotional_rate="6.00", promotional_months=3)
    steady = savings(monthly_fee="0.00", interest_rate="4.00")
    three = (project(teaser, D(10000), 3, start=START), project(steady, D(10000), 3, start=START))
    twelve = (project(teaser, D(10000), 12, start=START), project(steady, D(10000), 12, start=START))
    assert three[0].interest > three[1].interest, "over three months the teaser earns more"
    assert twelve[0].interest < twelve[1].interest, "over a year the steady rate does"
    monthly = [later - earlier for earlier, later in zip(twelve[0].balance_by_month, twelve[0].balance_by_month[1:])]
    assert min(monthly[:3]) > 4 * max(monthly[3:]), "the teaser's months earn about six times the rest"


def test_tiers_pay_the_rate_of_the_balance() -> None:
    tiered = savings(monthly_fee="0.00", tiers=[{"balance_from": "25000.00", "interest_rate": "5.00"}],
                     tiering_method="whole_balance")
    below, above = project(tiered, D("24000"), 12, start=START), project(tiered, D("26000"), 12, start=START)
    assert below.interest / 24000 < D("0.042") < above.interest / 26000


def test_simple_interest_paid_out_does_not_compound() -> None:
    paid = cd(term_months=24, compounding="none", crediting="annually", interest_paid_out=True)
    projection = project(paid, D(10000), 24, start=START)
    assert projection.interest == D("1000.00"), "5% a year on $10,000, twice, with no interest on interest"
    reconciles(projection)


def test_below_the_balance_that_earns_nothing_is_earned() -> None:
    projection = project(savings(monthly_fee="0.00", minimum_balance_for_apy="1000.00"), D(999), 12, start=START)
    assert projection.interest == 0


@pytest.mark.parametrize(("deposit", "months"), [(D(0), 12), (D(-5), 12), (D(100), 0), (D(100), 121)])
def test_impossible_projections_are_refused(deposit: Decimal, months: int) -> None:
    with pytest.raises(ValueError):
        project(savings(), deposit, months, start=START)
