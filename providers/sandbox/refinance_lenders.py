"""The sandbox's refinance lenders: the mortgage market's lenders (lenders.py), quoting refinances.

A refinance is priced like a purchase loan of the same size (lender_pricing.py), with the market's
refinance adjustments on top — a rate-and-term refinance a little above a purchase, a cash-out
refinance more — and each offer states the third-party closing costs (appraisal, title, recording)
the lender estimates. Three lenders quote each homeowner (Candor Quote Protocol v1, product
"refinance"); Granite Funding only publishes a CSV rate sheet of rate-and-term refinance rates,
which Candor's rate_sheet adapter reads — a homeowner taking cash out is not covered by it.

    lender            publishes       trade-off
    Harbor Home Loans quote protocol  our own: 0 or 1 point, usual fees and closing costs
    Bluebird Lending  quote protocol  "no-cost": no points, no fees, closing costs paid by the lender,
                                      for a higher rate (wins short stays)
    Keystone Mortgage quote protocol  buys the rate down with 2-3 points (wins long stays, when allowed)
    Granite Funding   CSV rate sheet  1.5 or 3 points, rate-and-term only

So whether a refinance pays depends on the homeowner: with a current rate near today's market, or
a short stay against high points, it does not, and Candor says to keep the loan.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Request, Response

from .insurer_app import RunState, json_response, problem, read_limited_body
from .lender_pages import rate_sheet, rate_sheet_settings
from .lender_pricing import RateCard, points_options, published_rows, quote_terms
from .lender_request import MortgageProfile, parse_mortgage_request
from .lenders import LenderApp, LenderSpec, standard_decline
from .profile import FieldError, ProfileError

PRODUCT = "refinance"
RATE_AND_TERM_ADJUSTMENT = Decimal("0.125")
CASH_OUT_ADJUSTMENT = Decimal("0.375")
# Lenders refinance at most 80% of the home's value when cash is taken out.
CASH_OUT_MOST_LOAN_TO_VALUE = Decimal("0.80")


@dataclass(frozen=True)
class RefinanceLenderSpec(LenderSpec):
    """A lender of the mortgage market, quoting refinances with its estimate of the closing costs."""

    third_party_costs: Decimal = Decimal("0.00")

    def wsgi_app(self, state: RunState) -> RefinanceLenderApp:  # type: ignore[override]
        return RefinanceLenderApp(self, state)

    def provider_entry(self, url: str, timeout_s: float) -> dict[str, Any]:
        entry = super().provider_entry(url, timeout_s)
        if self.publishes != "rate_sheet":
            return entry
        settings = rate_sheet_settings(f"{url}/rates.csv", self.service_score, finance_guarantee=False)
        return {**entry, **settings,
                "columns": {**settings["columns"], "third_party_costs": {"header": "third_party_costs", "parse": "money"},
                            "cash_out_up_to": {"header": "cash_out_up_to", "parse": "money"}},
                "match": [*settings["match"], {"value": "cash_out", "to": "cash_out_up_to"}],
                "terms": {**settings["terms"], "third_party_costs": {"row": "third_party_costs"}}}

    def priced(self, cash_out: Decimal) -> RefinanceLenderSpec:
        """This lender with the refinance adjustment in its spread, for a homeowner taking `cash_out`."""
        adjustment = CASH_OUT_ADJUSTMENT if cash_out > 0 else RATE_AND_TERM_ADJUSTMENT
        card = dataclasses.replace(self.rate_card, spread=self.rate_card.spread + adjustment)
        return dataclasses.replace(self, rate_card=card)


def cash_out_of(body: bytes) -> Decimal:
    """The homeowner's cash out from a quote request whose loan fields were read already."""
    profile = json.loads(body).get("profile") or {}
    value = profile.get("cash_out") if isinstance(profile, dict) else None
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise ProfileError([FieldError("/profile/cash_out", 'must be a decimal amount in USD such as "0.00"')])
    return amount


