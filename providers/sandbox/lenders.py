"""The sandbox's mortgage lenders: their pricing, and the three ways they publish it — Candor Quote
Protocol v1 (a quote for each buyer), an HTML page of today's rates, and a CSV rate sheet.

Every lender prices from the same market (base rates and the usual adjustments for credit score,
loan-to-value, loan type, term, adjustable rates and occupancy) but trades rate against points and
fees its own way, so the cheapest lender genuinely depends on how long the buyer keeps the loan:

    lender            publishes        trade-off
    Harbor Home Loans quote protocol   our own: middle of the road, 0 or 1 point
    Bluebird Lending  quote protocol   no points, no fees, a higher rate (wins short stays)
    Keystone Mortgage quote protocol   buys the rate down hard with 2-3 points; quotes the note
                                       rate as its "APR", which Candor flags
    Maple Street Bank HTML rate table  standard pricing, 0 or 1 point, small fees
    Prairie Credit    HTML rate table  low fees, half a point at most, a long rate lock
    Granite Funding   CSV rate sheet   1.5 or 3 points for the lowest rates (wins long stays)

Lenders that quote a buyer compute their monthly payment and APR with numpy-financial in binary
floating point, as a lender's own system might; Candor never takes those figures on trust, it
recomputes both in Decimal and shows a disagreement. Published rates (page, sheet) assume a
primary home with at least 20% down, as such tables usually do.
"""

from __future__ import annotations

import csv
import html
import io
import re
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

import numpy_financial as npf
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .insurer_app import QUOTE_VALIDITY, RunState, json_response, problem, read_envelope, read_limited_body
from .profile import FieldError, ProfileError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

PRODUCT = "mortgage"
CENT = Decimal("0.01")
EIGHTH = Decimal("0.125")
US_STATE_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO "
    "MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)
LOAN_TYPES = ("conventional", "fha", "va", "jumbo")
RATE_TYPES = ("fixed", "arm_5_6", "arm_7_6", "arm_10_6")
TERMS_YEARS = (15, 20, 30)
OCCUPANCIES = ("primary", "second_home", "investment")
CREDIT_SCORE_BANDS = (
    "760-850", "740-759", "720-739", "700-719", "680-699", "660-679", "640-659", "620-639", "580-619", "300-579",
)
MAX_POINTS = ("0", "0.5", "1", "1.5", "2", "3")
Publishing = Literal["quote_protocol", "html_rate_table", "rate_sheet"]

# The market every lender prices from: a 30-year fixed conventional loan, 0 points, for a buyer with
# a 740-759 score putting 20% down on the home they live in — then the usual adjustments.
MARKET_BASE_RATE = Decimal("6.500")
CREDIT_ADJUSTMENT = {
    "760-850": Decimal("-0.125"), "740-759": Decimal("0"), "720-739": Decimal("0.125"),
    "700-719": Decimal("0.250"), "680-699": Decimal("0.375"), "660-679": Decimal("0.625"),
    "640-659": Decimal("0.875"), "620-639": Decimal("1.125"), "580-619": Decimal("1.500"),
    "300-579": Decimal("2.000"),
}
TERM_ADJUSTMENT = {30: Decimal("0"), 20: Decimal("-0.250"), 15: Decimal("-0.625")}
LOAN_TYPE_ADJUSTMENT = {"conventional": Decimal("0"), "fha": Decimal("-0.250"), "va": Decimal("-0.375"),
                        "jumbo": Decimal("0.250")}
RATE_TYPE_ADJUSTMENT = {"fixed": Decimal("0"), "arm_5_6": Decimal("-0.750"), "arm_7_6": Decimal("-0.500"),
                        "arm_10_6": Decimal("-0.250")}
OCCUPANCY_ADJUSTMENT = {"primary": Decimal("0"), "second_home": Decimal("0.375"), "investment": Decimal("0.750")}
LOAN_TO_VALUE_ADJUSTMENT = ((Decimal("0.95"), Decimal("0.375")), (Decimal("0.90"), Decimal("0.250")),
                            (Decimal("0.80"), Decimal("0.125")))
