"""The facts shown for a mortgage offer (its payment, cost, APR and charges, each with its note) and
why an offer is not the loan the buyer asked for."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.products.mortgage.amortization import MONTHS_PER_YEAR
from app.products.mortgage.analysis import PAYMENT_TOLERANCE, LoanAnalysis
from app.products.mortgage.guarantee import financed_guarantee, guarantee_words
from app.products.mortgage.figures import money as _money, percent as _percent, points as _points, years as _years
from app.products.mortgage.schemas import FIXED_YEARS

_LOAN_TYPE_WORDS = {"conventional": "a conventional", "fha": "an FHA", "va": "a VA", "jumbo": "a jumbo"}
_RATE_TYPE_WORDS = {
    "fixed": "a fixed rate",
    "arm_5_6": "a 5/6 adjustable rate",
    "arm_7_6": "a 7/6 adjustable rate",
    "arm_10_6": "a 10/6 adjustable rate",
}


def describe_rate(terms: Mapping[str, Any]) -> str:
    if terms["rate_type"] == "fixed":
        return f"{_percent(terms['note_rate'])} fixed"
    return f"{_percent(terms['note_rate'])} for {FIXED_YEARS[terms['rate_type']]} years, then adjusts"


def mismatch_reason(terms: Mapping[str, Any], profile: Mapping[str, Any]) -> str | None:
    """Why the offer is not the loan the buyer asked for, or None when it is."""
    if terms["loan_type"] != profile["loan_type"]:
        return (f"It is {_LOAN_TYPE_WORDS[terms['loan_type']]} loan; you asked for "
                f"{_LOAN_TYPE_WORDS[profile['loan_type']]} loan.")
    if terms["term_years"] != profile["term_years"]:
        return f"It is a {terms['term_years']}-year loan; you asked for {profile['term_years']} years."
    if terms["rate_type"] != profile["rate_type"]:
        return f"It has {_RATE_TYPE_WORDS[terms['rate_type']]}; you asked for {_RATE_TYPE_WORDS[profile['rate_type']]}."
    asked = Decimal(profile["loan_amount"])
    # An offer that adds the FHA upfront premium or VA funding fee to the loan may quote the loan with it.
    if terms["loan_amount"] is not None and terms["loan_amount"] not in (asked, asked + financed_guarantee(terms, profile)):
        return f"It is for a loan of {_money(terms['loan_amount'])}; you asked for {_money(asked)}."
    willing = Decimal(profile["max_points"])
    if terms["points"] > willing:
        limit = "no points" if willing == 0 else f"at most {_points(willing)}"
        return f"It charges {_points(terms['points'])}; you are willing to pay {limit}."
    return None


# Features whose payments are not a fully amortising loan's: Candor's schedule would not be theirs.
_UNLIKE_PAYMENTS = {"interest_only": "interest-only payments", "negative_amortization": "negative amortization",
                    "balloon_within_7_years": "a balloon payment in the first 7 years"}


def unlike_payments(terms: Mapping[str, Any]) -> str | None:
    """Why an offer's payments cannot be worked out like a plain loan's, or None."""
    for feature, words in _UNLIKE_PAYMENTS.items():
        if feature in terms["features"]:
            return (f"It has {words}, so its payments do not repay the loan month by month; we cannot work out "
                    "its cost like for like with the others.")
    return None


def offer_facts(terms: Mapping[str, Any], profile: Mapping[str, Any], analysis: LoanAnalysis) -> dict[str, str]:
    years = analysis.horizon_months // MONTHS_PER_YEAR
    facts = {
        "loan_amount": _money(analysis.loan_amount),
        "monthly_payment": _money(analysis.schedule.first_payment),
        "payment_note": _payment_note(terms, analysis),
        "horizon_cost": _money(analysis.horizon_cost),
        "horizon_note": f"over your {_years(years)}; you would still owe {_money(analysis.balance_left)}",
        "balance_left": _money(analysis.balance_left),
        "apr": _percent(analysis.apr),
        "apr_note": _apr_note(terms, analysis),
        "upfront": _money(analysis.at_closing),
        "upfront_note": _upfront_note(terms, analysis),
        "points": "no points" if terms["points"] == 0 else _points(terms["points"]),
        "amount_financed": _money(analysis.amount_financed),
    }
    if analysis.financed_guarantee:
        facts["loan_note"] = (f"with the {guarantee_words(profile['loan_type'])} of "
                              f"{_money(analysis.financed_guarantee)} added to the loan")
    quoted_apr = terms["apr"]
    if quoted_apr is not None and abs(quoted_apr - analysis.apr) > analysis.apr_tolerance():
        facts["apr_disagrees"] = (
            f"Their quoted APR ({_percent(quoted_apr)}) disagrees with ours ({_percent(analysis.apr)}) by more "
            f"than the {analysis.apr_tolerance()} percentage point the law allows."
        )
    quoted_payment = terms["monthly_payment"]
    if quoted_payment is not None and abs(quoted_payment - analysis.schedule.first_payment) > PAYMENT_TOLERANCE:
        facts["payment_disagrees"] = (
            f"Their quoted monthly payment ({_money(quoted_payment)}) disagrees with ours "
            f"({_money(analysis.schedule.first_payment)})."
        )
    return facts


def _payment_note(terms: Mapping[str, Any], analysis: LoanAnalysis) -> str:
    quoted = terms["monthly_payment"]
    theirs = ""
    if quoted is not None and abs(quoted - analysis.schedule.first_payment) > PAYMENT_TOLERANCE:
        theirs = f"; they quote {_money(quoted)}"
    if analysis.worst_case is None:
        return "principal and interest" + theirs
    fixed_years = FIXED_YEARS[terms["rate_type"]]
    changes = analysis.schedule.rate_changes()
    expected = changes[-1].payment if changes else analysis.schedule.first_payment
    highest = max(month.payment for month in analysis.worst_case.months)
    return (f"for {fixed_years} years, then {_money(expected)} if rates stay as they are, "
            f"at most {_money(highest)}" + theirs)


def _apr_note(terms: Mapping[str, Any], analysis: LoanAnalysis) -> str:
    ours = _percent(analysis.apr)
    quoted = terms["apr"]
    if quoted is None:
        return f"{ours} (the lender did not quote one)"
    if abs(quoted - analysis.apr) > analysis.apr_tolerance():
        return f"{ours}; they quote {_percent(quoted)}: their quoted APR disagrees with ours"
    return f"{ours} (they quote {_percent(quoted)})"


def _upfront_note(terms: Mapping[str, Any], analysis: LoanAnalysis) -> str:
    parts = []
    if terms["points"] > 0:
        parts.append(f"{_points(terms['points'])} ({_money(analysis.points_amount)})")
    parts.append(f"{_money(terms['lender_fees'])} lender fees")
    if terms["other_prepaid_finance_charges"] > 0:
        parts.append(f"{_money(terms['other_prepaid_finance_charges'])} other charges")
    note = " + ".join(parts)
    if analysis.lender_credits:
        note += f" − {_money(analysis.lender_credits)} lender credit"
    return note
