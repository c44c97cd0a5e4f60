"""Regulation DD (12 CFR 1030) Appendix A, Part I: every worked example reproduces, its figures quoted as
the appendix prints them (principal, rates, days, interest, APY to two decimals), and the APY computed
from terms agrees with a day-by-day simulation of the same account. The appendix's text is quoted from
the Bureau's RegML of 12 CFR 1030 (FR doc. 2011-31727); docs/apy.md says where each example is."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candor_savings.apy import (
    ACCURACY_TOLERANCE,
    REFERENCE_START,
    AccountApy,
    ApyCheck,
    RateStep,
    account_apy,
    check_stated_apy,
    composite_rate,
    days_in_months,
    general_formula,
    round_apy,
    simple_formula,
    term_interest,
    tier_apy_range,
    tier_portions,
    tiered_interest,
)
from candor_savings.earnings import project
from candor_savings.terms import TERMS_SCHEMA, SavingsTerms, parse_terms

CENT = Decimal("0.01")
D = Decimal
APPENDIX_TIERS = [(D("2500.01"), D("5.50")), (D("15000.01"), D("5.75"))]
"""Part I.D's table — 5.25% "Up to but not exceeding $2,500", 5.50% "Above $2,500 but not exceeding
$15,000", 5.75% "Above $15,000" — as the first balance of each tier."""
APRIL_FIRST = date(2025, 4, 1)
"""From here the next three months "contain 91 days" and the three after them 92 (Part I.B, I.C)."""


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def account(**changes: Any) -> SavingsTerms:
    return parse_terms({**TERMS_SCHEMA["examples"][0], "tiers": [], "tiering_method": None, "compounding": "daily",
                        "monthly_fee": "0.00", "fee_waivers": {}, **changes})


def certificate(**changes: Any) -> SavingsTerms:
    return account(account_type="cd", early_withdrawal="penalty", early_withdrawal_penalty_days=180,
                   crediting="at_maturity", **changes)


# --- Part I.A: the general formula ----------------------------------------------------------------------


def test_part_i_a_example_1_a_now_account() -> None:
    # "$61.68 in interest for a 365-day year on $1,000 deposited into a NOW account ... 6.17%", by the
    # general formula and by the simple one.
    assert round_apy(general_formula(D("61.68"), D("1000"), 365)) == D("6.17")
    assert round_apy(simple_formula(D("61.68"), D("1000"))) == D("6.17")


def test_part_i_a_example_2_a_six_month_certificate_of_182_days() -> None:
    # "$30.37 in interest on a $1,000 six-month certificate of deposit (... contains 182 days) ... 6.18%"
    assert round_apy(general_formula(D("30.37"), D("1000"), 182)) == D("6.18")


@pytest.mark.parametrize(("interest", "principal", "days"), [("1", "0", 365), ("1", "100", 0), ("-100", "100", 365)])
def test_general_formula_refuses_what_has_no_yield(interest: str, principal: str, days: int) -> None:
    with pytest.raises(ValueError):
        general_formula(D(interest), D(principal), days)


# --- Part I.B: stepped rates ------------------------------------------------------------------------------


def test_part_i_b_example_1_a_stepped_six_month_certificate() -> None:
    # "$1,000 6-month certificate ... 5% interest rate, compounded daily, for the first three months (which
    # contain 91 days), and a 5.5% ... for the next three months (which contain 92 days), the total interest
    # for six months is $26.68 ... 5.39%"
    interest = term_interest(D("1000"), [RateStep(D("5.00"), 91), RateStep(D("5.50"), 92)], "daily")
    assert cents(interest) == D("26.68")
    assert round_apy(general_formula(D("26.68"), D("1000"), 183)) == D("5.39")
    terms = certificate(term_months=6, interest_rate="5.50", promotional_rate="5.00", promotional_months=3)
    assert account_apy(terms, D("1000"), start=APRIL_FIRST).rounded == D("5.39")


