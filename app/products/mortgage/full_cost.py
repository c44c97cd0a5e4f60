"""The results page's "full monthly cost" table for the top offers and their closing costs in the
Loan Estimate's sections, with the assumptions they used and, when the buyer changed them, any that
were not figures in range (shown next to their fields; the comparison's own are used for those, never
a failed page). Under the comparison's own assumptions the closing costs are what its log entry
records (closing_costs_finding); under the buyer's they are a view, never logged or ranked on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.formatting import plural
from app.products.mortgage.closing_costs import SECTION_WORDS, LoanEstimate, Source, estimate_record, loan_estimate
from app.products.mortgage.explain import Analyser, TermsReader
from app.products.mortgage.figures import money
from app.products.mortgage.monthly_cost import (
    ASSUMPTION_FIELDS,
    Assumptions,
    InvalidAssumptions,
    MonthlyCost,
    assumption_values,
    logged_assumptions,
    monthly_cost,
    read_assumptions,
)

SHOWN = 3
MONTHLY_ASSUMPTIONS = frozenset({"property_tax_rate", "home_insurance", "pmi_rate"})


@dataclass(frozen=True)
class CostRow:
    loan: str
    house: bool
    principal_and_interest: str
    property_tax: str
    home_insurance: str
    mortgage_insurance: str
    mortgage_insurance_note: str | None
    total: str
    cash_to_close: str
    cash_note: str


WHOSE: dict[Source, str] = {"lender": "lender’s figure", "assumed": "our assumption", "rule": "programme’s rate"}


@dataclass(frozen=True)
class EstimateLine:
    label: str
    amount: str
    whose: str


@dataclass(frozen=True)
class EstimateSection:
    letter: str
    title: str
    lines: list[EstimateLine]
    total: str


@dataclass(frozen=True)
class EstimateView:
    loan: str
    house: bool
    sections: list[EstimateSection]
    loan_costs: str
    other_costs: str
    total: str
    down_payment: str
    deposit: str
    seller_credits: str
    cash_to_close: str
    whose: str
    """Which sections are the lender's and which our assumptions, in a sentence."""
    lender_sections: str
    """The letters of the sections besides A that are the lender's own."""
    ignored: str | None
    lender_credits: str | None
    """The lender credits applied ("$1,000.00"), or None when the offer has none."""
    before_credits: str
    """D + I."""
    financed_note: str | None
    """"FHA upfront premium $3,500.00, added to the loan" when the offer finances it."""


@dataclass(frozen=True)
class AssumptionField:
    name: str
    label: str
    unit: str
    value: str
    error: str | None
    at_closing: bool
    """A closing-cost assumption (closing_costs.py), not one of the monthly cost's."""


@dataclass(frozen=True)
class FullCost:
    rows: list[CostRow]
    estimates: list[EstimateView]
    fields: list[AssumptionField]
    changed: bool


def _insurance_note(kind: str | None, months: int | None) -> str | None:
    if kind is None:
        return None
    if months is None:
        return f"{kind}, for the life of the loan"
    years, rest = divmod(months, 12)
    span = plural(years, "year") + (f" {plural(rest, 'month')}" if rest else "")
    return f"{kind}, for the first {span}"


def _offer_name(offer: Mapping[str, Any]) -> str:
    return offer["provider_name"] + (f" ({offer['offer_name']})" if offer.get("offer_name") else "")


def _costs(result: Mapping[str, Any], assumptions: Assumptions, analysed: Analyser,
           terms_of: TermsReader) -> list[tuple[Mapping[str, Any], MonthlyCost, LoanEstimate]]:
    """Each top offer with its full monthly cost and its closing costs under `assumptions`."""
    profile, shown = result["profile"], []
    for offer in result["ranking"][:SHOWN]:
        terms, analysis = terms_of(offer), analysed(offer)
        cost = monthly_cost(terms, profile, analysis, assumptions)
        shown.append((offer, cost, loan_estimate(terms, profile, analysis, cost, assumptions)))
    return shown


