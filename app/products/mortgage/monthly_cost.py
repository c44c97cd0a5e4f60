"""The full monthly cost of a loan offer (PITI: principal and interest, property tax, home insurance,
mortgage insurance), from the offer's logged terms, the buyer's profile
and named assumptions the buyer can change. A view on the results page: it never changes the
ranking, which compares what differs between lenders; tax and insurance do not.

Mortgage insurance, by loan type (figures as the programmes publish them; see
docs/mortgage-methodology.md):
- conventional and jumbo, under 20% down: private mortgage insurance at the assumed yearly rate of
  the loan, until the scheduled balance reaches 78% of the home's original value (the Homeowners
  Protection Act's automatic termination);
- FHA: an upfront premium of 1.75% of the loan, and an annual premium of the loan (0.55% over 95%
  loan-to-value, else 0.50%; for 15-year terms 0.40% over 90%, else 0.15%), for the life of the loan
  over 90% loan-to-value, else 11 years;
- VA: no monthly insurance; a funding fee of 2.15% of the loan with less than 5% down, 1.50% with 5%
  or more, 1.25% with 10% or more (first use).
The upfront premium and the funding fee are a share of the base loan (guarantee.py); an offer that adds
one to the loan has its principal and interest worked out on the larger loan (analysis.py), one that does
not has it paid at closing (closing_costs.py, section B). Either way the page says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from app.money import CENT
from app.products.mortgage.amortization import MONTHS_PER_YEAR
from app.products.mortgage.analysis import LoanAnalysis
from app.products.mortgage.guarantee import upfront_guarantee

HUNDRED = Decimal(100)
PMI_ENDS_AT_LOAN_TO_VALUE = Decimal("0.78")
NEEDS_PMI_ABOVE_LOAN_TO_VALUE = Decimal("0.80")
FHA_PREMIUM_YEARS_AT_MOST_90_LTV = 11


@dataclass(frozen=True)
class Assumptions:
    """What we assume where no lender quotes it; the buyer may change each. The defaults are logged
    with each comparison (MortgageLine.reference_data), so a replay uses the figures it used."""

    property_tax_rate: Decimal = Decimal("1.00")
    """Percent of the home's value a year."""
    home_insurance: Decimal = Decimal("1500.00")
    """USD a year."""
    pmi_rate: Decimal = Decimal("0.50")
    """Percent of the loan a year, for a conventional or jumbo loan with less than 20% down."""
    # The closing costs a lender did not itemise (closing_costs.py), in the Loan Estimate's sections.
    appraisal: Decimal = Decimal("600.00")
    credit_report: Decimal = Decimal("50.00")
    flood_and_tax_service: Decimal = Decimal("100.00")
    title_insurance_rate: Decimal = Decimal("0.50")
    """Percent of the loan: the lender's title insurance policy."""
    settlement_agent: Decimal = Decimal("750.00")
    recording_fees: Decimal = Decimal("150.00")
    transfer_tax_rate: Decimal = Decimal("0.00")
    """Percent of the home's value: the part of any transfer tax the buyer pays (by state and contract)."""
    prepaid_interest_days: Decimal = Decimal("15")
    escrow_months: Decimal = Decimal("3")
    """Months of property tax and of home insurance paid into the escrow account at closing."""
    deposit: Decimal = Decimal("0.00")
    """The earnest money the buyer has already paid: it comes off the cash to close."""
    seller_credits: Decimal = Decimal("0.00")
    # Section H, other costs (Regulation Z 1026.37(g)(4)): the buyer's own, not the loan's, so none is
    # assumed unless the buyer enters it (many sellers pay the owner's title policy; a condominium may
    # ask no capital contribution). Zero defaults keep "mortgage-assumptions-1" the figures it was.
    owners_title_insurance_rate: Decimal = Decimal("0.00")
    """Percent of the home's value: an owner's title insurance policy, when the buyer pays for it."""
    home_inspection: Decimal = Decimal("0.00")
    hoa_capital_contribution: Decimal = Decimal("0.00")
    """USD: a homeowners' association's capital contribution or transfer fee the buyer pays."""