def test_part_i_b_example_2_a_stepped_two_year_certificate() -> None:
    # "$1,000 two-year certificate ... 6% ..., compounded daily, for the first year, and a 6.5% ... for the
    # next year, the total interest for two years is $133.13 ... 6.45%"
    interest = term_interest(D("1000"), [RateStep(D("6.00"), 365), RateStep(D("6.50"), 365)], "daily")
    assert round_apy(general_formula(D("133.13"), D("1000"), 730)) == D("6.45")
    # The appendix gives only the total. Unrounded, two years of daily compounding earn $133.136; its
    # $133.13 is what follows when the first year's $61.83 is credited to the cent before the second
    # year compounds on it (our reading: the appendix does not show its working). Both give 6.45%.
    first_year = cents(term_interest(D("1000"), [RateStep(D("6.00"), 365)], "daily"))
    second_year = term_interest(D("1000") + first_year, [RateStep(D("6.50"), 365)], "daily")
    assert first_year == D("61.83") and cents(first_year + second_year) == D("133.13")
    assert abs(interest - D("133.13")) < CENT
    terms = certificate(term_months=24, interest_rate="6.50", promotional_rate="6.00", promotional_months=12)
    assert account_apy(terms, D("1000")).rounded == D("6.45")


# --- Part I.C: a variable rate with an introductory rate, computed like a stepped rate -------------------------


def test_part_i_c_example_an_introductory_rate_then_the_variable_rate() -> None:
    # "7% interest rate, compounded daily, for the first three months (which, for example, contain 91 days),
    # while the variable interest rate ... was 5%, the total interest for a 365-day year for a $1,000 deposit
    # is $56.52 (based on 91 days at 7% followed by 274 days at 5%) ... 5.65%"
    interest = term_interest(D("1000"), [RateStep(D("7.00"), 91), RateStep(D("5.00"), 274)], "daily")
    assert cents(interest) == D("56.52")
    assert round_apy(simple_formula(D("56.52"), D("1000"))) == D("5.65")
    teaser = account(interest_rate="5.00", promotional_rate="7.00", promotional_months=3)
    assert account_apy(teaser, D("1000"), start=APRIL_FIRST).rounded == D("5.65")


# --- Part I.D: tiered rates ---------------------------------------------------------------------------------


def tiered(method: str) -> SavingsTerms:
    return account(interest_rate="5.25", tiering_method=method,
                   tiers=[{"balance_from": format(start, "f"), "interest_rate": format(rate, "f")}
                          for start, rate in APPENDIX_TIERS])


def test_part_i_d_method_a_pays_the_tier_rate_on_the_whole_balance() -> None:
    # "if a consumer deposits $8,000, the institution pays the 5.50% interest rate on the entire $8,000"
    assert tier_portions(D("8000"), D("5.25"), APPENDIX_TIERS, "whole_balance") == [(D("8000"), D("5.50"))]
    # "First tier ... $53.90 in interest on a $1,000 deposit. Using the general formula ... 5.39%"
    assert round_apy(general_formula(D("53.90"), D("1000"), 365)) == D("5.39")


@pytest.mark.parametrize(("deposit", "interest", "apy"), [
    ("1000", "53.90", "5.39"), ("8000", "452.29", "5.65"), ("20000", "1183.61", "5.92"),
])
def test_part_i_d_method_a_examples(deposit: str, interest: str, apy: str) -> None:
    earned = tiered_interest(D(deposit), D("5.25"), APPENDIX_TIERS, "whole_balance", "daily", 365)
    assert cents(earned) == D(interest)
    assert round_apy(simple_formula(D(interest), D(deposit))) == D(apy)
    assert account_apy(tiered("whole_balance"), D(deposit)).rounded == D(apy)


@pytest.mark.parametrize(("deposit", "portions"), [
    ("8000", [("2500", "5.25"), ("5500", "5.50")]),
    ("2500.01", [("2500", "5.25"), (".01", "5.50")]),
    ("15000", [("2500", "5.25"), ("12500", "5.50")]),
    ("15000.01", [("2500", "5.25"), ("12500", "5.50"), (".01", "5.75")]),
    ("100000", [("2500", "5.25"), ("12500", "5.50"), ("85000", "5.75")]),
    ("1000000", [("2500", "5.25"), ("12500", "5.50"), ("985000", "5.75")]),
])
def test_part_i_d_method_b_pays_each_portion_its_own_rate(deposit: str, portions: list[tuple[str, str]]) -> None:
    # e.g. "For $2,500.01, interest would be figured on $2,500 at 5.25% interest rate plus interest on $.01
    # at 5.50%"; "$8,000 ... 5.25% on $2,500 and 5.50% on $5,500"
    expected = [(D(amount), D(rate)) for amount, rate in portions]
    assert tier_portions(D(deposit), D("5.25"), APPENDIX_TIERS, "portion") == expected


