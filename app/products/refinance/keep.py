"""“Keep your current loan”: the answer when no ranked offer saves money over the years the
homeowner stays. It is said first, plainly and with its one money figure — what refinancing with the
best of the offers would cost more — and it is the comparison's logged recommendation
(RefinanceLine.status_quo, app/comparison/result.py). A named preset's promise holds with it: the
first answer is then the best on net saving, since keeping the loan saves exactly nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from app.money import to_cents
from app.products.mortgage.amortization import MONTHS_PER_YEAR
from app.products.mortgage.figures import money, years
from app.products.refinance.saving import horizon_months

KEEP_KEY = "current_loan"
KEEP_LABEL = "Keep your current loan"


def best_saving(ranking: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The ranked offer that saves the most (the first of equals in ranking order)."""
    best = None
    for offer in ranking:
        if best is None or Decimal(offer["values"]["net_saving"]) > Decimal(best["values"]["net_saving"]):
            best = offer
    return best


def keep_current_loan(ranking: Sequence[Mapping[str, Any]], profile: Mapping[str, Any] | None,
                      currency: str) -> dict[str, Any] | None:
    """The "keep your loan" answer when no ranked offer saves money; None when one does (or nothing ranked)."""
    best = best_saving(ranking)
    if best is None or profile is None:
        return None
    saving = to_cents(Decimal(best["values"]["net_saving"]))
    if saving > 0:
        return None
    stay = horizon_months(profile) // MONTHS_PER_YEAR
    over = f"over your {years(stay)}"
    one = len(ranking) == 1
    subject = "This offer does not save" if one else "None of these saves"
    with_best = "refinancing with it" if one else "refinancing with the best of them"
    outcome = (f"would cost you {money(-saving)} more" if saving < 0 else "would save you nothing")
    return {
        "key": KEEP_KEY,
        "label": KEEP_LABEL,
        "sentence": f"{subject} you money {over}; {with_best} ({best['provider_name']}) {outcome}.",
        "money": {"amount": format(abs(saving), "f"), "currency": currency, "period": "horizon", "years": stay,
                  "direction": "more" if saving < 0 else "same", "compared_with": best["provider"],
                  "compared_quote_id": best["quote_id"]},
    }