# Each assumption: its label, unit, and the range a real figure falls in.
ASSUMPTION_FIELDS: dict[str, tuple[str, str, Decimal, Decimal]] = {
    "property_tax_rate": ("Property tax", "percent of the home’s value a year", Decimal(0), Decimal(5)),
    "home_insurance": ("Home insurance", "USD a year", Decimal(0), Decimal(50000)),
    "pmi_rate": ("Private mortgage insurance", "percent of the loan a year, under 20% down", Decimal(0), Decimal(3)),
    "appraisal": ("Appraisal", "USD", Decimal(0), Decimal(5000)),
    "credit_report": ("Credit report", "USD", Decimal(0), Decimal(500)),
    "flood_and_tax_service": ("Flood determination and tax service", "USD", Decimal(0), Decimal(1000)),
    "title_insurance_rate": ("Title insurance", "percent of the loan", Decimal(0), Decimal(2)),
    "settlement_agent": ("Settlement agent", "USD", Decimal(0), Decimal(10000)),
    "recording_fees": ("Recording fees", "USD", Decimal(0), Decimal(5000)),
    "transfer_tax_rate": ("Transfer tax you pay", "percent of the home’s value", Decimal(0), Decimal(5)),
    "prepaid_interest_days": ("Prepaid interest", "days, from closing to the month’s end", Decimal(0), Decimal(31)),
    "escrow_months": ("Initial escrow", "months of property tax and home insurance", Decimal(0), Decimal(12)),
    "deposit": ("Deposit you have paid", "USD, e.g. earnest money", Decimal(0), Decimal(2000000)),
    "seller_credits": ("Seller credits", "USD", Decimal(0), Decimal(2000000)),
    "owners_title_insurance_rate": ("Owner’s title insurance you pay", "percent of the home’s value", Decimal(0),
                                    Decimal(2)),
    "home_inspection": ("Home inspection", "USD", Decimal(0), Decimal(5000)),
    "hoa_capital_contribution": ("Homeowners’ association capital contribution", "USD", Decimal(0),
                                 Decimal(50000)),
}
WHOLE_NUMBER_FIELDS = frozenset({"prepaid_interest_days", "escrow_months"})


class InvalidAssumptions(ValueError):
    """Assumptions the buyer typed that are not figures in range: a message for each field, and
    `assumptions`: the figures that were in range, the defaults for the rest."""

    def __init__(self, errors: Mapping[str, str], assumptions: Assumptions) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = dict(errors)
        self.assumptions = assumptions


def _read_figure(name: str, raw: str, defaults: Assumptions) -> Decimal | str:
    """The figure typed for one assumption, or the message saying what to type instead."""
    label, unit, low, high = ASSUMPTION_FIELDS[name]
    try:
        figure = Decimal(raw)
    except InvalidOperation:
        return f"{label}: enter a number ({unit}), e.g. {getattr(defaults, name)}."
    if not figure.is_finite() or not low <= figure <= high or len(raw) > 12:
        return f"{label}: enter a figure from {low} to {high:,} ({unit})."
    if name in WHOLE_NUMBER_FIELDS and figure != figure.to_integral_value():
        return f"{label}: enter a whole number ({unit})."
    return figure


def read_assumptions(values: Mapping[str, str], defaults: Assumptions | None = None) -> Assumptions:
    """Assumptions from the results page's form (query parameters); a field left out or empty
    keeps its default (`defaults`: the comparison's logged ones). Raises InvalidAssumptions naming
    each field that is not a figure in range (with the others read)."""
    defaults = defaults or Assumptions()
    chosen: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for name in ASSUMPTION_FIELDS:
        raw = (values.get(name) or "").strip().replace(",", "").lstrip("$")
        if not raw:
            continue
        figure = _read_figure(name, raw, defaults)
        if isinstance(figure, str):
            errors[name] = figure
        else:
            chosen[name] = figure
    if errors:
        raise InvalidAssumptions(errors, replace(defaults, **chosen))
    return replace(defaults, **chosen)


def assumption_values(assumptions: Assumptions) -> dict[str, str]:
    return {item.name: str(getattr(assumptions, item.name)) for item in fields(assumptions)}