@pytest.mark.parametrize(("deposit", "interest", "divided_by", "apy"), [
    ("1000", "53.90", "1000", "5.39"),  # first tier
    ("2500.01", "134.75", "2500", "5.39"),  # second tier, low end: "APY = 100 (134.75/2,500)"
    ("15000", "841.45", "15000", "5.61"),  # second tier, high end
    ("15000.01", "841.45", "15000", "5.61"),  # third tier, low end: "APY = 100 (841.45/15,000)"
    ("100000", "5871.79", "100000", "5.87"),  # third tier, high end at an assumed $100,000
    ("1000000", "59134.22", "1000000", "5.91"),  # or at an assumed $1,000,000
])
def test_part_i_d_method_b_examples(deposit: str, interest: str, divided_by: str, apy: str) -> None:
    earned = tiered_interest(D(deposit), D("5.25"), APPENDIX_TIERS, "portion", "daily", 365)
    assert cents(earned) == D(interest)
    assert round_apy(simple_formula(D(interest), D(divided_by))) == D(apy)
    assert account_apy(tiered("portion"), D(deposit)).rounded == D(apy), "dividing by the balance itself"


@pytest.mark.parametrize(("method", "assumed_maximum", "ranges"), [
    ("portion", "100000", [("5.39", "5.39"), ("5.39", "5.61"), ("5.61", "5.87")]),
    ("portion", "1000000", [("5.39", "5.39"), ("5.39", "5.61"), ("5.61", "5.91")]),
    ("whole_balance", "1000000", [("5.39", "5.39"), ("5.65", "5.65"), ("5.92", "5.92")]),
])
def test_part_i_d_the_apy_range_of_each_tier(method: str, assumed_maximum: str, ranges: list[tuple[str, str]]) -> None:
    # Method B: "the annual percentage yield range for the second tier is 5.39% to 5.61%"; for the third
    # "5.61% to 5.87%" (or "5.61% to 5.91%" at $1,000,000). Method A: "only one annual percentage yield
    # will apply to each tier".
    terms = tiered(method)
    found = [tuple(apy.rounded for apy in tier_apy_range(terms, position, assumed_maximum=D(assumed_maximum)))
             for position in range(3)]
    assert found == [(D(low), D(high)) for low, high in ranges]
    with pytest.raises(ValueError):
        tier_apy_range(terms, 3, assumed_maximum=D(assumed_maximum))
    with pytest.raises(ValueError):
        tier_apy_range(terms, 2, assumed_maximum=D("15000"))


# --- Part I.E: time accounts of more than a year paying interest out at least annually -------------------------


def cd_terms(**changes: Any) -> dict[str, Any]:
    example = TERMS_SCHEMA["examples"][0]
    return {**example, "product_name": "CD", "account_type": "cd", "term_months": 24, "tiers": [],
            "tiering_method": None, "compounding": "none", "crediting": "semiannually", "interest_paid_out": True,
            "interest_rate": "6.00", "stated_apy": "6.00", "monthly_fee": "0.00", "fee_waivers": {},
            "early_withdrawal": "penalty", "early_withdrawal_penalty_days": 180, **changes}


def test_part_i_e_example_1_a_two_year_cd_paying_interest_out_semiannually_states_its_rate() -> None:
    # "$1,000 two-year certificate of deposit that does not compound and that pays out interest
    # semi-annually by check or transfer at a 6.00% interest rate, the annual percentage yield may be
    # disclosed as 6.00%"
    apy = account_apy(parse_terms(cd_terms()), D("1000"))
    assert apy.rounded == D("6.00") and apy.method == "interest rate (Part I.E)"


def test_part_i_e_example_2_a_stepped_three_year_cd_paying_out_annually_states_its_composite_rate() -> None:
    # "5.00% ... for the first year, 6.00% ... for the second year, and 7.00% ... for the third year":
    # "(5.00% × 365 days) 1825, (6.00% × 365 days) 2190, and (7.00% × 365 days) 2555 ... The sum of these
    # products, 6570, is divided by 1095 ... The composite interest rate and APY are both 6.00%."
    steps = [RateStep(D("5.00"), 365), RateStep(D("6.00"), 365), RateStep(D("7.00"), 365)]
    assert [step.rate * step.days for step in steps] == [D("1825"), D("2190"), D("2555")]
    assert sum(step.days for step in steps) == 1095
    assert round_apy(composite_rate(steps)) == D("6.00")


def test_without_paying_out_the_same_cd_takes_the_general_formula_and_yields_less_than_its_rate() -> None:
    terms = parse_terms(cd_terms(crediting="at_maturity", interest_paid_out=False))
    apy = account_apy(terms, D("1000"))
    assert apy.method == "general formula" and apy.rounded < D("6.00")


