"""What closing a loan offer costs, in the Loan Estimate's sections (Regulation Z 1026.37(f) and (g)),
and the cash the buyer needs to close it (1026.37(h)).

    A  Origination charges            the lender's points and fees, from its terms (always the lender's)
    B  Services you cannot shop for   the lender's items, or our assumptions (appraisal, credit report…);
                                      plus the FHA upfront premium or VA funding fee at the programme's rate
                                      when the offer does not add it to the loan (guarantee.py)
    C  Services you can shop for      the lender's items, or our assumptions (title insurance, settlement)
    D  Total loan costs               A + B + C
    E  Taxes and government fees      the lender's items, or our assumptions (recording fees, transfer tax)
    F  Prepaids                       the lender's items, or a year of home insurance and prepaid interest
    G  Initial escrow payment         the lender's items, or months of property tax and home insurance
    H  Other                          the lender's items, or the buyer's own (owner's title insurance, home
                                      inspection, association capital contribution; none assumed)
    I  Total other costs              E + F + G + H
       Lender credits                 the lender's terms' `lender_credits`, at most D + I
    J  Total closing costs            D + I − lender credits (1026.37(g)(6))
    Cash to close                     J + down payment − deposit − seller credits (1026.37(h))

A section the lender itemised (its terms' `closing_costs`) is wholly the lender's; one it left out is
wholly ours, from named assumptions the buyer can change (monthly_cost.Assumptions). Every line says
whose figure it is. None of it changes the ranking: the ranked cost already counts what differs
between lenders (points, lender fees and lender credits), and the third-party services are estimates.
One rule of plausibility reads it: a lender credit larger than the closing costs it would pay
(credits_beyond_closing_costs) is not a real offer and is not ranked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from app.money import CENT, format_money
from app.products.base import InvalidTerms
from app.products.mortgage.analysis import LoanAnalysis
from app.products.mortgage.figures import points as points_text
from app.products.mortgage.guarantee import guarantee_words
from app.products.mortgage.monthly_cost import (
    ASSUMPTIONS_VERSION,
    HUNDRED,
    Assumptions,
    MonthlyCost,
    logged_assumptions,
    monthly_cost,
)
from app.products.plausibility import IMPLAUSIBLE
from app.products.mortgage.schemas import MAX_CLOSING_COST_ITEMS

Source = Literal["lender", "assumed", "rule"]
DAYS_PER_YEAR = Decimal(365)

SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("A", "origination", "Origination charges"),
    ("B", "cannot_shop", "Services you cannot shop for"),
    ("C", "can_shop", "Services you can shop for"),
    ("E", "taxes", "Taxes and other government fees"),
    ("F", "prepaids", "Prepaids"),
    ("G", "escrow", "Initial escrow payment at closing"),
    ("H", "other", "Other"),
)
# How a sentence names a section the lender quoted ("The lender quoted its … and other costs").
SECTION_WORDS = {"H": "other costs"}
# Our words for every item a line may show, the lender's (schemas.CLOSING_COST_ITEMS) and ours.
LABELS: dict[str, str] = {
    "points": "Points", "lender_fees": "Lender fees", "other_charges": "Other charges at closing",
    "origination_fee": "Origination fee", "underwriting_fee": "Underwriting fee",
    "application_fee": "Application fee", "processing_fee": "Processing fee",
    "appraisal": "Appraisal", "credit_report": "Credit report", "flood_determination": "Flood determination",
    "tax_service": "Tax service", "flood_and_tax_service": "Flood determination and tax service",
    "fha_upfront_premium": "FHA upfront mortgage insurance premium", "va_funding_fee": "VA funding fee",
    "title_insurance": "Title insurance (lender’s policy)", "settlement_agent": "Settlement agent",
    "title_search": "Title search", "survey": "Survey", "pest_inspection": "Pest inspection", "other": "Other",
    "recording_fees": "Recording fees", "transfer_taxes": "Transfer taxes",
    "homeowners_insurance": "Home insurance", "prepaid_interest": "Prepaid interest",
    "property_taxes": "Property taxes", "mortgage_insurance": "Mortgage insurance",
    "owners_title_insurance": "Owner’s title insurance", "home_inspection": "Home inspection",
    "hoa_capital_contribution": "Homeowners’ association capital contribution", "home_warranty": "Home warranty",
    "real_estate_commission": "Real estate commission",
}


@dataclass(frozen=True)
class Item:
    key: str
    amount: Decimal
    by: Source
    basis: str | None = None
    """How we worked out an assumed or rule figure ("0.50% of the loan"); None for the lender's own."""

    @property
    def label(self) -> str:
        return LABELS[self.key] + (f" ({self.basis})" if self.basis else "")


@dataclass(frozen=True)
class Section:
    letter: str
    title: str
    items: tuple[Item, ...]

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal(0))

    @property
    def by(self) -> Source:
        """Whose the section is: the lender's when it itemised it, else ours."""
        return "lender" if all(item.by != "assumed" for item in self.items) else "assumed"


