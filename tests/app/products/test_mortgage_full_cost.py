"""The full monthly cost (PITI): tax and insurance from named assumptions the buyer
can change, private mortgage insurance under 20% down until the balance reaches 78% of the home's
value, the FHA premiums and the VA funding fee; and the results page's table and form."""

from __future__ import annotations

import html
from decimal import Decimal

import numpy_financial as npf
import pytest

from app.products.mortgage import MortgageLine
from app.products.mortgage.analysis import analyse
from app.products.mortgage.monthly_cost import Assumptions, InvalidAssumptions, monthly_cost, read_assumptions
from tests.factories import mortgage_form, mortgage_profile, mortgage_terms

line = MortgageLine()


def cost(down: str, loan_type: str = "conventional", value: str = "500000.00", term: int = 30, rate: str = "6.500",
         assumptions: Assumptions | None = None):
    loan = f"{Decimal(value) - Decimal(down):.2f}"
    profile = mortgage_profile(property_value=value, down_payment=down, loan_amount=loan, loan_type=loan_type,
                               term_years=term)
    terms = line.parse_terms(mortgage_terms(loan_type=loan_type, term_years=term, note_rate=rate, loan_amount=loan,
                                            monthly_payment=None, apr=None))
    return monthly_cost(terms, profile, analyse(terms, profile), assumptions or Assumptions())


def test_tax_and_insurance_come_from_the_named_assumptions() -> None:
    figures = cost("100000.00")
    assert figures.property_tax == Decimal("416.67") and figures.home_insurance == Decimal("125.00")
    assert figures.mortgage_insurance == 0 and figures.mortgage_insurance_kind is None  # 20% down: no PMI
    assert figures.total == figures.principal_and_interest + Decimal("541.67")
    mine = cost("100000.00", assumptions=Assumptions(property_tax_rate=Decimal("2.1"), home_insurance=Decimal("2400")))
    assert mine.property_tax == Decimal("875.00") and mine.home_insurance == Decimal("200.00")


def test_pmi_under_20_percent_down_ends_when_the_balance_reaches_78_percent_of_the_value() -> None:
    figures = cost("50000.00")
    assert figures.mortgage_insurance_kind == "private mortgage insurance"
    assert figures.mortgage_insurance == Decimal("187.50")  # 0.50% of $450,000 a year
    # numpy-financial's balance, month by month, independently of our schedule.
    payment = npf.pmt(0.065 / 12, 360, -450000)
    expected = next(n for n in range(361) if npf.fv(0.065 / 12, n, payment, -450000) <= 390000)
    assert figures.mortgage_insurance_months == expected
    assert cost("100000.00").mortgage_insurance_kind is None
    assert cost("225000.00", loan_type="jumbo", value="1500000.00").mortgage_insurance_kind == "private mortgage insurance"


@pytest.mark.parametrize(("down", "term", "rate", "months"), [
    ("17500.00", 30, "0.55", None), ("50000.00", 30, "0.50", 132), ("17500.00", 15, "0.40", None),
    ("50000.00", 15, "0.15", 132),
])
def test_fha_premiums_by_loan_to_value_and_term(down: str, term: int, rate: str, months: int | None) -> None:
    figures = cost(down, loan_type="fha", term=term)
    loan = Decimal("500000") - Decimal(down)
    assert figures.mortgage_insurance == (loan * Decimal(rate) / 1200).quantize(Decimal("0.01"))
    assert figures.mortgage_insurance_months == months
    assert figures.upfront_guarantee == (loan * Decimal("0.0175")).quantize(Decimal("0.01"))


@pytest.mark.parametrize(("down", "fee_rate"), [("0.00", "2.15"), ("24999.00", "2.15"), ("25000.00", "1.50"),
                                                 ("50000.00", "1.25")])
def test_the_va_funding_fee_falls_with_the_down_payment_and_there_is_no_monthly_insurance(down: str,
                                                                                          fee_rate: str) -> None:
    figures = cost(down, loan_type="va")
    loan = Decimal("500000") - Decimal(down)
    assert figures.upfront_guarantee == (loan * Decimal(fee_rate) / 100).quantize(Decimal("0.01"))
    assert figures.mortgage_insurance == 0 and figures.mortgage_insurance_kind is None


def test_assumptions_read_from_the_form_keep_defaults_and_name_each_bad_field() -> None:
    assert read_assumptions({}) == Assumptions()
    assert read_assumptions({"property_tax_rate": " 1.25 ", "home_insurance": "$2,100", "pmi_rate": ""}) == \
        Assumptions(property_tax_rate=Decimal("1.25"), home_insurance=Decimal("2100"))
    with pytest.raises(InvalidAssumptions) as refused:
        read_assumptions({"property_tax_rate": "lots", "home_insurance": "-5", "pmi_rate": "NaN"})
    assert set(refused.value.errors) == {"property_tax_rate", "home_insurance", "pmi_rate"}
    assert refused.value.errors["property_tax_rate"].startswith("Property tax: enter a number")
    assert refused.value.errors["home_insurance"] == "Home insurance: enter a figure from 0 to 50,000 (USD a year)."
    for bad in ("Infinity", "1e400", "9" * 40):
        with pytest.raises(InvalidAssumptions):
            read_assumptions({"pmi_rate": bad})


def test_the_results_page_shows_the_full_cost_and_works_it_out_again_with_the_buyers_figures(client) -> None:
    location = client.post("/compare/mortgage", data=mortgage_form(down_payment="50000")).headers["Location"]
    page = html.unescape(client.get(location).get_data(as_text=True))
    assert "Your full monthly cost" in page and "Full monthly cost, first month, and cash to close" in page
    assert "$416.67" in page and "$125.00" in page and "private mortgage insurance, for the first" in page
    assert 'name="property_tax_rate" type="text" inputmode="decimal" value="1.00"' in page
    mine = html.unescape(client.get(f"{location}?property_tax_rate=2&home_insurance=2400").get_data(as_text=True))
    assert "$833.33" in mine and "$200.00" in mine and "Our assumptions (yours)" in mine
    bad = client.get(f"{location}?property_tax_rate=lots")
    assert bad.status_code == 200
    text = html.unescape(bad.get_data(as_text=True))
    assert 'id="assume-property_tax_rate-error">Property tax: enter a number' in text
    assert 'value="lots" aria-invalid="true"' in text and "$416.67" in text  # the defaults, until it is a number