# --- §1030.3(f): rounding and accuracy ---------------------------------------------------------------------------


def test_rounding_follows_the_official_interpretation() -> None:
    # Comment 3(f)(1)-1: "5.644%, rounded down and disclosed as 5.64%; 5.645% rounded up and disclosed as 5.65%"
    assert round_apy(D("5.644")) == D("5.64") and round_apy(D("5.645")) == D("5.65")


def test_a_stated_apy_is_accurate_up_to_one_twentieth_of_a_point_either_way() -> None:
    # §1030.3(f)(2): accurate "if not more than one-twentieth of one percentage point (.05%) above or below"
    assert ACCURACY_TOLERANCE == D("0.05")
    exact = account_apy(account(interest_rate="5.25"), D("1000")).exact
    computed = AccountApy(exact.quantize(D("1e-12")), "general formula")  # short enough for exact sums
    for off, flagged in [(D("0.05"), False), (D("0.0500001"), True)]:
        for stated in (computed.exact + off, computed.exact - off):
            assert ApyCheck("the account", D("1000"), stated, computed).flagged is flagged


# --- stated APYs ----------------------------------------------------------------------------------------------


def test_a_stated_apy_within_the_tolerance_passes_and_one_beyond_it_is_flagged() -> None:
    example = TERMS_SCHEMA["examples"][0]
    honest = check_stated_apy(parse_terms(example))
    assert [check.flagged for check in honest] == [False, False]
    assert honest[0].computed.rounded == D("4.08") and honest[1].computed.rounded == D("4.34")
    teaser = parse_terms({**example, "stated_apy": "4.20"})
    flagged = check_stated_apy(teaser)[0]
    assert flagged.flagged and flagged.difference > ACCURACY_TOLERANCE
    assert "4.20%" in flagged.describe() and "4.08%" in flagged.describe() and "higher" in flagged.describe()


def test_a_teaser_rate_is_in_the_apy_only_for_its_months() -> None:
    example = TERMS_SCHEMA["examples"][0]
    teaser = parse_terms({**example, "tiers": [], "tiering_method": None, "interest_rate": "1.00",
                          "promotional_rate": "5.00", "promotional_months": 3})
    apy = account_apy(teaser, D(1000)).rounded
    steps = [RateStep(D("5.00"), days_in_months(REFERENCE_START, 3)), RateStep(D("1.00"), 365 - 90)]
    assert apy == round_apy(general_formula(term_interest(D(1000), steps, "daily"), D(1000), 365))
    assert D("1.9") < apy < D("2.1"), "about a quarter of a year at 5% and the rest at 1%"


def test_below_the_balance_that_earns_interest_the_apy_is_zero() -> None:
    terms = parse_terms({**TERMS_SCHEMA["examples"][0], "minimum_balance_for_apy": "2500.00"})
    assert account_apy(terms, D("2499.99")).exact == 0
    assert account_apy(terms, D("2500")).rounded == D("4.08")


# --- the property: Appendix A's closed form against a day-by-day simulation -------------------------------------

rates = st.decimals(min_value=D("0.01"), max_value=D("12.00"), places=2)
deposits = st.decimals(min_value=D("1000"), max_value=D("250000"), places=2)
MONTHS_BETWEEN = {"monthly": 1, "quarterly": 3, "semiannually": 6, "annually": 12}


def simulate_day_by_day(terms: SavingsTerms, deposit: Decimal, months: int) -> Decimal:
    """The plainest reading of the terms: every day, interest at 1/365 of the rate on the balance
    that earns (the teaser rate in its months; by tier otherwise); it compounds every day, or at the
    end of every n months, or never. Unrounded; no fees; nothing credited separately."""
    earning, pending = deposit, D(0)
    for month in range(1, months + 1):
        days = days_in_months(REFERENCE_START, month) - days_in_months(REFERENCE_START, month - 1)
        for _ in range(days):
            if month <= (terms.promotional_months or 0):
                rate_paid = (terms.promotional_rate or D(0)) * earning
            else:
                tiers = [(tier.balance_from, tier.interest_rate) for tier in terms.tiers]
                rate_paid = sum((amount * rate for amount, rate in tier_portions(
                    earning, terms.interest_rate, tiers, terms.tiering_method)), D(0))
            pending += rate_paid / 36500
            if terms.compounding == "daily":
                earning, pending = earning + pending, D(0)
        step = MONTHS_BETWEEN.get(terms.compounding)
        if step is not None and month % step == 0:
            earning, pending = earning + pending, D(0)
    return earning + pending - deposit


