"""What a mortgage comparison finds beside its ranking, logged with it: the anti-steering safe
harbor's loan options (safe_harbor.py) and which ranked offers are higher-priced mortgage loans
(apor.py), from the offers' logged terms and the APOR figures logged with the comparison."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.products.mortgage import apor
from app.products.mortgage.analysis import charges_at_closing
from app.products.mortgage.explain import TermsReader
from app.products.mortgage.safe_harbor import LoanOption, safe_harbor_options, transaction_type
from app.products.mortgage.schemas import FIXED_YEARS

HIGHER_PRICED_MEANING = (
    "A higher-priced mortgage loan is one whose APR is well above the average prime offer rate for a "
    "comparable loan that week: it costs noticeably more than lenders offer their best borrowers. The law then "
    "protects you further: the lender must hold your property taxes and insurance in an escrow account for at "
    "least five years, and must have the home appraised in writing by a licensed or certified appraiser who "
    "visits inside it, giving you a free copy before closing. It is also a reason to compare more offers."
)


def mortgage_findings(result: Mapping[str, Any], reference: Mapping[str, Any], terms_of: TermsReader) -> dict[str, Any]:
    """`terms_of(offer)`: the typed terms of a ranked offer. Each offer's APR is the one it was
    ranked on (its `apr` value), so nothing is worked out twice."""
    ranking = result["ranking"]
    loan_amount = Decimal(result["profile"]["loan_amount"])
    options = [_loan_option(offer, terms_of(offer), loan_amount) for offer in ranking]
    asked = [provider["provider"] for provider in result["providers"]]
    return {
        "safe_harbor": safe_harbor_options(options, asked),
        "higher_priced": _higher_priced(ranking, result["profile"], reference["apor"], terms_of),
    }


def _loan_option(offer: Mapping[str, Any], terms: Mapping[str, Any], loan_amount: Decimal) -> LoanOption:
    _, upfront = charges_at_closing(terms, loan_amount)
    return LoanOption(provider=offer["provider"], quote_id=offer["quote_id"], rank=offer["rank"],
                      transaction_type=transaction_type(terms["rate_type"]), note_rate=terms["note_rate"],
                      points_and_fees=upfront, features=tuple(terms["features"]))


def apor_term(terms: Mapping[str, Any]) -> tuple[str, int]:
    """Which APOR a loan is compared with: fixed rates by their term, adjustable ones by the years
    before their first adjustment (comment 35(a)(2)-3)."""
    if terms["rate_type"] == "fixed":
        return "fixed", int(terms["term_years"])
    return "adjustable", FIXED_YEARS[terms["rate_type"]]


def _higher_priced(ranking: list[Mapping[str, Any]], profile: Mapping[str, Any], rates: Mapping[str, Any],
                   terms_of: TermsReader) -> dict[str, Any]:
    """Which ranked offers are higher-priced, by their position in the ranking (0 first; the entry's
    ranking names them, and a log entry's size is bounded). Each offer's APR is its logged `apr`
    value and its APOR the reference data's rate for its kind and term, so the spread is arithmetic
    on logged figures; offers whose table is missing or out of date are counted as unchecked."""
    jumbo = profile["loan_type"] == "jumbo"
    flagged, unchecked = [], 0
    for position, offer in enumerate(ranking):
        kind, term = apor_term(terms_of(offer))
        average = rates[kind]["rates"].get(str(term)) if rates[kind]["status"] == "current" else None
        if average is None:
            unchecked += 1
        elif apor.is_higher_priced(Decimal(offer["values"]["apr"]), Decimal(average), jumbo=jumbo):
            flagged.append(position)
    return {"threshold": apor.threshold(jumbo=jumbo), "lien": "first", "jumbo": jumbo,
            "checked": len(ranking) - unchecked, "unchecked": unchecked, "flagged": flagged}
