"""The facts shown for a refinance offer: its net saving and break-even month against keeping the
current loan, its payment beside today's, its rate and APR, and what it costs at closing."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.formatting import plural
from app.money import format_money
from app.products.mortgage.amortization import MONTHS_PER_YEAR
from app.products.mortgage.facts import offer_facts
from app.products.mortgage.figures import money, points, years
from app.products.refinance.saving import Refinance


def month_words(month: int) -> str:
    """"month 23 (1 year 11 months)"."""
    whole, rest = divmod(month, MONTHS_PER_YEAR)
    span = " ".join(part for part in (plural(whole, "year") if whole else "", plural(rest, "month") if rest else "")
                    if part)
    return f"month {month} ({span})" if whole else f"month {month}"


def saving_words(amount: Decimal) -> str:
    """A net saving as words: "saves you $3,105.33", "costs you $1,240.18 more", "saves you nothing"."""
    if amount > 0:
        return f"saves you {money(amount)}"
    if amount < 0:
        return f"costs you {money(-amount)} more"
    return "saves you nothing"


def break_even_facts(analysis: Refinance) -> dict[str, str]:
    month = analysis.break_even_month
    if month is None:
        return {"break_even": "never", "break_even_note": "the interest it saves never covers its upfront costs"}
    within = month <= analysis.horizon
    stay = years(analysis.horizon // MONTHS_PER_YEAR)
    note = (f"within your {stay}" if within else f"after you expect to move: you stay {plural(analysis.horizon, 'month')}")
    return {"break_even": month_words(month), "break_even_note": note}


def refinance_facts(terms: Mapping[str, Any], profile: Mapping[str, Any], analysis: Refinance) -> dict[str, str]:
    facts = offer_facts(terms, profile, analysis.new)
    for purchase_only in ("horizon_cost", "horizon_note"):
        facts.pop(purchase_only, None)
    saving = analysis.net_saving
    interest_saved = saving + analysis.upfront
    stay = years(analysis.horizon // MONTHS_PER_YEAR)
    change = analysis.payment_change
    parts = [facts["upfront_note"]] + ([f"{money(terms['third_party_costs'])} closing costs"]
                                       if terms["third_party_costs"] > 0 else [])
    facts.update({
        "net_saving": format_money(saving, "USD"),
        "saving_note": (f"over your {stay}: {money(interest_saved)} less interest, {money(analysis.upfront)} upfront"
                        if saving > 0 else f"{saving_words(saving)} than keeping your loan, over your {stay}"
                        if saving < 0 else f"over your {stay}: it saves you nothing"),
        "payment_note": (f"{money(-change)} less than now" if change < 0 else
                         f"{money(change)} more than now" if change > 0 else "the same as now"),
        "upfront": money(analysis.upfront),
        "upfront_note": " + ".join(parts),
        "points": "no points" if terms["points"] == 0 else points(terms["points"]),
        **break_even_facts(analysis),
    })
    return facts