@st.composite
def accounts(draw: st.DrawFn, *, tiered: bool = False) -> dict[str, Any]:
    account_type = draw(st.sampled_from(["savings", "money_market", "cd"]))
    compounding = draw(st.sampled_from(["daily", "monthly", "quarterly", "semiannually", "annually", "none"]))
    terms = {**TERMS_SCHEMA["examples"][0], "account_type": account_type, "tiers": [], "tiering_method": None,
             "interest_rate": str(draw(rates)), "compounding": compounding, "monthly_fee": "0.00", "fee_waivers": {},
             "crediting": "monthly" if compounding in ("daily", "monthly", "none") else compounding}
    if account_type == "cd":
        term = draw(st.sampled_from([3, 6, 9, 12, 18, 24, 36, 60]))
        terms.update(term_months=term, early_withdrawal="penalty", early_withdrawal_penalty_days=90,
                     crediting=draw(st.sampled_from(["at_maturity", terms["crediting"]])))
    if tiered:
        floors = sorted(set(draw(st.lists(st.integers(min_value=1000, max_value=200000), min_size=1, max_size=3))))
        terms.update(tiering_method=draw(st.sampled_from(["whole_balance", "portion"])),
                     tiers=[{"balance_from": f"{floor}.00", "interest_rate": str(draw(rates))} for floor in floors])
    elif draw(st.booleans()):
        term = terms.get("term_months") or 12
        if term > 1:
            terms.update(promotional_rate=str(draw(rates)),
                         promotional_months=draw(st.integers(min_value=1, max_value=min(term - 1, 11))))
    return terms


def months_of(terms: SavingsTerms) -> int:
    return terms.term_months if terms.is_time_account and terms.term_months else 12


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(), deposits)
def test_the_apy_matches_a_day_by_day_simulation(raw: dict[str, Any], deposit: Decimal) -> None:
    terms = parse_terms(raw)
    months = months_of(terms)
    simulated = general_formula(simulate_day_by_day(terms, deposit, months), deposit,
                                days_in_months(REFERENCE_START, months))
    computed = account_apy(terms, deposit)
    assert abs(simulated - computed.exact) < D("0.005"), (simulated, computed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(accounts(), accounts(tiered=True)), deposits)
def test_the_projection_earns_what_the_day_by_day_simulation_does(raw: dict[str, Any], deposit: Decimal) -> None:
    """The projection works a month at a time (earnings.py); to the cent it is the day-by-day account,
    tiers crossed by compounding included."""
    terms = parse_terms(raw)
    months = months_of(terms)
    simulated = simulate_day_by_day(terms, deposit, months)
    assert abs(project(terms, deposit, months, start=REFERENCE_START).interest - simulated) <= CENT


@pytest.mark.parametrize("method", ["whole_balance", "portion"])
@pytest.mark.parametrize("tier_rate", ["9.00", "1.00"])
def test_a_balance_that_compounds_into_the_next_tier_mid_month_earns_as_day_by_day(method: str, tier_rate: str) -> None:
    terms = parse_terms({**TERMS_SCHEMA["examples"][0], "tiers": [{"balance_from": "10000.00", "interest_rate": tier_rate}],
                         "tiering_method": method, "interest_rate": "5.00", "monthly_fee": "0.00", "fee_waivers": {}})
    deposit = D("9990.00")  # about $1.37 a day: the tier is reached in the first month's second week
    projection = project(terms, deposit, 12, start=REFERENCE_START)
    assert abs(projection.interest - simulate_day_by_day(terms, deposit, 12)) <= CENT


@settings(max_examples=60, deadline=None)
@given(accounts(), st.decimals(min_value=D("-0.50"), max_value=D("0.50"), places=2))
def test_a_stated_apy_is_flagged_exactly_when_it_is_more_than_the_tolerance_off(raw: dict[str, Any],
                                                                               error: Decimal) -> None:
    computed = account_apy(parse_terms(raw), max(D(raw["minimum_opening_deposit"]), D(1)))
    stated = max(computed.rounded + error, D(0))
    check = check_stated_apy(parse_terms({**raw, "stated_apy": format(stated, "f")}))[0]
    assert check.flagged == (abs(stated - computed.exact) > ACCURACY_TOLERANCE)
    if error == 0:
        assert not check.flagged, "the APY rounded as the regulation says is never flagged"
