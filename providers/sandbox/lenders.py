"""The sandbox's mortgage lenders: their pricing, and the three ways they publish it — Candor Quote
Protocol v1 (a quote for each buyer), an HTML page of today's rates, and a CSV rate sheet.

Every lender prices from the same market (base rates and the usual adjustments for credit score,
loan-to-value, loan type, term, adjustable rates and occupancy) but trades rate against points and
fees its own way, so the cheapest lender genuinely depends on how long the buyer keeps the loan:

    lender            publishes        trade-off
    Harbor Home Loans quote protocol   our own: middle of the road, 0 or 1 point
    Bluebird Lending  quote protocol   no points, no fees, a higher rate (wins short stays)
    Keystone Mortgage quote protocol   buys the rate down hard with 2-3 points; quotes the note
                                       rate as its "APR", which Candor flags; its loans have a
                                       prepayment penalty (a risky feature: the safe harbor's
                                       lowest rate without one is another lender's)
    Maple Street Bank HTML rate table  standard pricing, 0 or 1 point, small fees
    Prairie Credit    HTML rate table  low fees, half a point at most, a long rate lock
    Granite Funding   CSV rate sheet   1.5 or 3 points for the lowest rates (wins long stays)

Cedar Ridge Mortgage (credit_lenders(), not in the default market: a test or demo adds it) pays a lender
credit of 1.25% of the loan toward the closing costs for a rate 3/8 of a point higher, and itemises
section H (a home inspection it arranges).

Every lender adds the FHA upfront premium or VA funding fee to an FHA or VA loan and says so.

Harbor and Keystone itemise their closing costs in the Loan Estimate's sections (Harbor its origination
fees, services and recording fees; Keystone its services); Bluebird leaves them to Candor's assumptions.

Lenders that quote a buyer compute their monthly payment and APR with numpy-financial in binary
floating point, as a lender's own system might; Candor never takes those figures on trust, it
recomputes both in Decimal and shows a disagreement. Published rates (page, sheet) assume a
primary home with at least 20% down, as such tables usually do.
"""
from __future__ import annotations

import threading
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .insurer_app import (
    QUOTE_VALIDITY_S,
    RunState,
    json_response,
    offer_response,
    problem,
    read_limited_body,
    route,
    status_response,
    valid_until,
)
from .lender_pages import rate_page, rate_page_settings, rate_sheet, rate_sheet_settings
from .lender_pricing import (
    LOWEST_BAND,
    ClosingCostCard,
    PointsOption,
    RateCard,
    points_options,
    published_rows,
    quote_terms,
)
from .lender_request import CREDIT_SCORE_BANDS, PRODUCT, MortgageProfile, parse_mortgage_request
from .profile import ProfileError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Publishing = Literal["quote_protocol", "html_rate_table", "rate_sheet"]

_ROUTES = Map([
    Rule("/", endpoint="describe", methods=["GET"]),
    Rule("/quotes", endpoint="quotes", methods=["POST"]),
    Rule("/quotes/<quote_id>", endpoint="status", methods=["GET"]),
    Rule("/offer/<offer_id>", endpoint="offer", methods=["GET"]),
    Rule("/rates", endpoint="rate_page", methods=["GET"]),
    Rule("/rates.csv", endpoint="rate_sheet", methods=["GET"]),
    Rule("/robots.txt", endpoint="robots", methods=["GET"]),
])


@dataclass(frozen=True)
class LenderSpec:
    """One sandbox lender: who it is, how it prices, how it publishes, and the market's knobs."""

    key: str
    name: str
    house: bool
    commission: str
    publishes: Publishing
    rate_card: RateCard
    service_score: int
    products: tuple[str, ...] = (PRODUCT,)
    latency_s: float = 0.0
    error_rate: float = 0.0
    quotes_note_rate_as_apr: bool = False
    """Quote the note rate where the APR belongs — the misleading quote Candor's check exists for."""
    features: tuple[str, ...] = ()
    """Risky loan features its quotes have (a prepayment penalty…), stated in their terms."""
    closing_costs: ClosingCostCard | None = None
    """The closing costs its quotes itemise; None: it leaves them to Candor's assumptions."""
    decline: Callable[[MortgageProfile], str | None] | None = None
    seed: int | None = None
    quote_validity_s: float = QUOTE_VALIDITY_S
    """How long its quotes hold; a few seconds make one lapse between the ranking and the hand-off."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"{self.key}: error_rate must be between 0 and 1")
        if self.latency_s < 0:
            raise ValueError(f"{self.key}: latency_s must not be negative")
        if not 0 <= self.service_score <= 1000:
            raise ValueError(f"{self.key}: service_score must be between 0 and 1000")
        if not 0 < self.quote_validity_s <= 90 * 86400:
            raise ValueError(f"{self.key}: quote_validity_s must be more than 0 and at most 90 days")

    @property
    def error_seed(self) -> int:
        return self.seed if self.seed is not None else zlib.crc32(self.key.encode())

    def wsgi_app(self, state: RunState) -> LenderApp:
        return LenderApp(self, state)

    def provider_entry(self, url: str, timeout_s: float) -> dict[str, Any]:
        """This lender's table in a providers file, for the adapter that reads how it publishes."""
        entry: dict[str, Any] = {
            "key": self.key,
            "name": self.name,
            "adapter": self.publishes,
            "products": list(self.products),
            "house": self.house,
            "timeout_s": timeout_s,
            "commission": self.commission,
        }
        if self.publishes == "quote_protocol":
            return {**entry, "url": url}
        if self.publishes == "html_rate_table":
            return {**entry, **rate_page_settings(f"{url}/rates", self.service_score,
                                                  finance_guarantee=PRODUCT in self.products)}
        return {**entry, **rate_sheet_settings(f"{url}/rates.csv", self.service_score,
                                               finance_guarantee=PRODUCT in self.products)}


