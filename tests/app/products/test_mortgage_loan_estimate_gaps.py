"""The Loan Estimate's section H, lender credits and a financed FHA upfront premium or VA funding fee
(issue 17, part 2): a worked Loan Estimate checked line by line by hand, the identities over random
offers, the new terms fields refused clearly when wrong or implausible, and a shopper's journey through
the sandbox market with a lender that gives a credit — logged, shown and replayed."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from app.comparison.api import load_result, replay
from app.db import db
from app.products import get_product_line
from app.products.base import InvalidTerms
from app.products.mortgage.amortization import NOTIONAL_CLOSING
from app.products.mortgage.analysis import analyse
from app.products.mortgage.apr import annual_percentage_rate
from app.products.mortgage.closing_costs import LoanEstimate, credits_beyond_closing_costs, loan_estimate
from app.products.mortgage.full_cost import full_cost
from app.products.mortgage.monthly_cost import Assumptions, monthly_cost
from providers.sandbox.lenders import credit_lenders, mortgage_lenders
from providers.sandbox.market import SandboxMarket
from tests.factories import mortgage_form, mortgage_profile, mortgage_terms

line = get_product_line("mortgage")
CENT = Decimal("0.01")


def figures(terms: dict[str, Any], profile: dict[str, Any],
            assumptions: Assumptions | None = None) -> tuple[Any, Any, LoanEstimate]:
    typed = line.parse_terms(terms)
    analysis = analyse(typed, profile)
    assumptions = assumptions or Assumptions()
    cost = monthly_cost(typed, profile, analysis, assumptions)
    return analysis, cost, loan_estimate(typed, profile, analysis, cost, assumptions)


def lines(estimate: LoanEstimate, letter: str) -> list[tuple[str, Decimal, str]]:
    return [(item.key, item.amount, item.by) for item in estimate.section(letter).items]


# --- a worked Loan Estimate, every line by hand ------------------------------------------------------

WORKED_PROFILE = mortgage_profile(property_value="300000.00", down_payment="60000.00", loan_amount="240000.00",
                                  years_expected=7)
WORKED_TERMS = mortgage_terms(
    note_rate="6.000", points="0.500", lender_fees="1000.00", other_prepaid_finance_charges="0.00",
    loan_amount="240000.00", monthly_payment="1438.92", apr=None, lender_credits="1500.00",
    closing_costs={
        "cannot_shop": {"appraisal": "500.00", "credit_report": "50.00"},
        "can_shop": {"title_insurance": "1200.00", "settlement_agent": "600.00"},
        "taxes": {"recording_fees": "100.00"},
        "other": {"owners_title_insurance": "800.00", "home_inspection": "400.00"},
    },
)


def test_a_worked_loan_estimate_with_section_h_and_a_lender_credit() -> None:
    """$300,000 home, $60,000 down, $240,000 at 6.000% for 30 years, half a point, $1,000 of lender fees,
    a $1,500 lender credit; the lender itemises B, C, E and H; a $5,000 deposit."""
    analysis, cost, estimate = figures(WORKED_TERMS, WORKED_PROFILE, Assumptions(deposit=Decimal("5000.00")))
    # A: 0.5% of $240,000 = $1,200.00 of points, and $1,000.00 of fees.
    assert lines(estimate, "A") == [("points", Decimal("1200.00"), "lender"), ("lender_fees", Decimal("1000.00"), "lender")]
    assert lines(estimate, "B") == [("appraisal", Decimal("500.00"), "lender"), ("credit_report", Decimal("50.00"), "lender")]
    assert lines(estimate, "C") == [("title_insurance", Decimal("1200.00"), "lender"),
                                    ("settlement_agent", Decimal("600.00"), "lender")]
    assert estimate.loan_costs == Decimal("4550.00")  # D = 2,200 + 550 + 1,800
    assert lines(estimate, "E") == [("recording_fees", Decimal("100.00"), "lender")]
    # F: a year of insurance, $1,500.00; 15 days at $240,000 × 6% / 365 = $39.45 a day, $591.75.
    assert lines(estimate, "F") == [("homeowners_insurance", Decimal("1500.00"), "assumed"),
                                    ("prepaid_interest", Decimal("591.75"), "assumed")]
    # G: 3 months of $125.00 insurance and of $250.00 property tax (1% of $300,000 a year).
    assert lines(estimate, "G") == [("homeowners_insurance", Decimal("375.00"), "assumed"),
                                    ("property_taxes", Decimal("750.00"), "assumed")]
    assert lines(estimate, "H") == [("owners_title_insurance", Decimal("800.00"), "lender"),
                                    ("home_inspection", Decimal("400.00"), "lender")]
    assert estimate.other_costs == Decimal("4516.75")  # I = 100 + 2,091.75 + 1,125 + 1,200
    assert estimate.lender_credits == Decimal("1500.00")
    assert estimate.total == Decimal("7566.75")  # J = 4,550 + 4,516.75 − 1,500
    assert estimate.cash_to_close == Decimal("62566.75")  # J + $60,000 down − $5,000 deposit
    # The monthly cost: $240,000 at 0.5% a month over 360 months is $1,438.92; 20% down, no PMI.
    assert cost.principal_and_interest == Decimal("1438.92")
    assert cost.total == Decimal("1438.92") + Decimal("250.00") + Decimal("125.00")
    # Ranked: the credit is money back at closing. What the buyer pays the lender at closing is
    # $1,200 + $1,000 − $1,500 = $700.00; the APR's prepaid finance charge is the same $700.00.
    assert analysis.at_closing == Decimal("700.00") and analysis.amount_financed == Decimal("239300.00")
    assert analysis.horizon_cost == Decimal("700.00") + analysis.schedule.interest_paid(84)
    assert analysis.apr == annual_percentage_rate(Decimal("239300.00"), analysis.schedule.dated_payments(),
                                                  advanced_on=NOTIONAL_CLOSING, unit_period="month", places=3)


def test_the_credit_is_counted_in_the_ranked_cost_and_the_apr_as_money_back_at_closing() -> None:
    without = analyse(line.parse_terms({**WORKED_TERMS, "lender_credits": None}), WORKED_PROFILE)
    with_credit = analyse(line.parse_terms(WORKED_TERMS), WORKED_PROFILE)
    assert without.horizon_cost - with_credit.horizon_cost == Decimal("1500.00")
    assert with_credit.apr < without.apr
    # The same prepaid finance charge without a credit — no points, $700 of fees — is the same APR.
    same = analyse(line.parse_terms({**WORKED_TERMS, "lender_credits": None, "points": "0", "lender_fees": "700.00",
                                     "closing_costs": None}), WORKED_PROFILE)
    assert same.apr == with_credit.apr and same.horizon_cost == with_credit.horizon_cost
    values = line.assess(line.parse_terms(WORKED_TERMS), WORKED_PROFILE).values
    assert values["horizon_cost"] == with_credit.horizon_cost and values["apr"] == with_credit.apr
    # A credit beyond the finance charges pays third parties: the ranked cost counts it all, the APR
    # only what offsets the finance charges ($2,200 here).
    large = analyse(line.parse_terms({**WORKED_TERMS, "lender_credits": "3000.00"}), WORKED_PROFILE)
    assert large.at_closing == Decimal("-800.00") and large.amount_financed == Decimal("240000.00")
    assert large.horizon_cost == without.horizon_cost - Decimal("3000.00")


# --- FHA and VA: financed or paid at closing ---------------------------------------------------------

FHA_PROFILE = mortgage_profile(property_value="200000.00", down_payment="7000.00", loan_amount="193000.00",
                               loan_type="fha")


def fha_terms(**changes: Any) -> dict[str, Any]:
    return mortgage_terms(loan_type="fha", note_rate="6.000", points="0", lender_fees="1000.00",
                          loan_amount=None, monthly_payment=None, apr=None, closing_costs=None, **changes)


def test_a_financed_fha_premium_grows_the_loan_and_is_not_charged_again_at_closing() -> None:
    """$193,000 FHA loan (3.5% down on $200,000) at 6.000%: 1.75% upfront premium = $3,377.50."""
    analysis, cost, estimate = figures(fha_terms(upfront_fee_financed=True), FHA_PROFILE)
    assert analysis.financed_guarantee == Decimal("3377.50")
    assert analysis.loan_amount == Decimal("196377.50")
    # $196,377.50 × 0.005 / (1 − 1.005^−360) = $1,177.38 (the base loan alone: $1,157.13).
    assert cost.principal_and_interest == Decimal("1177.38")
    assert "fha_upfront_premium" not in {item.key for item in estimate.section("B").items}
    assert estimate.financed_note == "FHA upfront premium $3,377.50, added to the loan"
    # The premium is a finance charge (1026.4(b)(5)): the amount financed is the base loan less the fees.
    assert analysis.amount_financed == Decimal("192000.00")
    # Its annual premium is on the base loan: 0.55% of $193,000 a year (96.5% LTV) = $88.46 a month.
    assert cost.mortgage_insurance == Decimal("88.46")
    # A quoted loan amount with the premium in it is the loan asked for.
    assert line.assess(line.parse_terms({**fha_terms(upfront_fee_financed=True), "loan_amount": "196377.50"}),
                       FHA_PROFILE).exclusion is None
    assert line.assess(line.parse_terms({**fha_terms(upfront_fee_financed=False), "loan_amount": "196377.50"}),
                       FHA_PROFILE).exclusion == "It is for a loan of $196,377.50; you asked for $193,000.00."


def test_an_fha_premium_paid_at_closing_is_in_section_b_and_the_cash_and_not_in_the_loan() -> None:
    analysis, cost, estimate = figures(fha_terms(upfront_fee_financed=False), FHA_PROFILE)
    financed, _, financed_estimate = figures(fha_terms(upfront_fee_financed=True), FHA_PROFILE)
    assert analysis.loan_amount == Decimal("193000.00") and cost.principal_and_interest == Decimal("1157.13")
    assert lines(estimate, "B")[-1] == ("fha_upfront_premium", Decimal("3377.50"), "rule")
    assert estimate.financed_note is None
    # The premium is a finance charge paid at closing: $193,000 − $1,000 − $3,377.50.
    assert analysis.amount_financed == Decimal("188622.50")
    # Paid in cash, the premium is in the cash to close; financed, it is not (B differs by exactly it;
    # prepaid interest and title insurance follow the larger loan).
    assert estimate.section("B").total - financed_estimate.section("B").total == Decimal("3377.50")
    # Financed costs more over the stay: the interest on the premium.
    assert financed.horizon_cost > analysis.horizon_cost


def test_an_offer_that_does_not_say_keeps_the_old_reading_so_older_entries_replay() -> None:
    legacy, _, estimate = figures(fha_terms(), FHA_PROFILE)
    # As before the field existed: the base loan, the premium paid at closing and left out of the APR.
    assert legacy.loan_amount == Decimal("193000.00") and legacy.amount_financed == Decimal("192000.00")
    assert lines(estimate, "B")[-1] == ("fha_upfront_premium", Decimal("3377.50"), "rule")


def test_a_financed_va_funding_fee() -> None:
    """$400,000 VA loan with nothing down: 2.15% = $8,600.00 added to the loan."""
    profile = mortgage_profile(property_value="400000.00", down_payment="0.00", loan_amount="400000.00",
                               loan_type="va")
    analysis, _, estimate = figures(mortgage_terms(loan_type="va", loan_amount="408600.00", monthly_payment=None,
                                                   apr=None, upfront_fee_financed=True), profile)
    assert analysis.loan_amount == Decimal("408600.00")
    assert analysis.points_amount == Decimal("4086.00")  # 1 point of the loan as made
    assert estimate.financed_note == "VA funding fee $8,600.00, added to the loan"
    assert "va_funding_fee" not in {item.key for item in estimate.section("B").items}
    assert estimate.cash_to_close == estimate.total  # nothing down


# --- the identities over random offers ------------------------------------------------------------

_money = st.decimals(min_value=0, max_value=20000, places=2)


@settings(max_examples=80, deadline=None)
@given(credit=_money, fees=_money, inspection=_money, owners_rate=st.decimals(0, 2, places=3),
       deposit=_money, seller=_money, loan_type=st.sampled_from(["conventional", "fha", "va"]),
       financed=st.sampled_from([None, True, False]), h_by_lender=st.booleans())
def test_j_is_d_plus_i_less_credits_and_cash_to_close_holds(credit, fees, inspection, owners_rate, deposit, seller,
                                                            loan_type, financed, h_by_lender) -> None:
    profile = mortgage_profile(property_value="300000.00", down_payment="30000.00", loan_amount="270000.00",
                               loan_type=loan_type)
    itemised = {"other": {"home_inspection": f"{inspection:.2f}"}} if h_by_lender else None
    terms = mortgage_terms(loan_type=loan_type, loan_amount=None, monthly_payment=None, apr=None,
                           lender_fees=f"{fees:.2f}", lender_credits=f"{credit:.2f}", upfront_fee_financed=financed,
                           closing_costs=itemised)
    chosen = Assumptions(home_inspection=inspection, owners_title_insurance_rate=owners_rate, deposit=deposit,
                         seller_credits=seller)
    analysis, _, estimate = figures(terms, profile, chosen)
    h = estimate.section("H").total
    if h_by_lender:
        assert h == inspection
    else:
        assert h == (Decimal(300000) * owners_rate / 100).quantize(CENT) + inspection
    assert estimate.other_costs == sum((estimate.section(letter).total for letter in "EFGH"), Decimal(0))
    before = estimate.loan_costs + estimate.other_costs
    assert estimate.lender_credits == min(credit, before)
    assert estimate.total == before - estimate.lender_credits
    assert estimate.cash_to_close == estimate.total + Decimal("30000.00") - deposit - seller
    # The upfront guarantee is charged once: in the loan or in section B, never both.
    in_b = sum((item.amount for item in estimate.section("B").items
                if item.key in ("fha_upfront_premium", "va_funding_fee")), Decimal(0))
    assert (in_b == 0) or (analysis.financed_guarantee == 0)
    assert analysis.loan_amount == Decimal("270000.00") + analysis.financed_guarantee
    # The ranked cost counts the whole credit.
    assert analysis.horizon_cost == analysis.upfront - credit + analysis.schedule.interest_paid(analysis.horizon_months)


# --- the new terms fields: refused clearly, implausible never ranked ------------------------------


@pytest.mark.parametrize(("changes", "field", "problem"), [
    ({"lender_credits": "-100.00"}, "lender_credits", "'-100.00' does not match"),
    ({"lender_credits": "1e5"}, "lender_credits", "'1e5' does not match"),
    ({"lender_credits": "1,000.00"}, "lender_credits", "'1,000.00' does not match"),
    ({"lender_credits": 1000}, "lender_credits", "1000 is not of type 'string', 'null'"),
    ({"lender_credits": "100.001"}, "lender_credits", "'100.001' does not match"),
    ({"lender_credits": "1000000000.00"}, "lender_credits", "'1000000000.00' does not match"),
    ({"upfront_fee_financed": "yes"}, "upfront_fee_financed", "'yes' is not of type 'boolean', 'null'"),
    ({"closing_costs": {"other": {"moving_van": "900.00"}}}, "closing_costs", "is not valid"),
    ({"closing_costs": {"other": {}}}, "closing_costs", "is not valid"),
])
def test_a_bad_new_terms_field_makes_the_offer_unusable_naming_it(changes: dict[str, Any], field: str,
                                                                  problem: str) -> None:
    with pytest.raises(InvalidTerms) as refused:
        line.parse_terms(mortgage_terms(**changes))
    assert refused.value.field_name.startswith(field), refused.value.field_name
    assert problem in str(refused.value)


def test_an_absurd_credit_or_one_larger_than_the_closing_costs_is_implausible_and_not_ranked() -> None:
    absurd = line.parse_terms(mortgage_terms(lender_credits="150000.00"))
    assert line.implausible(absurd) == ("Implausible — not ranked: its lender credit of $150,000.00 is too high to "
                                        "be a real offer.")
    typed = line.parse_terms(WORKED_TERMS)
    assert line.implausible(typed) is None
    # The worked example's closing costs before credits are $4,550.00 + $4,516.75 (with no deposit: the
    # same); a credit of one cent more is not a real offer.
    beyond = line.parse_terms({**WORKED_TERMS, "lender_credits": "9066.76"})
    reason = ("Implausible — not ranked: its lender credit of $9,066.76 is more than the $9,066.75 of closing costs "
              "it would pay.")
    assert credits_beyond_closing_costs(beyond, WORKED_PROFILE, analyse(beyond, WORKED_PROFILE)) == reason
    assert line.assess(beyond, WORKED_PROFILE).exclusion == reason
    at_most = line.parse_terms({**WORKED_TERMS, "lender_credits": "9066.75"})
    assert line.assess(at_most, WORKED_PROFILE).exclusion is None


def test_the_schema_example_shows_the_new_fields_and_old_terms_still_parse() -> None:
    example = line.terms_schema["examples"][0]
    assert "lender_credits" in example and "upfront_fee_financed" in example
    old = {key: value for key, value in example.items() if key not in ("lender_credits", "upfront_fee_financed")}
    typed = line.parse_terms(old)
    assert typed["lender_credits"] == 0 and typed["upfront_fee_financed"] is None


# --- a journey through the sandbox market ------------------------------------------------------------


@pytest.fixture
def credit_market() -> Iterator[SandboxMarket]:
    with SandboxMarket([*mortgage_lenders(), *credit_lenders()]) as running:
        yield running


def _reference(location: str) -> str:
    return re.search(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", location).group(0)  # type: ignore[union-attr]


def _journey(application: Flask, form: dict[str, str]) -> tuple[dict[str, Any], str]:
    client = application.test_client()
    location = client.post("/compare/mortgage", data=form).headers["Location"]
    with application.app_context():
        result = load_result(db.session, _reference(location))
    page = html.unescape(client.get(location).get_data(as_text=True))
    return result, page


def _replays_identically(application: Flask, result: dict[str, Any]) -> None:
    with application.app_context():
        again = replay(line, result)
    assert json.loads(json.dumps(again["explanation"], default=str)) == result["explanation"]
    assert [offer["quote_id"] for offer in again["ranking"]] == [offer["quote_id"] for offer in result["ranking"]]


def test_a_lender_credit_through_the_sandbox_market_is_ranked_shown_logged_and_replayed(
        make_apps, credit_market: SandboxMarket) -> None:
    application = make_apps(credit_market.provider_entries())
    # A buyer who moves in 3 years: the credit lender's higher rate matters less than its money back.
    result, page = _journey(application, mortgage_form(years_expected="3", max_points="0", preset="lowest_cost"))
    ranked = {offer["provider"]: offer for offer in result["ranking"]}
    assert "cedar_ridge" in ranked, [item["reason"] for item in result["excluded"]]
    cedar = ranked["cedar_ridge"]
    [terms] = [quote["terms"] for record in result["providers"] if record["provider"] == "cedar_ridge"
               for quote in record["quotes"]]
    assert terms["lender_credits"] == "5000.00"  # 1.25% of $400,000
    analysis = analyse(line.parse_terms(terms), result["profile"])
    assert Decimal(cedar["values"]["horizon_cost"]) == analysis.horizon_cost
    assert analysis.horizon_cost == Decimal("1195.00") - Decimal("5000.00") + analysis.schedule.interest_paid(36)
    position = [offer["provider"] for offer in result["ranking"]].index("cedar_ridge")
    # Counting its $5,000 back at closing, its higher rate costs least over a 3-year stay.
    assert position == 0 and min(Decimal(offer["values"]["horizon_cost"]) for offer in result["ranking"]) \
        == analysis.horizon_cost
    record = result["explanation"]["findings"]["closing_costs"][position]
    assert record["credit"] == "5000.00" and record["H"] == "425.00" and "H" in record["lender"]
    before = sum(Decimal(record[letter]) for letter in "ABCEFGH")
    assert Decimal(record["J"]) == before - Decimal("5000.00")
    assert Decimal(record["cash"]) == Decimal(record["J"]) + Decimal("100000")
    assert "−$5,000.00" in page and "J. Total closing costs (D + I − lender credits)" in page
    # Only the credit lender's estimate has the line; the others' J is D + I.
    assert page.count("data-lender-credits") == 1
    _replays_identically(application, result)
    # The results page's view for the buyer's own figures keeps the identity too.
    view = full_cost(result, {"home_inspection": "500"}, line.analyser(result), line.typed_terms(result))
    assert view is not None and view.estimates


def test_an_fha_journey_through_the_sandbox_market_finances_the_premium_and_says_so(app, client) -> None:
    location = client.post("/compare/mortgage", data=mortgage_form(
        property_value="200000", down_payment="7000", loan_type="fha")).headers["Location"]
    with app.app_context():
        result = load_result(db.session, _reference(location))
    assert result["ranking"], [item["reason"] for item in result["excluded"]]
    page = html.unescape(client.get(location).get_data(as_text=True))
    for record in result["explanation"]["findings"]["closing_costs"]:
        assert record["added"] == "3377.50"  # 1.75% of $193,000, in the loan, not in B
    assert "FHA upfront premium $3,377.50, added to the loan" in page
    # Every lender adds the premium to the loan: those quoting say so and quote the larger loan; the
    # published rate tables are read as doing so too.
    offered = [quote["terms"] for record in result["providers"] for quote in record["quotes"]]
    assert offered and all(terms["upfront_fee_financed"] is True for terms in offered)
    assert all(terms.get("loan_amount") in (None, "196377.50") for terms in offered)
    for offer in result["ranking"]:
        assert line.typed_terms(result)(offer)["loan_type"] == "fha"
        assert line.analyser(result)(offer).loan_amount == Decimal("196377.50")
    _replays_identically(app, result)
