"""The loan options Regulation Z's anti-steering safe harbor names (12 CFR 1026.36(e)(2)-(4)).

For each type of transaction the buyer is interested in — an APR that cannot increase after closing
(fixed) or one that may (adjustable) — a loan originator presents, from loans the buyer likely
qualifies for, obtained from a significant number of creditors (at least three, when it works with
three or more; comment 36(e)(3)-3):

  (A) the loan with the lowest interest rate;
  (B) the loan with the lowest interest rate without negative amortization, a prepayment penalty,
      interest-only payments, a balloon payment in the first 7 years, a demand feature, shared
      equity or shared appreciation;
  (C) the loan with the lowest total dollar amount of discount points, origination points or
      origination fees (on a tie, the one of those with the lowest interest rate).

More than three loans presented: the three are highlighted (1026.36(e)(3)(iii)). One loan may be
more than one option, so fewer than three loans can satisfy the rule (1026.36(e)(4)).

The options are picked from the offers ranked for the buyer (each one we believe they qualify for),
by their terms alone; a tie beyond the rule's own tie-break goes to the better-ranked offer, so the
same offers always give the same options (a replay of the log gives the same answer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# A significant number of creditors (comment 36(e)(3)-3).
CREDITORS_NEEDED = 3
TRANSACTION_TYPES = ("fixed", "adjustable")
TRANSACTION_TYPE_WORDS = {"fixed": "Loans whose rate cannot go up", "adjustable": "Loans whose rate can go up"}
FEATURE_WORDS = {
    "negative_amortization": "negative amortization",
    "prepayment_penalty": "a prepayment penalty",
    "interest_only": "interest-only payments",
    "balloon_within_7_years": "a balloon payment in the first 7 years",
    "demand_feature": "a demand feature",
    "shared_equity": "shared equity",
    "shared_appreciation": "shared appreciation",
}
OPTIONS = (
    ("lowest_rate", "Lowest interest rate"),
    ("lowest_rate_without_risky_features", "Lowest interest rate without risky features"),
    ("lowest_points_and_fees", "Lowest points and origination fees"),
)


@dataclass(frozen=True)
class LoanOption:
    """One ranked offer as the safe harbor reads it."""

    provider: str
    quote_id: str
    rank: int
    transaction_type: str
    """"fixed" or "adjustable"."""
    note_rate: Decimal
    points_and_fees: Decimal
    """Discount points, origination points and fees in dollars: what is paid the lender at closing."""
    features: tuple[str, ...]

    @property
    def risky(self) -> bool:
        return bool(self.features)


def transaction_type(rate_type: str) -> str:
    return "fixed" if rate_type == "fixed" else "adjustable"


def _pick(options: Iterable[LoanOption], *order: str) -> LoanOption | None:
    def key(option: LoanOption) -> tuple[Any, ...]:
        figures = {"rate": option.note_rate, "fees": option.points_and_fees}
        return (*(figures[name] for name in order), option.rank, option.provider, option.quote_id)

    return min(options, key=key, default=None)


def safe_harbor_options(offers: Sequence[LoanOption], asked: Sequence[str]) -> list[dict[str, Any]]:
    """One group per type of transaction among the offers, in TRANSACTION_TYPES order: the three
    options (each the offer's provider and quote id, or None when no offer qualifies: B when every
    loan has a risky feature), the creditors they were chosen among, and whether that is at least
    three. `asked`: the providers asked, to say how many were when fewer than three quoted."""
    groups = []
    for kind in TRANSACTION_TYPES:
        of_kind = [offer for offer in offers if offer.transaction_type == kind]
        if not of_kind:
            continue
        chosen = {
            "lowest_rate": _pick(of_kind, "rate", "fees"),
            "lowest_rate_without_risky_features": _pick((offer for offer in of_kind if not offer.risky), "rate", "fees"),
            "lowest_points_and_fees": _pick(of_kind, "fees", "rate"),
        }
        creditors = sorted({offer.provider for offer in of_kind})
        groups.append({
            "transaction_type": kind,
            "offers": len(of_kind),
            "creditors": creditors,
            "creditors_asked": len(asked),
            "enough_creditors": len(creditors) >= CREDITORS_NEEDED,
            "options": {key: None if option is None else _option_record(option) for key, option in chosen.items()},
        })
    return groups


def _option_record(option: LoanOption) -> dict[str, Any]:
    """Which ranked offer: its rate, charges and features are in the same entry (its terms, its facts),
    and a log entry's size is bounded."""
    return {"provider": option.provider, "quote_id": option.quote_id, "rank": option.rank}


def features_text(features: Iterable[str]) -> str:
    """"a prepayment penalty and shared equity"; "none" when there are none."""
    words = [FEATURE_WORDS[feature] for feature in features]
    if not words:
        return "none"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def creditors_sentence(group: Mapping[str, Any]) -> str:
    """Whether the options were chosen among enough creditors, in words."""
    count = len(group["creditors"])
    lenders = "1 lender" if count == 1 else f"{count} lenders"
    if group["enough_creditors"]:
        return f"Chosen among {group['offers']} offers from {lenders}."
    return (f"Only {lenders} of the {group['creditors_asked']} we asked made an offer of this kind, fewer than the "
            f"three the rule asks for: these options are the best of what {'it' if count == 1 else 'they'} offered.")