def standard_decline(profile: MortgageProfile) -> str | None:
    lowest = CREDIT_SCORE_BANDS.index(LOWEST_BAND[profile.loan_type])
    if CREDIT_SCORE_BANDS.index(profile.credit_score_band) > lowest:
        return f"We need a credit score of at least {LOWEST_BAND[profile.loan_type].split('-')[0]} for this loan."
    if profile.loan_type != "va" and profile.loan_to_value > Decimal("0.97"):
        return "We lend at most 97% of the home's value."
    return None


# The closing costs two lenders itemise on their quotes (Harbor's origination items add up to its fees).
HARBOR_CLOSING_COSTS = ClosingCostCard(fixed=(
    ("origination", "origination_fee", "995"), ("origination", "underwriting_fee", "300"),
    ("cannot_shop", "appraisal", "550"), ("cannot_shop", "credit_report", "35"),
    ("cannot_shop", "flood_determination", "12"), ("cannot_shop", "tax_service", "78"),
    ("can_shop", "settlement_agent", "650"), ("taxes", "recording_fees", "125"),
), title_insurance_rate=Decimal("0.45"))
KEYSTONE_CLOSING_COSTS = ClosingCostCard(fixed=(
    ("cannot_shop", "appraisal", "725"), ("cannot_shop", "credit_report", "65"),
    ("can_shop", "settlement_agent", "895"), ("can_shop", "survey", "450"),
), title_insurance_rate=Decimal("0.60"))


CEDAR_CLOSING_COSTS = ClosingCostCard(fixed=(
    ("origination", "origination_fee", "1195"), ("other", "home_inspection", "425"),
))


def mortgage_lenders() -> list[LenderSpec]:
    """The default mortgage market: the house (Harbor Home Loans) and five competitors."""
    return [
        LenderSpec(
            key="harbor_home", name="Harbor Home Loans", house=True, commission="none — this is our own offer",
            publishes="quote_protocol", service_score=828, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.000"), options=points_options(("0", "0"), ("1", "0.250")),
                               lender_fees=Decimal("1295.00"), rate_lock_days=45),
            closing_costs=HARBOR_CLOSING_COSTS,
        ),
        LenderSpec(
            key="bluebird_lending", name="Bluebird Lending", house=False,
            commission="0.50% of the loan amount, paid by the lender",
            publishes="quote_protocol", service_score=802, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.125"), options=points_options(("0", "0")),
                               lender_fees=Decimal("0.00"), rate_lock_days=30),
        ),
        LenderSpec(
            key="keystone_mortgage", name="Keystone Mortgage", house=False, commission="$1,500 per loan closed",
            publishes="quote_protocol", service_score=781, quotes_note_rate_as_apr=True, decline=standard_decline,
            features=("prepayment_penalty",),
            rate_card=RateCard(spread=Decimal("0.000"), options=points_options(("2", "0.500"), ("3", "0.750")),
                               lender_fees=Decimal("1950.00"), rate_lock_days=60),
            closing_costs=KEYSTONE_CLOSING_COSTS,
        ),
        LenderSpec(
            key="maple_street", name="Maple Street Bank", house=False, commission="0.25% of the loan amount",
            publishes="html_rate_table", service_score=815, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.000"), options=points_options(("0", "0"), ("1", "0.250")),
                               lender_fees=Decimal("995.00"), rate_lock_days=30),
        ),
        LenderSpec(
            key="prairie_credit", name="Prairie Credit Union", house=False, commission="nothing",
            publishes="html_rate_table", service_score=872, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.125"), options=points_options(("0", "0"), ("0.5", "0.125")),
                               lender_fees=Decimal("495.00"), rate_lock_days=60),
        ),
        LenderSpec(
            key="granite_funding", name="Granite Funding", house=False, commission="$900 per loan closed",
            publishes="rate_sheet", service_score=794, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.000"), options=points_options(("1.5", "0.375"), ("3", "0.875")),
                               lender_fees=Decimal("1495.00"), rate_lock_days=45),
        ),
    ]