@dataclass(frozen=True)
class LoanEstimate:
    sections: tuple[Section, ...]
    down_payment: Decimal
    deposit: Decimal
    seller_credits: Decimal
    ignored: str | None = None
    """Why part of the lender's itemisation was set aside (its origination items did not add up)."""
    offered_credits: Decimal = Decimal(0)
    """The lender credits in the offer's terms; at most D + I of them are applied (lender_credits)."""
    financed_guarantee: Decimal = Decimal(0)
    """The FHA upfront premium or VA funding fee added to the loan: not in section B, not in the cash."""
    loan_type: str = "conventional"

    @property
    def financed_note(self) -> str | None:
        """The shopper's line saying the upfront guarantee is in the loan, not in the cash to close."""
        if not self.financed_guarantee:
            return None
        return f"{guarantee_words(self.loan_type)} {format_money(self.financed_guarantee)}, added to the loan"

    def section(self, letter: str) -> Section:
        return next(section for section in self.sections if section.letter == letter)

    @property
    def loan_costs(self) -> Decimal:
        """D: A + B + C."""
        return sum((self.section(letter).total for letter in "ABC"), Decimal(0))

    @property
    def other_costs(self) -> Decimal:
        """I: E + F + G + H."""
        return sum((self.section(letter).total for letter in "EFGH"), Decimal(0))

    @property
    def lender_credits(self) -> Decimal:
        """The credits applied: the lender's, but never more than the costs they pay (D + I). Only a
        buyer's own lower assumptions can make them more: a lender's larger credit is not ranked."""
        return min(self.offered_credits, self.loan_costs + self.other_costs)

    @property
    def total(self) -> Decimal:
        """J: total closing costs, D + I − lender credits."""
        return self.loan_costs + self.other_costs - self.lender_credits

    @property
    def cash_to_close(self) -> Decimal:
        return self.total + self.down_payment - self.deposit - self.seller_credits

    @property
    def lender_itemised(self) -> bool:
        """Whether any section besides A (always the lender's) is the lender's own."""
        return any(section.by == "lender" for section in self.sections if section.letter != "A")


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _percent(rate: Decimal, of: str) -> str:
    return f"{rate.normalize():f}% of {of}"


def _lenders(section: str, terms: Mapping[str, Any]) -> tuple[Item, ...] | None:
    """The lender's items for a section, in the schema's order, or None when it left the section out."""
    given = (terms.get("closing_costs") or {}).get(section)
    if given is None:
        return None
    return tuple(Item(key, amount, "lender") for key, amount in given.items())


def _origination(terms: Mapping[str, Any], analysis: LoanAnalysis) -> tuple[Section, str | None]:
    """A: points, the lender's fees (itemised when its items add up to them) and other charges."""
    items = [Item("points", analysis.points_amount, "lender", points_text(terms["points"]))] \
        if analysis.points_amount else []
    itemised, ignored = _lenders("origination", terms), None
    if itemised is not None and sum(item.amount for item in itemised) == terms["lender_fees"]:
        items.extend(itemised)
    else:
        if itemised is not None:
            ignored = (f"Its origination items add up to {format_money(sum(item.amount for item in itemised))}, not "
                       f"its lender fees of {format_money(terms['lender_fees'])}, so we show its lender fees as one "
                       "line.")
        if terms["lender_fees"]:
            items.append(Item("lender_fees", terms["lender_fees"], "lender"))
    if terms["other_prepaid_finance_charges"]:
        items.append(Item("other_charges", terms["other_prepaid_finance_charges"], "lender"))
    return Section("A", "Origination charges", tuple(items)), ignored


def _guarantee(loan_type: str, amount: Decimal, analysis: LoanAnalysis) -> tuple[Item, ...]:
    """The FHA upfront premium or VA funding fee when it is paid in cash at closing."""
    if not amount or analysis.financed_guarantee:
        return ()
    key = "fha_upfront_premium" if loan_type == "fha" else "va_funding_fee"
    return (Item(key, amount, "rule", "the programme’s rate"),)