class RefinanceLenderApp(LenderApp):
    """The lender's web service for refinances: the same routes, the refinance's product and pricing."""

    spec: RefinanceLenderSpec

    def quotes(self, request: Request) -> Response:
        body = read_limited_body(request)
        trouble = (problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "The request body is too large") if body is None
                   else self._misbehave())
        if trouble is not None or body is None:
            return trouble or problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "The request body is too large")
        try:
            profile = parse_mortgage_request(body, PRODUCT)
            cash_out = cash_out_of(body)
        except ProfileError as error:
            return problem(HTTPStatus.BAD_REQUEST, str(error), errors=error.errors)
        if cash_out > 0 and profile.loan_to_value > CASH_OUT_MOST_LOAN_TO_VALUE:
            return json_response({"quotes": [], "declined": {
                "reason": "We lend at most 80% of the home's value when you take cash out."}})
        answer = self.answer(profile, self.state.clock(), request.host_url, self.spec.priced(cash_out))
        return json_response(answer)

    def answer(self, profile: MortgageProfile, now: datetime, host_url: str,
               priced: LenderSpec | None = None) -> dict[str, Any]:
        """The lender's answer with each offer priced as a refinance (`priced`: this lender with its refinance
        adjustment) and stating its closing costs; quote ids, validity and declines as for a purchase."""
        answered = super().answer(profile, now, host_url)
        offered = quote_terms(priced or self.spec, profile, finance_guarantee=False)
        for quote, terms in zip(answered["quotes"], offered):
            quote["product"] = PRODUCT
            quote["terms"] = {**terms, "third_party_costs": f"{self.spec.third_party_costs:.2f}"}
        return answered

    def published(self, kind: str, content_type: str) -> Response:
        trouble = self._misbehave()
        if trouble is not None:
            return trouble
        with self._lock:
            if kind not in self._published:
                rows = published_rows(self.spec.priced(Decimal(0)))
                self._published[kind] = _with_third_party_costs(rate_sheet(rows), self.spec.third_party_costs).encode("utf-8")
        return Response(self._published[kind], content_type=content_type)


def _with_third_party_costs(sheet: str, third_party_costs: Decimal) -> str:
    """The rate sheet with the closing costs and the most cash out (none) each row is for."""
    lines = sheet.splitlines()
    return "\n".join([lines[0] + ",third_party_costs,cash_out_up_to",
                      *(f"{line},{third_party_costs:.2f},0.00" for line in lines[1:])]) + "\n"


def refinance_lenders() -> list[RefinanceLenderSpec]:
    """The default refinance market: the house (Harbor Home Loans) and three competitors."""
    return [
        RefinanceLenderSpec(
            key="harbor_home_refi", name="Harbor Home Loans", house=True, commission="none — this is our own offer",
            publishes="quote_protocol", service_score=828, decline=standard_decline, products=(PRODUCT,),
            third_party_costs=Decimal("2450.00"),
            rate_card=RateCard(spread=Decimal("0.000"), options=points_options(("0", "0"), ("1", "0.250")),
                               lender_fees=Decimal("1295.00"), rate_lock_days=45),
        ),
        RefinanceLenderSpec(
            key="bluebird_refi", name="Bluebird Lending", house=False,
            commission="0.50% of the loan amount, paid by the lender", publishes="quote_protocol", service_score=802,
            decline=standard_decline, products=(PRODUCT,), third_party_costs=Decimal("0.00"),
            rate_card=RateCard(spread=Decimal("0.375"), options=points_options(("0", "0")),
                               lender_fees=Decimal("0.00"), rate_lock_days=30),
        ),
        RefinanceLenderSpec(
            key="keystone_refi", name="Keystone Mortgage", house=False, commission="$1,500 per loan closed",
            publishes="quote_protocol", service_score=781, decline=standard_decline, products=(PRODUCT,),
            third_party_costs=Decimal("2950.00"),
            rate_card=RateCard(spread=Decimal("0.000"), options=points_options(("2", "0.500"), ("3", "0.750")),
                               lender_fees=Decimal("1950.00"), rate_lock_days=60),
        ),
        RefinanceLenderSpec(
            key="granite_refi", name="Granite Funding", house=False, commission="$900 per loan closed",
            publishes="rate_sheet", service_score=794, decline=standard_decline, products=(PRODUCT,),
            third_party_costs=Decimal("2200.00"),
            rate_card=RateCard(spread=Decimal("0.000"), options=points_options(("1.5", "0.375"), ("3", "0.875")),
                               lender_fees=Decimal("1495.00"), rate_lock_days=45),
        ),
    ]