# The lowest credit score band each loan type is made for (FHA goes lowest).
LOWEST_BAND = {"conventional": "620-639", "fha": "300-579", "va": "580-619", "jumbo": "700-719"}
# Adjustable rates: the 30-day average SOFR today, and the caps usual for x/6 SOFR ARMs.
SOFR_INDEX = Decimal("4.300")
ARM_CAPS = {"arm_5_6": ("2", "1", "5"), "arm_7_6": ("5", "1", "5"), "arm_10_6": ("5", "1", "5")}
PUBLISHED_LOAN_AMOUNT = Decimal("400000")

_ROUTES = Map([
    Rule("/", endpoint="describe", methods=["GET"]),
    Rule("/quotes", endpoint="quotes", methods=["POST"]),
    Rule("/offer/<offer_id>", endpoint="offer", methods=["GET"]),
    Rule("/rates", endpoint="rate_page", methods=["GET"]),
    Rule("/rates.csv", endpoint="rate_sheet", methods=["GET"]),
    Rule("/robots.txt", endpoint="robots", methods=["GET"]),
])


@dataclass(frozen=True)
class PointsOption:
    points: Decimal
    rate_reduction: Decimal
    """How much lower than the lender's 0-point rate this option's rate is."""


@dataclass(frozen=True)
class RateCard:
    """How one lender prices: its spread over the market, its menu of points, its fees."""

    spread: Decimal
    options: tuple[PointsOption, ...]
    lender_fees: Decimal
    rate_lock_days: int
    arm_margin: Decimal = Decimal("2.750")

    def rate(self, *, credit: str, term_years: int, loan_type: str, rate_type: str, occupancy: str,
             loan_to_value: Decimal, option: PointsOption) -> Decimal:
        rate = (MARKET_BASE_RATE + self.spread + CREDIT_ADJUSTMENT[credit] + TERM_ADJUSTMENT[term_years]
                + LOAN_TYPE_ADJUSTMENT[loan_type] + RATE_TYPE_ADJUSTMENT[rate_type] + OCCUPANCY_ADJUSTMENT[occupancy]
                + _ltv_adjustment(loan_type, loan_to_value) - option.rate_reduction)
        # Mortgage rates are quoted in eighths of a percent.
        return (rate / EIGHTH).quantize(Decimal(1), rounding=ROUND_HALF_UP) * EIGHTH


def _options(*pairs: tuple[str, str]) -> tuple[PointsOption, ...]:
    return tuple(PointsOption(Decimal(points), Decimal(reduction)) for points, reduction in pairs)


def _ltv_adjustment(loan_type: str, loan_to_value: Decimal) -> Decimal:
    if loan_type in ("fha", "va"):
        return Decimal(0)  # priced by the government guarantee, not the down payment
    for above, adjustment in LOAN_TO_VALUE_ADJUSTMENT:
        if loan_to_value > above:
            return adjustment
    return Decimal(0)


@dataclass(frozen=True)
class MortgageProfile:
    state: str
    zip_code: str
    property_value: Decimal
    loan_amount: Decimal
    credit_score_band: str
    loan_type: str
    term_years: int
    rate_type: str
    max_points: Decimal
    occupancy: str
    years_expected: int

    @property
    def loan_to_value(self) -> Decimal:
        return self.loan_amount / self.property_value


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
    decline: Callable[[MortgageProfile], str | None] | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"{self.key}: error_rate must be between 0 and 1")
        if self.latency_s < 0:
            raise ValueError(f"{self.key}: latency_s must not be negative")
        if not 0 <= self.service_score <= 1000:
            raise ValueError(f"{self.key}: service_score must be between 0 and 1000")

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
            return {**entry, **rate_page_settings(f"{url}/rates", self.service_score)}
        return {**entry, **rate_sheet_settings(f"{url}/rates.csv", self.service_score)}


def standard_decline(profile: MortgageProfile) -> str | None:
    lowest = CREDIT_SCORE_BANDS.index(LOWEST_BAND[profile.loan_type])
    if CREDIT_SCORE_BANDS.index(profile.credit_score_band) > lowest:
        return f"We need a credit score of at least {LOWEST_BAND[profile.loan_type].split('-')[0]} for this loan."
    if profile.loan_type != "va" and profile.loan_to_value > Decimal("0.97"):
        return "We lend at most 97% of the home's value."
    return None