ASSUMPTIONS_VERSION = "mortgage-assumptions-1"
"""The name of today's default assumptions, logged with each comparison (a log entry has no room for
the figures themselves). A changed default is a new version, added beside the old ones, so that a
replay of an older comparison uses the figures it showed."""
ASSUMPTIONS_BY_VERSION: dict[str, Assumptions] = {ASSUMPTIONS_VERSION: Assumptions()}


def logged_assumptions(version: str | None) -> Assumptions:
    """The default assumptions a comparison logged (by version), or today's for an entry logged
    before they were, or under a version this one does not know."""
    return ASSUMPTIONS_BY_VERSION.get(version or ASSUMPTIONS_VERSION, Assumptions())


@dataclass(frozen=True)
class MonthlyCost:
    principal_and_interest: Decimal
    property_tax: Decimal
    home_insurance: Decimal
    mortgage_insurance: Decimal
    mortgage_insurance_kind: str | None
    """"private mortgage insurance", "FHA mortgage insurance premium", or None."""
    mortgage_insurance_months: int | None
    """How many monthly payments include it; None: every payment for the life of the loan."""
    upfront_guarantee: Decimal
    """FHA upfront premium or VA funding fee on the base loan (guarantee.py): added to the loan when the
    offer finances it (analysis.LoanAnalysis.financed_guarantee), else paid at closing in section B."""

    @property
    def total(self) -> Decimal:
        return self.principal_and_interest + self.property_tax + self.home_insurance + self.mortgage_insurance


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _monthly(yearly: Decimal) -> Decimal:
    return _cents(yearly / MONTHS_PER_YEAR)


def pmi_months(analysis: LoanAnalysis, home_value: Decimal) -> int:
    """Payments made before the scheduled balance first reaches 78% of the home's original value."""
    limit = home_value * PMI_ENDS_AT_LOAN_TO_VALUE
    for month in range(len(analysis.schedule.months) + 1):
        if analysis.schedule.balance_after(month) <= limit:
            return month
    return len(analysis.schedule.months)


def fha_annual_premium_rate(loan_to_value: Decimal, term_years: int) -> Decimal:
    if term_years > 15:
        return Decimal("0.55") if loan_to_value > Decimal("0.95") else Decimal("0.50")
    return Decimal("0.40") if loan_to_value > Decimal("0.90") else Decimal("0.15")


def monthly_cost(terms: Mapping[str, Any], profile: Mapping[str, Any], analysis: LoanAnalysis,
                 assumptions: Assumptions) -> MonthlyCost:
    """The first month's full cost of an offer (the cash needed to close it: closing_costs.py)."""
    value = Decimal(profile["property_value"])
    # The programmes' premiums are a share of the base loan, whether or not the upfront one is financed.
    loan = Decimal(profile["loan_amount"])
    loan_to_value = loan / value
    kind: str | None = None
    months: int | None = None
    insurance = Decimal(0)
    if profile["loan_type"] in ("conventional", "jumbo") and loan_to_value > NEEDS_PMI_ABOVE_LOAN_TO_VALUE:
        kind, months = "private mortgage insurance", pmi_months(analysis, value)
        insurance = _monthly(loan * assumptions.pmi_rate / HUNDRED)
    elif profile["loan_type"] == "fha":
        kind = "FHA mortgage insurance premium"
        months = None if loan_to_value > Decimal("0.90") else FHA_PREMIUM_YEARS_AT_MOST_90_LTV * MONTHS_PER_YEAR
        insurance = _monthly(loan * fha_annual_premium_rate(loan_to_value, int(terms["term_years"])) / HUNDRED)
    return MonthlyCost(
        principal_and_interest=analysis.schedule.first_payment,
        property_tax=_monthly(value * assumptions.property_tax_rate / HUNDRED),
        home_insurance=_monthly(assumptions.home_insurance),
        mortgage_insurance=insurance,
        mortgage_insurance_kind=kind,
        mortgage_insurance_months=months,
        upfront_guarantee=upfront_guarantee(profile),
    )