def credit_lenders() -> list[LenderSpec]:
    """A lender whose quotes carry a lender credit: no points, a higher rate, 1.25% of the loan back at
    closing. Kept out of mortgage_lenders() so that the default market's rankings stay as they are."""
    return [
        LenderSpec(
            key="cedar_ridge", name="Cedar Ridge Mortgage", house=False, commission="$750 per loan closed",
            publishes="quote_protocol", service_score=806, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.375"), options=points_options(("0", "0")),
                               lender_fees=Decimal("1195.00"), rate_lock_days=45,
                               lender_credit_rate=Decimal("1.25")),
            closing_costs=CEDAR_CLOSING_COSTS,
        ),
    ]


# --- the lender as a web service ----------------------------------------------------------------------


@dataclass
class LenderApp:
    """WSGI callable for one lender; it serves what the lender publishes and nothing else."""

    spec: LenderSpec
    state: RunState
    _published: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        routed = route(_ROUTES, request)
        if isinstance(routed, Response):
            return routed
        endpoint, arguments = routed
        if endpoint == "robots":
            return Response("User-agent: *\nAllow: /\n", content_type="text/plain; charset=utf-8")
        if endpoint == "describe":
            return self.describe()
        if endpoint == "offer" and self.spec.publishes == "quote_protocol":
            return offer_response(self.state, self.spec.name, arguments["offer_id"])
        if endpoint == "status" and self.spec.publishes == "quote_protocol":
            return status_response(self.state, arguments["quote_id"])
        if endpoint == "quotes" and self.spec.publishes == "quote_protocol":
            return self.quotes(request)
        if endpoint == "rate_page" and self.spec.publishes == "html_rate_table":
            return self.published("rate_page", "text/html; charset=utf-8")
        if endpoint == "rate_sheet" and self.spec.publishes == "rate_sheet":
            return self.published("rate_sheet", "text/csv; charset=utf-8")
        return problem(HTTPStatus.NOT_FOUND, f"{self.spec.name} does not publish {request.path}")

    def describe(self) -> Response:
        return json_response({"name": self.spec.name, "key": self.spec.key, "publishes": self.spec.publishes,
                              "products": list(self.spec.products)})

    def _misbehave(self) -> Response | None:
        if self.spec.latency_s > 0 and self.state.stopping.wait(self.spec.latency_s):
            return problem(HTTPStatus.SERVICE_UNAVAILABLE, "The lender is shutting down")
        if self.state.should_fail(self.spec.error_rate):
            return problem(HTTPStatus.SERVICE_UNAVAILABLE, "Simulated outage: try again later")
        return None

    def quotes(self, request: Request) -> Response:
        body = read_limited_body(request)
        if body is None:
            return problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "The request body is too large")
        trouble = self._misbehave()
        if trouble is not None:
            return trouble
        try:
            profile = parse_mortgage_request(body)
        except ProfileError as error:
            return problem(HTTPStatus.BAD_REQUEST, str(error), errors=error.errors)
        return json_response(self.answer(profile, self.state.clock(), request.host_url))

    def answer(self, profile: MortgageProfile, now: datetime, host_url: str) -> dict[str, Any]:
        reason = self.spec.decline(profile) if self.spec.decline else None
        if reason:
            return {"quotes": [], "declined": {"reason": reason}}
        lapses = valid_until(now, self.spec.quote_validity_s)
        quotes = []
        for terms in quote_terms(self.spec, profile):
            quote_id = f"{self.spec.key}-{uuid.uuid4().hex}"
            quotes.append({"id": quote_id, "product": PRODUCT, "currency": "USD", "valid_until": lapses,
                           "terms": terms, "url": f"{host_url.rstrip('/')}/offer/{quote_id}",
                           "firmness": "indicative"})  # a loan is always subject to underwriting
            self.state.issued.keep(quotes[-1])
        if not quotes:
            return {"quotes": [], "declined": {"reason": "We only offer loans with more points than you want to pay."}}
        return {"quotes": quotes, "declined": None}

    def published(self, kind: str, content_type: str) -> Response:
        trouble = self._misbehave()
        if trouble is not None:
            return trouble
        with self._lock:
            if kind not in self._published:
                rows = published_rows(self.spec)
                self._published[kind] = (rate_page(self.spec, rows, self.state.clock().date()) if kind == "rate_page"
                                         else rate_sheet(rows)).encode("utf-8")
        return Response(self._published[kind], content_type=content_type)


__all__ = [
    "ClosingCostCard", "LenderApp", "LenderSpec", "MortgageProfile", "PointsOption", "RateCard", "credit_lenders",
    "mortgage_lenders",
    "parse_mortgage_request", "published_rows", "quote_terms", "rate_page", "rate_page_settings",
    "rate_sheet", "rate_sheet_settings",
]