def mortgage_lenders() -> list[LenderSpec]:
    """The default mortgage market: the house (Harbor Home Loans) and five competitors."""
    return [
        LenderSpec(
            key="harbor_home", name="Harbor Home Loans", house=True, commission="none — this is our own offer",
            publishes="quote_protocol", service_score=828, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.000"), options=_options(("0", "0"), ("1", "0.250")),
                               lender_fees=Decimal("1295.00"), rate_lock_days=45),
        ),
        LenderSpec(
            key="bluebird_lending", name="Bluebird Lending", house=False,
            commission="0.50% of the loan amount, paid by the lender",
            publishes="quote_protocol", service_score=802, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.125"), options=_options(("0", "0")),
                               lender_fees=Decimal("0.00"), rate_lock_days=30),
        ),
        LenderSpec(
            key="keystone_mortgage", name="Keystone Mortgage", house=False, commission="$1,500 per loan closed",
            publishes="quote_protocol", service_score=781, quotes_note_rate_as_apr=True, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.000"), options=_options(("2", "0.500"), ("3", "0.750")),
                               lender_fees=Decimal("1950.00"), rate_lock_days=60),
        ),
        LenderSpec(
            key="maple_street", name="Maple Street Bank", house=False, commission="0.25% of the loan amount",
            publishes="html_rate_table", service_score=815, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.000"), options=_options(("0", "0"), ("1", "0.250")),
                               lender_fees=Decimal("995.00"), rate_lock_days=30),
        ),
        LenderSpec(
            key="prairie_credit", name="Prairie Credit Union", house=False, commission="nothing",
            publishes="html_rate_table", service_score=872, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.125"), options=_options(("0", "0"), ("0.5", "0.125")),
                               lender_fees=Decimal("495.00"), rate_lock_days=60),
        ),
        LenderSpec(
            key="granite_funding", name="Granite Funding", house=False, commission="$900 per loan closed",
            publishes="rate_sheet", service_score=794, decline=standard_decline,
            rate_card=RateCard(spread=Decimal("0.000"), options=_options(("1.5", "0.375"), ("3", "0.875")),
                               lender_fees=Decimal("1495.00"), rate_lock_days=45),
        ),
    ]


# --- quoting one buyer ------------------------------------------------------------------------------


