"""The results page's "full monthly cost" table for the top offers, with the assumptions it used
and, when the buyer changed them, any that were not figures in range (shown next to their fields;
the defaults are used instead, never a failed page)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.formatting import plural
from app.products.mortgage.explain import Analyser, TermsReader
from app.products.mortgage.figures import money
from app.products.mortgage.monthly_cost import (
    ASSUMPTION_FIELDS,
    Assumptions,
    InvalidAssumptions,
    assumption_values,
    monthly_cost,
    read_assumptions,
)

SHOWN = 3


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


@dataclass(frozen=True)
class AssumptionField:
    name: str
    label: str
    unit: str
    value: str
    error: str | None


@dataclass(frozen=True)
class FullCost:
    rows: list[CostRow]
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


def full_cost(result: Mapping[str, Any], values: Mapping[str, str], analysed: Analyser,
              terms_of: TermsReader) -> FullCost | None:
    """The top offers' full monthly cost under the buyer's assumptions (`values`: the page's query
    parameters), or None when the result cannot say (its details were erased, nothing ranked)."""
    if result.get("profile") is None or not result["ranking"]:
        return None
    errors: dict[str, str] = {}
    try:
        assumptions = read_assumptions(values)
    except InvalidAssumptions as invalid:
        errors, assumptions = invalid.errors, Assumptions()
    profile = result["profile"]
    rows = []
    for offer in result["ranking"][:SHOWN]:
        terms = terms_of(offer)
        cost = monthly_cost(terms, profile, analysed(offer), assumptions)
        cash_note = (f"down payment, points and fees, and {money(cost.upfront_guarantee)} "
                     f"{'upfront mortgage insurance premium' if profile['loan_type'] == 'fha' else 'VA funding fee'} "
                     "(or add it to the loan)" if cost.upfront_guarantee else "down payment, points and fees")
        name = offer["provider_name"] + (f" ({offer['offer_name']})" if offer.get("offer_name") else "")
        rows.append(CostRow(name, offer["house"], money(cost.principal_and_interest), money(cost.property_tax),
                            money(cost.home_insurance), money(cost.mortgage_insurance),
                            _insurance_note(cost.mortgage_insurance_kind, cost.mortgage_insurance_months),
                            money(cost.total), money(cost.cash_to_close), cash_note))
    shown = assumption_values(assumptions)
    form = [AssumptionField(name, label, unit, values.get(name, "") if name in errors else shown[name], errors.get(name))
            for name, (label, unit, _, _) in ASSUMPTION_FIELDS.items()]
    changed = any(values.get(name) for name in ASSUMPTION_FIELDS)
    return FullCost(rows, form, changed)
