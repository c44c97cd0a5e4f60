"""Closing costs in the Loan Estimate's sections and the cash to close (issue 17, part 2): worked
examples in Decimal, the sections always adding up, the lender's itemisation or our named
assumptions, hostile itemisations from real lenders on loopback, and the figures as the results page,
the API and the log show them — and replay."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from app.comparison.api import load_result, replay, run_comparison
from app.db import db
from app.products import get_product_line
from app.products.base import InvalidTerms
from app.products.mortgage.analysis import analyse
from app.products.mortgage.closing_costs import LoanEstimate, loan_estimate
from app.products.mortgage.monthly_cost import (
    Assumptions,
    InvalidAssumptions,
    logged_assumptions,
    monthly_cost,
    read_assumptions,
)
from app.products.mortgage.schemas import CLOSING_COST_ITEMS
from app.provider_registry import current_registry
from providers.sandbox.lender_pricing import quote_terms
from providers.sandbox.lender_request import MortgageProfile
from providers.sandbox.lenders import mortgage_lenders
from providers.sandbox.market import SandboxMarket
from providers.testing.faults import quote_reply, static_app
from providers.testing.plugin import loopback  # noqa: F401 - a pytest fixture
from tests.factories import mortgage_form, mortgage_profile, mortgage_terms

line = get_product_line("mortgage")


def estimate(terms: dict[str, Any], *, down: str = "100000.00", loan_type: str = "conventional",
             value: str = "500000.00", assumptions: Assumptions | None = None) -> LoanEstimate:
    loan = f"{Decimal(value) - Decimal(down):.2f}"
    profile = mortgage_profile(property_value=value, down_payment=down, loan_amount=loan, loan_type=loan_type)
    typed = line.parse_terms({**terms, "loan_type": loan_type, "loan_amount": loan, "monthly_payment": None,
                              "apr": None})
    analysis = analyse(typed, profile)
    assumptions = assumptions or Assumptions()
    return loan_estimate(typed, profile, analysis, monthly_cost(typed, profile, analysis, assumptions), assumptions)


def lines(estimate_: LoanEstimate, letter: str) -> list[tuple[str, Decimal, str]]:
    return [(item.key, item.amount, item.by) for item in estimate_.section(letter).items]


# --- worked examples ---------------------------------------------------------------------------------


def test_a_lender_that_itemises_its_services_and_our_assumptions_for_the_rest() -> None:
    """The schema's example: $400,000 at 6.125% with 1 point and $1,495 of lender fees; the lender
    itemises B (appraisal, credit report) and C (title insurance, settlement agent)."""
    figures = estimate(mortgage_terms())
    assert lines(figures, "A") == [("points", Decimal("4000.00"), "lender"), ("lender_fees", Decimal("1495.00"), "lender")]
    assert lines(figures, "B") == [("appraisal", Decimal("575.00"), "lender"), ("credit_report", Decimal("45.00"), "lender")]
    assert lines(figures, "C") == [("title_insurance", Decimal("1850.00"), "lender"),
                                   ("settlement_agent", Decimal("695.00"), "lender")]
    assert figures.loan_costs == Decimal("8660.00")
    assert lines(figures, "E") == [("recording_fees", Decimal("150.00"), "assumed"),
                                   ("transfer_taxes", Decimal("0.00"), "assumed")]
    # A year of insurance; 15 days of interest at $400,000 × 6.125% / 365 = $67.12 a day.
    assert lines(figures, "F") == [("homeowners_insurance", Decimal("1500.00"), "assumed"),
                                   ("prepaid_interest", Decimal("1006.80"), "assumed")]
    # 3 months each of $125.00 insurance and $416.67 property tax (1% of $500,000 a year).
    assert lines(figures, "G") == [("homeowners_insurance", Decimal("375.00"), "assumed"),
                                   ("property_taxes", Decimal("1250.01"), "assumed")]
    assert figures.other_costs == Decimal("4281.81")
    assert figures.total == Decimal("12941.81")
    assert figures.cash_to_close == Decimal("112941.81")  # with the $100,000 down payment
    assert figures.lender_itemised and figures.ignored is None


def test_an_fha_loan_without_an_itemisation_uses_our_assumptions_and_the_programmes_premium() -> None:
    """$482,500 FHA at 6.500% with 1 point, 3.5% down; a $5,000 deposit and $2,000 of seller credits."""
    figures = estimate(mortgage_terms(note_rate="6.500", closing_costs=None), down="17500.00", loan_type="fha",
                       assumptions=Assumptions(deposit=Decimal("5000"), seller_credits=Decimal("2000")))
    assert figures.section("A").total == Decimal("6320.00")  # $4,825.00 of points and $1,495.00 of fees
    assert lines(figures, "B") == [("appraisal", Decimal("600.00"), "assumed"), ("credit_report", Decimal("50.00"), "assumed"),
                                   ("flood_and_tax_service", Decimal("100.00"), "assumed"),
                                   ("fha_upfront_premium", Decimal("8443.75"), "rule")]  # 1.75% of the loan
    assert lines(figures, "C") == [("title_insurance", Decimal("2412.50"), "assumed"),  # 0.5% of the loan
                                   ("settlement_agent", Decimal("750.00"), "assumed")]
    assert figures.loan_costs == Decimal("18676.25")
    assert figures.section("F").total == Decimal("2788.80")  # $1,500 + 15 days at $85.92
    assert figures.other_costs == Decimal("4563.81")
    assert figures.total == Decimal("23240.06")
    assert figures.cash_to_close == Decimal("33740.06")  # + $17,500 down − $5,000 − $2,000
    assert not figures.lender_itemised


def test_origination_items_are_shown_when_they_add_up_to_the_lender_fees_and_ignored_with_the_reason_when_not() -> None:
    fees = {"origination": {"origination_fee": "995.00", "underwriting_fee": "500.00"}}
    shown = estimate(mortgage_terms(closing_costs=fees))
    assert lines(shown, "A")[1:] == [("origination_fee", Decimal("995.00"), "lender"),
                                     ("underwriting_fee", Decimal("500.00"), "lender")]
    wrong = estimate(mortgage_terms(closing_costs={"origination": {"origination_fee": "95.00"}}))
    assert lines(wrong, "A")[1:] == [("lender_fees", Decimal("1495.00"), "lender")]
    assert wrong.ignored == ("Its origination items add up to $95.00, not its lender fees of $1,495.00, so we show "
                             "its lender fees as one line.")
    assert wrong.total == shown.total  # the ranked charges are the terms' own, itemised or not


def test_a_va_funding_fee_is_in_section_b_and_other_charges_in_section_a() -> None:
    figures = estimate(mortgage_terms(other_prepaid_finance_charges="250.00", points="0"), down="0.00",
                       loan_type="va")
    assert lines(figures, "A") == [("lender_fees", Decimal("1495.00"), "lender"),
                                   ("other_charges", Decimal("250.00"), "lender")]
    assert lines(figures, "B")[-1] == ("va_funding_fee", Decimal("10750.00"), "rule")  # 2.15% of $500,000


# --- the sections always add up ------------------------------------------------------------------------

_amount = st.decimals(min_value=0, max_value=9999, places=2).map(lambda value: f"{value:.2f}")
_section = st.sampled_from([key for key in CLOSING_COST_ITEMS if key != "origination"])


@st.composite
def itemisations(draw: st.DrawFn) -> dict[str, dict[str, str]] | None:
    sections = draw(st.lists(_section, unique=True, max_size=3))
    if not sections:
        return None
    return {section: draw(st.dictionaries(st.sampled_from(CLOSING_COST_ITEMS[section]), _amount, min_size=1,
                                          max_size=2)) for section in sections}


@st.composite
def assumptions(draw: st.DrawFn) -> Assumptions:
    return Assumptions(
        appraisal=draw(st.decimals(0, 5000, places=2)), title_insurance_rate=draw(st.decimals(0, 2, places=3)),
        transfer_tax_rate=draw(st.decimals(0, 5, places=3)), prepaid_interest_days=Decimal(draw(st.integers(0, 31))),
        escrow_months=Decimal(draw(st.integers(0, 12))), deposit=draw(st.decimals(0, 50000, places=2)),
        seller_credits=draw(st.decimals(0, 20000, places=2)), property_tax_rate=draw(st.decimals(0, 5, places=2)))


@settings(max_examples=60, deadline=None)
@given(itemised=itemisations(), chosen=assumptions(), loan_type=st.sampled_from(["conventional", "fha", "va"]),
       down=st.sampled_from(["0.00", "17500.00", "60000.00", "150000.00"]),
       points=st.sampled_from(["0", "0.5", "2.125"]), fees=_amount, credits=st.none() | _amount,
       financed=st.sampled_from([None, True, False]))
def test_the_sections_add_up_to_the_total_and_the_cash_to_close(itemised, chosen, loan_type, down, points, fees,
                                                                credits, financed) -> None:
    figures = estimate(mortgage_terms(closing_costs=itemised, points=points, lender_fees=fees, lender_credits=credits,
                                      upfront_fee_financed=financed), down=down, loan_type=loan_type,
                       assumptions=chosen)
    totals = {section.letter: sum((item.amount for item in section.items), Decimal(0)) for section in figures.sections}
    assert [section.letter for section in figures.sections] == list("ABCEFGH")
    assert figures.loan_costs == totals["A"] + totals["B"] + totals["C"]
    assert figures.other_costs == totals["E"] + totals["F"] + totals["G"] + totals["H"]
    # J = D + I − lender credits (1026.37(g)(6)), the credits never more than the costs they pay.
    offered = Decimal(credits or 0)
    assert figures.lender_credits == min(offered, figures.loan_costs + figures.other_costs)
    assert figures.total == figures.loan_costs + figures.other_costs - figures.lender_credits >= 0
    assert figures.total == sum(totals.values(), Decimal(0)) - figures.lender_credits
    assert figures.cash_to_close == figures.total + Decimal(down) - chosen.deposit - chosen.seller_credits
    assert all(item.amount >= 0 and item.amount == item.amount.quantize(Decimal("0.01"))
               for section in figures.sections for item in section.items)
    # A section the lender itemised is wholly its own; one it left out wholly our assumptions.
    for letter, key in zip("BCEFGH", ["cannot_shop", "can_shop", "taxes", "prepaids", "escrow", "other"], strict=True):
        whose = {item.by for item in figures.section(letter).items} - {"rule"}
        assert whose == ({"lender"} if itemised and key in itemised else {"assumed"})
    # The FHA premium or VA fee is in B exactly when it is not added to the loan.
    in_cash = {item.key for item in figures.section("B").items} & {"fha_upfront_premium", "va_funding_fee"}
    assert bool(in_cash) == (loan_type != "conventional" and not financed)
    assert bool(figures.financed_guarantee) == (loan_type != "conventional" and financed is True)
    # A is exactly the charges the offer was ranked on: points (to the cent, half up) on the loan, which
    # includes a financed guarantee, and lender fees.
    loan = Decimal(500000) - Decimal(down) + figures.financed_guarantee
    points_amount = (loan * Decimal(points) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert figures.section("A").total == points_amount + Decimal(fees)


# --- hostile itemisations ----------------------------------------------------------------------------


@pytest.mark.parametrize(("itemised", "field", "problem"), [
    ({"cannot_shop": {key: "10.00" for key in CLOSING_COST_ITEMS["cannot_shop"]},
      "can_shop": {key: "10.00" for key in CLOSING_COST_ITEMS["can_shop"]}},
     "closing_costs", "itemises 11 closing costs; we accept at most 10"),
    ({"cannot_shop": {"appraisal": "-600.00"}}, "closing_costs", "is not valid"),
    ({"cannot_shop": {"free_lunch": "1.00"}}, "closing_costs", "is not valid"),
    ({"cannot_shop": {"appraisal": "1e9"}}, "closing_costs", "is not valid"),
    ({"cannot_shop": {}}, "closing_costs", "is not valid"),
])
def test_an_itemisation_out_of_bounds_makes_the_offer_unusable_naming_the_field(itemised, field, problem) -> None:
    with pytest.raises(InvalidTerms) as refused:
        line.parse_terms(mortgage_terms(closing_costs=itemised))
    assert refused.value.field_name.startswith(field) and problem in str(refused.value)


def test_an_absurd_amount_is_implausible_and_not_ranked() -> None:
    terms = line.parse_terms(mortgage_terms(closing_costs={"cannot_shop": {"appraisal": "90000.00"}}))
    assert line.implausible(terms) == ("Implausible — not ranked: its closing cost among services you cannot shop "
                                       "for of $90,000.00 is too high to be a real offer.")
    assert line.implausible(line.parse_terms(mortgage_terms(closing_costs={"taxes": {"transfer_taxes": "60000.00"}}))) \
        is None


def _hostile(quote_id: str, itemised: Any) -> bytes:
    terms = mortgage_terms(note_rate="5.000", points="0.000", lender_fees="500.00", monthly_payment=None, apr=None,
                           closing_costs=itemised)
    return json.dumps(quote_reply(terms, product="mortgage", quote_id=quote_id)).encode()


def test_hostile_lenders_itemisations_in_a_real_comparison(make_apps, market: SandboxMarket,
                                                           loopback: Callable[..., Any]) -> None:  # noqa: F811
    hostile = {
        "crowded": {"cannot_shop": {key: "10.00" for key in CLOSING_COST_ITEMS["cannot_shop"]},
                    "can_shop": {key: "10.00" for key in CLOSING_COST_ITEMS["can_shop"]}},
        "negative": {"can_shop": {"title_insurance": "-1850.00"}},
        "absurd": {"can_shop": {"title_insurance": "9999999.00"}},
        "unsummed": {"origination": {"origination_fee": "5.00"}, "cannot_shop": {"appraisal": "480.00"}},
    }
    entries = [{"key": key, "name": f"{key.title()} Loans", "adapter": "quote_protocol", "products": ["mortgage"],
                "timeout_s": 3.0, "commission": "", "url": loopback(static_app(_hostile(f"{key}-1", itemised))).url}
               for key, itemised in hostile.items()]
    application = make_apps([*market.provider_entries(), *entries])
    client = application.test_client()
    location = client.post("/compare/mortgage", data=mortgage_form()).headers["Location"]
    reference = re.search(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", location).group(0)  # type: ignore[union-attr]
    with application.app_context():
        result = load_result(db.session, reference)
    records = {record["provider"]: record for record in result["providers"]}
    for key in ("crowded", "negative"):
        [invalid] = records[key]["invalid_quotes"]
        assert invalid["field"].startswith("closing_costs"), invalid
    [absurd] = [item for item in result["excluded"] if item["provider"] == "absurd"]
    assert absurd["reason"].startswith("Implausible — not ranked: its closing cost among services you can shop for")
    # The lowest rate ranks first; its origination items did not add up, so they are ignored, and said to be.
    assert result["ranking"][0]["provider"] == "unsummed"
    [first, *_] = result["explanation"]["findings"]["closing_costs"]
    assert first["ignored"] == "origination" and first["lender"] == "B"
    assert first["A"] == "500.00" and first["B"] == "480.00"
    page = html.unescape(client.get(location).get_data(as_text=True))
    assert "Its origination items add up to $5.00, not its lender fees of $500.00" in page


# --- shown, logged, replayed -------------------------------------------------------------------------


def compare(app: Flask, **changes: Any) -> dict[str, Any]:
    with app.app_context():
        entry = run_comparison(db.session, current_registry(), line, mortgage_profile(**changes), preferences={},
                               channel="web")
        db.session.commit()
        return load_result(db.session, entry.reference)


def test_the_closing_costs_shown_are_logged_with_the_assumptions_and_replay_identically(app, client) -> None:
    response = client.post("/compare/mortgage", data=mortgage_form())
    location = response.headers["Location"]
    reference = re.search(r"CND-[0-9A-Z]{4}-[0-9A-Z]{4}", location).group(0)  # type: ignore[union-attr]
    with app.app_context():
        result = load_result(db.session, reference)
    assert result["reference_data"]["assumptions"] == "mortgage-assumptions-1"
    logged = result["explanation"]["findings"]["closing_costs"]
    assert len(logged) == min(3, len(result["ranking"]))
    page = html.unescape(client.get(location).get_data(as_text=True))
    words = re.sub(r"<[^>]+>", "", page)
    for record in logged:  # every total the page shows is the logged one
        assert f"closing costs ${Decimal(record['J']):,.2f}, cash to close ${Decimal(record['cash']):,.2f}" in words
        assert Decimal(record["J"]) == sum(Decimal(record[letter]) for letter in "ABCEFG")
    by_provider = {offer["provider"]: record for offer, record in zip(result["ranking"], logged)}
    if "harbor_home" in by_provider:  # the house itemises its services and recording fees
        assert by_provider["harbor_home"]["lender"] == "BCE" and by_provider["harbor_home"]["E"] == "125.00"
    if "bluebird_lending" in by_provider:  # which leaves them to our assumptions
        assert by_provider["bluebird_lending"]["lender"] == ""
    assert "lender’s figure" in page and "our assumption" in page
    assert "The lender quoted its origination charges" in page
    with app.app_context():
        again = replay(line, result)
    assert json.loads(json.dumps(again["explanation"], default=str)) == result["explanation"]
    replayed = app.test_cli_runner().invoke(args=["audit", "replay", reference])
    assert replayed.exit_code == 0 and "identical" in replayed.output, replayed.output


def test_the_api_returns_the_closing_costs_and_the_assumptions_they_used(client) -> None:
    response = client.post("/api/v1/comparisons", json={"product": "mortgage", "profile": mortgage_profile()})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    [first, *_] = body["explanation"]["findings"]["closing_costs"]
    assert Decimal(first["J"]) == sum(Decimal(first[letter]) for letter in "ABCEFG")
    assert Decimal(first["cash"]) == Decimal(first["J"]) + Decimal(mortgage_profile()["down_payment"])
    assert body["reference_data"]["assumptions"] == "mortgage-assumptions-1"


def test_an_entry_logged_before_closing_costs_replays_without_them(app) -> None:
    result = compare(app)
    findings = {key: value for key, value in result["explanation"]["findings"].items() if key != "closing_costs"}
    older = {**result, "explanation": {**result["explanation"], "findings": findings},
             "reference_data": {"apor": result["reference_data"]["apor"]}}
    assert result["explanation"]["findings"]["closing_costs"]
    with app.app_context():
        again = replay(line, older)
    assert json.loads(json.dumps(again["explanation"], default=str)) == older["explanation"]
    # Its page still shows closing costs, from today's assumptions, as a view.
    view = line.full_cost(older, {})
    assert view is not None and view.estimates


def test_a_changed_assumption_moves_the_totals_and_a_bad_one_is_named(app, client) -> None:
    location = client.post("/compare/mortgage", data=mortgage_form()).headers["Location"]
    mine = html.unescape(client.get(f"{location}?deposit=10000&recording_fees=400").get_data(as_text=True))
    assert 'name="deposit" type="text" inputmode="decimal" value="10000"' in mine
    assert "Our assumptions (yours)" in mine
    bad = html.unescape(client.get(f"{location}?escrow_months=2.5&appraisal=-1").get_data(as_text=True))
    assert 'id="assume-escrow_months-error">Initial escrow: enter a whole number' in bad
    assert 'id="assume-appraisal-error">Appraisal: enter a figure from 0 to 5,000 (USD).' in bad
    with pytest.raises(InvalidAssumptions):
        read_assumptions({"prepaid_interest_days": "40"})
    assert read_assumptions({"deposit": "$10,000"}, Assumptions(appraisal=Decimal("700"))) == \
        Assumptions(appraisal=Decimal("700"), deposit=Decimal("10000"))


def test_the_logged_assumptions_version_names_these_figures() -> None:
    """A comparison logs its assumptions by name; changing a default without naming a new version
    would change what a replay of an older comparison shows."""
    assert logged_assumptions("mortgage-assumptions-1") == Assumptions(
        property_tax_rate=Decimal("1.00"), home_insurance=Decimal("1500.00"), pmi_rate=Decimal("0.50"),
        appraisal=Decimal("600.00"), credit_report=Decimal("50.00"), flood_and_tax_service=Decimal("100.00"),
        title_insurance_rate=Decimal("0.50"), settlement_agent=Decimal("750.00"), recording_fees=Decimal("150.00"),
        transfer_tax_rate=Decimal("0.00"), prepaid_interest_days=Decimal("15"), escrow_months=Decimal("3"),
        deposit=Decimal("0.00"), seller_credits=Decimal("0.00"))
    assert logged_assumptions(None) == Assumptions()


def test_some_sandbox_lenders_itemise_their_closing_costs_and_others_do_not() -> None:
    lenders = {spec.key: spec for spec in mortgage_lenders()}
    buyer = MortgageProfile("CO", "80203", Decimal("500000"), Decimal("400000"), "740-759", "conventional", 30, "fixed",
                            Decimal("3"), "primary", 7)
    harbor = quote_terms(lenders["harbor_home"], buyer)[0]
    assert harbor["closing_costs"] == {
        "origination": {"origination_fee": "995.00", "underwriting_fee": "300.00"},
        "cannot_shop": {"appraisal": "550.00", "credit_report": "35.00", "flood_determination": "12.00",
                        "tax_service": "78.00"},
        "can_shop": {"settlement_agent": "650.00", "title_insurance": "1800.00"},  # 0.45% of $400,000
        "taxes": {"recording_fees": "125.00"},
    }
    figures = estimate(harbor)
    assert lines(figures, "A") == [("origination_fee", Decimal("995.00"), "lender"),
                                   ("underwriting_fee", Decimal("300.00"), "lender")]  # its $1,295.00 of fees
    assert figures.ignored is None and {section.letter for section in figures.sections if section.by == "lender"} \
        == set("ABCE")
    assert "closing_costs" in quote_terms(lenders["keystone_mortgage"], buyer)[0]
    assert "closing_costs" not in quote_terms(lenders["bluebird_lending"], buyer)[0]