def quote_terms(spec: LenderSpec, profile: MortgageProfile) -> list[dict[str, Any]]:
    """One offer for each points option the buyer is willing to pay, priced for this buyer."""
    card = spec.rate_card
    offers = []
    for option in card.options:
        if option.points > profile.max_points:
            continue
        note_rate = card.rate(credit=profile.credit_score_band, term_years=profile.term_years,
                              loan_type=profile.loan_type, rate_type=profile.rate_type,
                              occupancy=profile.occupancy, loan_to_value=profile.loan_to_value, option=option)
        payment = float_payment(profile.loan_amount, note_rate, profile.term_years * 12)
        points_amount = (profile.loan_amount * option.points / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        fixed = profile.rate_type == "fixed"
        if spec.quotes_note_rate_as_apr:
            apr: str | None = f"{note_rate:.3f}"
        elif fixed:
            apr = float_apr(profile.loan_amount - points_amount - card.lender_fees, payment, profile.term_years * 12)
        else:
            apr = None  # a composite APR needs the whole schedule; this lender leaves it to the disclosure
        offers.append({
            "loan_type": profile.loan_type,
            "term_years": profile.term_years,
            "rate_type": profile.rate_type,
            "note_rate": f"{note_rate:.3f}",
            "points": f"{option.points:.3f}",
            "lender_fees": f"{card.lender_fees:.2f}",
            "other_prepaid_finance_charges": "0.00",
            "rate_lock_days": card.rate_lock_days,
            "service_score": spec.service_score,
            "loan_amount": f"{profile.loan_amount:.2f}",
            "monthly_payment": f"{payment:.2f}",
            "apr": apr,
            "adjustment": None if fixed else arm_adjustment(card, profile.rate_type),
        })
    return offers


def arm_adjustment(card: RateCard, rate_type: str) -> dict[str, str]:
    initial, periodic, lifetime = ARM_CAPS[rate_type]
    return {"index": "SOFR-30-day-average", "index_value": f"{SOFR_INDEX:.3f}", "margin": f"{card.arm_margin:.3f}",
            "initial_cap": initial, "periodic_cap": periodic, "lifetime_cap": lifetime}


def float_payment(loan_amount: Decimal, note_rate: Decimal, months: int) -> Decimal:
    """The lender's monthly principal and interest, as numpy-financial computes it, to the cent."""
    payment = npf.pmt(float(note_rate) / 1200, months, -float(loan_amount))
    return Decimal(repr(float(payment))).quantize(CENT, rounding=ROUND_HALF_UP)


def float_apr(amount_financed: Decimal, payment: Decimal, months: int) -> str:
    """The lender's APR for a level-payment loan: numpy-financial's rate, times 12, to 3 decimals."""
    monthly = npf.rate(months, float(payment), -float(amount_financed), 0)
    return f"{Decimal(repr(float(monthly))) * 1200:.3f}"


def published_rows(spec: LenderSpec) -> list[dict[str, Any]]:
    """The lender's fixed-rate table for a primary home with 20% down: one row per loan type, term,
    credit score band and points option it offers. APRs are for a loan of PUBLISHED_LOAN_AMOUNT."""
    card = spec.rate_card
    rows = []
    for loan_type in LOAN_TYPES:
        for term_years in TERMS_YEARS:
            for band in CREDIT_SCORE_BANDS:
                if CREDIT_SCORE_BANDS.index(band) > CREDIT_SCORE_BANDS.index(LOWEST_BAND[loan_type]):
                    continue
                for option in card.options:
                    rate = card.rate(credit=band, term_years=term_years, loan_type=loan_type, rate_type="fixed",
                                     occupancy="primary", loan_to_value=Decimal("0.80"), option=option)
                    payment = float_payment(PUBLISHED_LOAN_AMOUNT, rate, term_years * 12)
                    points_amount = PUBLISHED_LOAN_AMOUNT * option.points / 100
                    low, high = band.split("-")
                    rows.append({
                        "loan_type": loan_type, "term_years": term_years, "rate_type": "fixed",
                        "score_from": int(low), "score_to": int(high), "points": option.points,
                        "rate": rate, "lender_fees": card.lender_fees, "rate_lock_days": card.rate_lock_days,
                        "apr": float_apr(PUBLISHED_LOAN_AMOUNT - points_amount - card.lender_fees, payment,
                                         term_years * 12),
                    })
    return rows


# --- reading a quote request ------------------------------------------------------------------------

_ZIP = re.compile(r"\d{5}")
_MONEY = re.compile(r"(0|[1-9]\d{0,8})(\.\d{1,2})?")


def parse_mortgage_request(body: bytes) -> MortgageProfile:
    envelope = read_envelope(body, (PRODUCT,))
    errors = envelope.errors
    raw = envelope.profile
    if not isinstance(raw, dict):
        raise ProfileError([*errors, FieldError("/profile", "must be an object")])

    def fail(name: str, detail: str) -> None:
        errors.append(FieldError(f"/profile/{name}", detail))

    def choice(name: str, choices: Iterable[Any], description: str) -> Any:
        value = raw.get(name)
        if isinstance(value, bool) or value not in tuple(choices):
            fail(name, f"must be {description}")
            return None
        return value

    def money(name: str) -> Decimal | None:
        value = raw.get(name)
        if not isinstance(value, str) or not _MONEY.fullmatch(value):
            fail(name, 'must be a decimal amount in USD such as "400000.00"')
            return None
        return Decimal(value)

    state = choice("state", US_STATE_CODES, "a 2-letter US state code")
    zip_code = raw.get("zip_code")
    if not isinstance(zip_code, str) or not _ZIP.fullmatch(zip_code):
        fail("zip_code", "must be a 5-digit ZIP code")
    value, loan = money("property_value"), money("loan_amount")
    band = choice("credit_score_band", CREDIT_SCORE_BANDS, "one of " + ", ".join(CREDIT_SCORE_BANDS))
    loan_type = choice("loan_type", LOAN_TYPES, "one of " + ", ".join(LOAN_TYPES))
    term = choice("term_years", TERMS_YEARS, "15, 20 or 30")
    rate_type = choice("rate_type", RATE_TYPES, "one of " + ", ".join(RATE_TYPES))
    max_points = choice("max_points", MAX_POINTS, "one of " + ", ".join(MAX_POINTS))
    occupancy = choice("occupancy", OCCUPANCIES, "one of " + ", ".join(OCCUPANCIES))
    years = raw.get("years_expected")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 30:
        fail("years_expected", "must be a whole number of years from 1 to 30")
    if value is not None and loan is not None and not Decimal(0) < loan <= value:
        fail("loan_amount", "must be more than 0 and at most the property value")
    if errors:
        raise ProfileError(errors)
    assert value is not None and loan is not None
    return MortgageProfile(state=state, zip_code=zip_code, property_value=value, loan_amount=loan,
                           credit_score_band=band, loan_type=loan_type, term_years=term, rate_type=rate_type,
                           max_points=Decimal(max_points), occupancy=occupancy, years_expected=years)


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
        try:
            endpoint, arguments = _ROUTES.bind_to_environ(request.environ).match()
        except MethodNotAllowed as error:
            response = problem(HTTPStatus.METHOD_NOT_ALLOWED, f"{request.method} is not allowed here")
            response.headers["Allow"] = ", ".join(error.valid_methods or [])
            return response
        except NotFound:
            return problem(HTTPStatus.NOT_FOUND, f"No such resource: {request.path}")
        except HTTPException as error:  # pragma: no cover - e.g. redirects the map never issues
            return problem(HTTPStatus(error.code or 500), error.description or "")
        if endpoint == "robots":
            return Response("User-agent: *\nAllow: /\n", content_type="text/plain; charset=utf-8")
        if endpoint == "describe":
            return self.describe()
        if endpoint == "offer" and self.spec.publishes == "quote_protocol":
            return self.offer_page(arguments["offer_id"])
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

    def offer_page(self, offer_id: str) -> Response:
        if not offer_id.startswith(f"{self.spec.key}-"):
            return problem(HTTPStatus.NOT_FOUND, f"No such offer: {offer_id}")
        title = html.escape(f"Loan offer {offer_id} from {self.spec.name}")
        page = f"<!doctype html>\n<html lang=en><meta charset=utf-8><title>{title}</title><h1>{title}</h1></html>\n"
        return Response(page, content_type="text/html; charset=utf-8")

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
        valid_until = (now + QUOTE_VALIDITY).strftime("%Y-%m-%dT%H:%M:%SZ")
        quotes = []
        for terms in quote_terms(self.spec, profile):
            quote_id = f"{self.spec.key}-{uuid.uuid4().hex}"
            quotes.append({"id": quote_id, "product": PRODUCT, "currency": "USD", "valid_until": valid_until,
                           "terms": terms, "url": f"{host_url.rstrip('/')}/offer/{quote_id}"})
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


LOAN_TYPE_NAMES = {"conventional": "Conventional", "fha": "FHA", "va": "VA", "jumbo": "Jumbo"}


def rate_page(spec: LenderSpec, rows: list[dict[str, Any]], today: date) -> str:
    """Today's rates as a lender's web page: a heading, some prose, the table, the small print."""
    name = html.escape(spec.name)
    body = "\n".join(
        "<tr>"
        f'<td class="loan-type">{LOAN_TYPE_NAMES[row["loan_type"]]}</td>'
        f'<td class="term">{row["term_years"]}</td>'
        f'<td class="rate-type">Fixed</td>'
        f'<td class="score-from">{row["score_from"]}</td>'
        f'<td class="score-to">{row["score_to"]}</td>'
        f'<td class="rate">{row["rate"]:.3f}%</td>'
        f'<td class="points">{row["points"]:.3f}</td>'
        f'<td class="apr">{row["apr"]}%</td>'
        f'<td class="fees">${row["lender_fees"]:,.2f}</td>'
        f'<td class="lock">{row["rate_lock_days"]}</td>'
        "</tr>"
        for row in rows
    )
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Today's mortgage rates · {name}</title></head>
<body>
<header><h1>{name}</h1><nav><a href="/">Home</a> · <a href="/rates">Rates</a></nav></header>
<main>
<h2>Today's mortgage rates</h2>
<p>Rates for {today:%B} {today.day}, {today.year}. Call us or visit a branch to lock your rate.</p>
<table id="mortgage-rates">
<thead><tr><th>Loan</th><th>Term (years)</th><th>Rate type</th><th>Credit score from</th><th>Credit score to</th>
<th>Rate</th><th>Points</th><th>APR</th><th>Lender fees</th><th>Rate lock (days)</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
<p class="small-print">Rates assume a home you live in and a down payment of at least 20%. APRs are for a
${PUBLISHED_LOAN_AMOUNT:,.0f} loan and include points and lender fees.</p>
</main>
</body>
</html>
"""


def rate_sheet(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["loan_type", "term_years", "rate_type", "score_from", "score_to", "points", "rate",
                     "lender_fees", "rate_lock_days"])
    for row in rows:
        writer.writerow([row["loan_type"], row["term_years"], row["rate_type"], row["score_from"], row["score_to"],
                         f"{row['points']:.3f}", f"{row['rate']:.3f}", f"{row['lender_fees']:.2f}",
                         row["rate_lock_days"]])
    return out.getvalue()


# --- what Candor's adapters need to read the published rates ------------------------------------------------

_MATCH = [
    {"value": "loan_type", "equals": "loan_type"},
    {"value": "term_years", "equals": "term_years"},
    {"value": "rate_type", "equals": "rate_type"},
    {"value": "credit_score", "from": "score_from", "to": "score_to"},
    # Only the rows whose points the buyer is willing to pay: max_points at or above the row's.
    {"value": "max_points", "from": "points"},
]
_DERIVE = {"credit_score": {"prefix_of": "credit_score_band", "length": 3}}


def _terms(service_score: int) -> dict[str, Any]:
    return {
        "loan_type": {"profile": "loan_type"},
        "term_years": {"profile": "term_years"},
        "rate_type": {"profile": "rate_type"},
        "note_rate": {"row": "rate"},
        "points": {"row": "points"},
        "lender_fees": {"row": "lender_fees"},
        "rate_lock_days": {"row": "rate_lock_days"},
        # A published table says nothing about service; the score is the independent survey's.
        "service_score": service_score,
    }


# The published columns both ways of publishing carry: the name (the rate sheet's header), the
# class of the rate page's cell, and how the adapter parses the text (None: as it is).
_PUBLISHED_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("loan_type", "loan-type", None),
    ("term_years", "term", "integer"),
    ("rate_type", "rate-type", None),
    ("score_from", "score-from", "integer"),
    ("score_to", "score-to", "integer"),
    ("rate", "rate", "percent"),
    ("points", "points", "decimal"),
    ("lender_fees", "fees", "money"),
    ("rate_lock_days", "lock", "integer"),
)


def _read_as(parse: str | None) -> dict[str, str]:
    return {} if parse is None else {"parse": parse}


def rate_page_settings(url: str, service_score: int) -> dict[str, Any]:
    """The html_rate_table settings that read rate_page(): which table, which cells, which rows
    apply to a buyer and how a row becomes offer terms (the published APR is for another loan
    amount, so it is not read: Candor computes the buyer's own)."""
    return {
        "url": url,
        "table": "table#mortgage-rates",
        "rows": "tbody tr",
        "columns": {name: {"selector": f"td.{cell}", **_read_as(parse)} for name, cell, parse in _PUBLISHED_COLUMNS},
        "derive": _DERIVE,
        "match": _MATCH,
        "terms": _terms(service_score),
        "no_rate_reason": "its published rates do not cover this loan",
    }


def rate_sheet_settings(url: str, service_score: int) -> dict[str, Any]:
    """The rate_sheet settings that read rate_sheet()."""
    return {
        "url": url,
        "format": "csv",
        "columns": {name: {"header": name, **_read_as(parse)} for name, _, parse in _PUBLISHED_COLUMNS},
        "derive": _DERIVE,
        "match": _MATCH,
        "terms": _terms(service_score),
        "no_rate_reason": "its rate sheet does not cover this loan",
    }


__all__ = [
    "LenderApp", "LenderSpec", "MortgageProfile", "PointsOption", "RateCard", "mortgage_lenders",
    "parse_mortgage_request", "published_rows", "quote_terms", "rate_page", "rate_page_settings",
    "rate_sheet", "rate_sheet_settings",
]