def closing_costs_finding(result: Mapping[str, Any], assumptions: Assumptions, analysed: Analyser,
                          terms_of: TermsReader) -> list[dict[str, Any]]:
    """What the log keeps of the closing costs the results page shows under the comparison's own
    assumptions: one record per top offer, in ranking order."""
    return [estimate_record(estimate) for _, _, estimate in _costs(result, assumptions, analysed, terms_of)]


def _whose(estimate: LoanEstimate) -> str:
    """Which sections are the lender's figures: "The lender quoted its origination charges, prepaids and
    taxes and other government fees; the rest are our assumptions." """
    lenders = ["origination charges"] + [SECTION_WORDS.get(section.letter, section.title.lower())
                                         for section in estimate.sections[1:] if section.by == "lender"]
    if len(lenders) == len(estimate.sections):
        return "Every section is the lender’s own estimate."
    named = lenders[0] if len(lenders) == 1 else f"{', '.join(lenders[:-1])} and {lenders[-1]}"
    rest = "every other figure is our assumption" if len(lenders) == 1 else "the rest are our assumptions"
    return f"The lender quoted its {named}; {rest}."


def _estimate_view(offer: Mapping[str, Any], estimate: LoanEstimate) -> EstimateView:
    sections = [EstimateSection(section.letter, section.title,
                                [EstimateLine(item.label, money(item.amount), WHOSE[item.by]) for item in section.items],
                                money(section.total)) for section in estimate.sections]
    return EstimateView(_offer_name(offer), offer["house"], sections, money(estimate.loan_costs),
                        money(estimate.other_costs), money(estimate.total), money(estimate.down_payment),
                        money(estimate.deposit), money(estimate.seller_credits), money(estimate.cash_to_close),
                        _whose(estimate), "".join(section.letter for section in estimate.sections[1:]
                                                  if section.by == "lender"), estimate.ignored,
                        money(estimate.lender_credits) if estimate.lender_credits else None,
                        money(estimate.loan_costs + estimate.other_costs), estimate.financed_note)


def _cost_row(offer: Mapping[str, Any], cost: MonthlyCost, estimate: LoanEstimate, loan_type: str) -> CostRow:
    guarantee = "upfront mortgage insurance premium" if loan_type == "fha" else "VA funding fee"
    if estimate.financed_note:
        cash_note = f"down payment and closing costs; {estimate.financed_note}"
    elif cost.upfront_guarantee:
        cash_note = (f"down payment and closing costs, with {money(cost.upfront_guarantee)} {guarantee} "
                     "paid at closing")
    else:
        cash_note = "down payment and closing costs"
    return CostRow(_offer_name(offer), offer["house"], money(cost.principal_and_interest), money(cost.property_tax),
                   money(cost.home_insurance), money(cost.mortgage_insurance),
                   _insurance_note(cost.mortgage_insurance_kind, cost.mortgage_insurance_months),
                   money(cost.total), money(estimate.cash_to_close), cash_note)


def full_cost(result: Mapping[str, Any], values: Mapping[str, str], analysed: Analyser,
              terms_of: TermsReader) -> FullCost | None:
    """The top offers' full monthly cost and closing costs under the buyer's assumptions (`values`:
    the page's query parameters; those left out are the comparison's logged ones), or None when the
    result cannot say (its details were erased, nothing ranked)."""
    if result.get("profile") is None or not result["ranking"]:
        return None
    errors: dict[str, str] = {}
    logged = logged_assumptions((result.get("reference_data") or {}).get("assumptions"))
    try:
        assumptions = read_assumptions(values, logged)
    except InvalidAssumptions as invalid:
        errors, assumptions = invalid.errors, invalid.assumptions
    costs = _costs(result, assumptions, analysed, terms_of)
    loan_type = result["profile"]["loan_type"]
    shown = assumption_values(assumptions)
    form = [AssumptionField(name, label, unit, values.get(name, "") if name in errors else shown[name], errors.get(name),
                            name not in MONTHLY_ASSUMPTIONS) for name, (label, unit, _, _) in ASSUMPTION_FIELDS.items()]
    changed = any(values.get(name) for name in ASSUMPTION_FIELDS)
    return FullCost([_cost_row(offer, cost, estimate, loan_type) for offer, cost, estimate in costs],
                    [_estimate_view(offer, estimate) for offer, _, estimate in costs], form, changed)
