"""Mortgage explanations in plain words, computed from the logged offers: when does a lower rate
pay back the higher points and fees it costs, and is that within the years the buyer will stay?

"The lower rate of Granite Funding — 6.000% against 6.625% for Bluebird Lending — pays back its
higher points and fees ($10,500.00 against $0.00) only after 6.5 years; you expect to stay 4."
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.money import format_money
from app.products.mortgage.amortization import MONTHS_PER_YEAR, break_even_month
from app.products.mortgage.analysis import LoanAnalysis
from app.products.mortgage.schemas import FIXED_YEARS

Analyser = Callable[[Mapping[str, Any]], LoanAnalysis]
"""The analysis of one ranked offer of a logged result (MortgageLine.analyser)."""
TermsReader = Callable[[Mapping[str, Any]], Mapping[str, Any]]
"""The typed terms of one ranked offer of a logged result (MortgageLine.typed_terms)."""

COMPARED_WITH_TOP = 3
TENTH = Decimal("0.1")


def years_text(months: int) -> str:
    """Months as years to one decimal, without a trailing ".0": 78 → "6.5 years", 12 → "1 year"."""
    years = (Decimal(months) / MONTHS_PER_YEAR).quantize(TENTH, rounding=ROUND_HALF_UP)
    text = f"{years:f}".removesuffix(".0")
    return f"{text} year" if text == "1" else f"{text} years"


def offer_name(terms: Mapping[str, Any]) -> str:
    """A loan's name from its terms (already checked against the schema): "30-year fixed, 1
    point", "30-year 7/6 adjustable, no points"."""
    kind = "fixed" if terms["rate_type"] == "fixed" else f"{FIXED_YEARS[terms['rate_type']]}/6 adjustable"
    points = Decimal(terms["points"])
    text = format(points.normalize(), "f")
    cost = "no points" if points == 0 else f"{text} point" if points == 1 else f"{text} points"
    return f"{terms['term_years']}-year {kind}, {cost}"


def offer_labels(ranking: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """A name for each ranked offer (by quote id), as the comparison's explanations name it: the
    provider, with the loan's own name when the provider made more than one offer, and "our offer"
    for the house's: "Harbor Home Loans (30-year fixed, 1 point; our offer)"."""
    counts: dict[str, int] = {}
    for offer in ranking:
        counts[offer["provider"]] = counts.get(offer["provider"], 0) + 1
    labels = {}
    for offer in ranking:
        notes = []
        if counts[offer["provider"]] > 1:
            # Entries logged before offers had names: their points told them apart.
            notes.append(offer.get("offer_name") or offer["facts"].get("points", ""))
        if offer["house"]:
            notes.append("our offer")
        labels[offer["quote_id"]] = offer["provider_name"] + (f" ({'; '.join(notes)})" if notes else "")
    return labels


def break_even_notes(result: Mapping[str, Any], analysed: Analyser) -> list[str]:
    """For the best fit and each of the next offers: where one has the lower rate and the other the
    lower charges at closing, when the lower rate catches up, against the buyer's horizon."""
    ranking = result["ranking"]
    if len(ranking) < 2:
        return []
    labels = offer_labels(ranking)
    top = ranking[0]
    notes = []
    for other in ranking[1:1 + COMPARED_WITH_TOP]:
        note = break_even_sentence(
            (labels[top["quote_id"]], analysed(top)),
            (labels[other["quote_id"]], analysed(other)),
        )
        if note is not None:
            notes.append(note)
    return notes


def break_even_sentence(first: tuple[str, LoanAnalysis], second: tuple[str, LoanAnalysis]) -> str | None:
    """The sentence for two offers that trade a lower rate for higher charges, or None when one of
    them is no worse on both (then there is nothing to pay back)."""
    (name_a, a), (name_b, b) = first, second
    dearer, cheaper = ((name_a, a), (name_b, b)) if a.at_closing > b.at_closing else ((name_b, b), (name_a, a))
    (dear_name, dear), (cheap_name, cheap) = dearer, cheaper
    dear_rate, cheap_rate = dear.schedule.months[0].rate, cheap.schedule.months[0].rate
    if dear.at_closing == cheap.at_closing or dear_rate >= cheap_rate:
        return None
    horizon = dear.horizon_months
    term = max(len(dear.schedule.months), len(cheap.schedule.months))
    month = break_even_month(cheap.monthly_costs(term), dear.monthly_costs(term))
    rate = f"The lower rate of {dear_name} — {dear_rate:.3f}% against {cheap_rate:.3f}% for {cheap_name} —"
    net = " net of lender credits" if dear.lender_credits or cheap.lender_credits else ""
    charges = (f"its higher points and fees{net} ({format_money(dear.at_closing)} against "
               f"{format_money(cheap.at_closing)})")
    stay = years_text(horizon).removesuffix(" years").removesuffix(" year")
    if month is None:
        return f"{rate} never pays back {charges} over the loan’s term."
    if month > horizon:
        return f"{rate} pays back {charges} only after {years_text(month)}; you expect to stay {stay}."
    return f"{rate} pays back {charges} after {years_text(month)}, within the {stay} you expect to stay."