def _assumed(section: str, terms: Mapping[str, Any], profile: Mapping[str, Any], analysis: LoanAnalysis,
             monthly: MonthlyCost, assumptions: Assumptions) -> tuple[Item, ...]:
    """Our estimate of a section the lender did not itemise, from the named assumptions."""
    loan, value = analysis.loan_amount, Decimal(profile["property_value"])
    if section == "cannot_shop":
        return (Item("appraisal", assumptions.appraisal, "assumed"),
                Item("credit_report", assumptions.credit_report, "assumed"),
                Item("flood_and_tax_service", assumptions.flood_and_tax_service, "assumed"))
    if section == "can_shop":
        return (Item("title_insurance", _cents(loan * assumptions.title_insurance_rate / HUNDRED), "assumed",
                     _percent(assumptions.title_insurance_rate, "the loan")),
                Item("settlement_agent", assumptions.settlement_agent, "assumed"))
    if section == "taxes":
        return (Item("recording_fees", assumptions.recording_fees, "assumed"),
                Item("transfer_taxes", _cents(value * assumptions.transfer_tax_rate / HUNDRED), "assumed",
                     _percent(assumptions.transfer_tax_rate, "the home’s value")))
    if section == "other":
        return (Item("owners_title_insurance", _cents(value * assumptions.owners_title_insurance_rate / HUNDRED),
                     "assumed", _percent(assumptions.owners_title_insurance_rate, "the home’s value")),
                Item("home_inspection", assumptions.home_inspection, "assumed"),
                Item("hoa_capital_contribution", assumptions.hoa_capital_contribution, "assumed"))
    if section == "prepaids":
        daily = _cents(loan * terms["note_rate"] / HUNDRED / DAYS_PER_YEAR)
        days = int(assumptions.prepaid_interest_days)
        return (Item("homeowners_insurance", assumptions.home_insurance, "assumed", "12 months"),
                Item("prepaid_interest", daily * days, "assumed", f"{days} days at {format_money(daily)} a day"))
    months = int(assumptions.escrow_months)
    return (Item("homeowners_insurance", monthly.home_insurance * months, "assumed", f"{months} months"),
            Item("property_taxes", monthly.property_tax * months, "assumed", f"{months} months"))


def loan_estimate(terms: Mapping[str, Any], profile: Mapping[str, Any], analysis: LoanAnalysis,
                  monthly: MonthlyCost, assumptions: Assumptions) -> LoanEstimate:
    """`terms`: typed terms (MortgageLine.parse_terms); `monthly`: the offer's monthly_cost under the
    same assumptions (its tax and insurance fill G, its upfront guarantee goes in B)."""
    origination, ignored = _origination(terms, analysis)
    sections = [origination]
    for letter, key, title in SECTIONS[1:]:
        items = _lenders(key, terms)
        if items is None:
            items = _assumed(key, terms, profile, analysis, monthly, assumptions)
        if key == "cannot_shop":
            items += _guarantee(profile["loan_type"], monthly.upfront_guarantee, analysis)
        sections.append(Section(letter, title, items))
    return LoanEstimate(tuple(sections), Decimal(profile["down_payment"]), assumptions.deposit,
                        assumptions.seller_credits, ignored, analysis.lender_credits, analysis.financed_guarantee,
                        profile["loan_type"])


def credits_beyond_closing_costs(terms: Mapping[str, Any], profile: Mapping[str, Any],
                                 analysis: LoanAnalysis) -> str | None:
    """Why an offer's lender credits cannot be real — more than the closing costs they would pay (D + I,
    the lender's own items where it gave them, today's default assumptions for the rest) — or None."""
    if not analysis.lender_credits:
        return None
    assumptions = logged_assumptions(ASSUMPTIONS_VERSION)
    figures = loan_estimate(terms, profile, analysis, monthly_cost(terms, profile, analysis, assumptions), assumptions)
    costs = figures.loan_costs + figures.other_costs
    if analysis.lender_credits <= costs:
        return None
    return (f"{IMPLAUSIBLE}: its lender credit of {format_money(analysis.lender_credits)} is more than the "
            f"{format_money(costs)} of closing costs it would pay.")


def estimate_record(estimate: LoanEstimate) -> dict[str, Any]:
    """What the log keeps of an estimate as shown, compactly (a log entry has a byte budget): each
    section's total by its letter, J the total closing costs, the cash to close, which sections
    besides A are the lender's own (`lender`: their letters), and `ignored` when the lender's
    origination items were set aside. Each line of a section is arithmetic on the logged terms,
    profile and assumptions. Section H, the lender credits applied (`credit`) and the upfront
    guarantee added to the loan (`added`) are kept only when they are not nothing, so that an entry
    logged before they existed replays as it was logged."""
    return {
        **{section.letter: str(section.total) for section in estimate.sections
           if section.letter != "H" or section.total or section.by == "lender"},
        **({"credit": str(estimate.lender_credits)} if estimate.lender_credits else {}),
        "J": str(estimate.total),
        "cash": str(estimate.cash_to_close),
        "lender": "".join(section.letter for section in estimate.sections[1:] if section.by == "lender"),
        **({"ignored": "origination"} if estimate.ignored else {}),
        **({"added": str(estimate.financed_guarantee)} if estimate.financed_guarantee else {}),
    }


def typed_closing_costs(raw: Mapping[str, Mapping[str, str]] | None) -> dict[str, dict[str, Decimal]] | None:
    """A lender's itemisation (already checked against the schema) in Decimal; raises InvalidTerms
    when it names more items than a recorded offer has room for."""
    if raw is None:
        return None
    count = sum(len(items) for items in raw.values())
    if count > MAX_CLOSING_COST_ITEMS:
        raise InvalidTerms("closing_costs", f"itemises {count} closing costs; we accept at most "
                                            f"{MAX_CLOSING_COST_ITEMS}")
    return {section: {key: Decimal(amount) for key, amount in items.items()} for section, items in raw.items()}
