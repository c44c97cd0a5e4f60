"""The sandbox's banks as web services on loopback: each answers Candor Quote Protocol v1, or only
publishes its rates as an HTML page or a CSV rate sheet (accounts.py says who does what)."""

from __future__ import annotations

import html
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from candor_savings.sandbox import accounts as offers
from candor_savings.sandbox.published import rate_page, rate_page_settings, rate_sheet, rate_sheet_settings
from providers.sandbox.insurer_app import (
    QUOTE_VALIDITY,
    RunState,
    json_response,
    problem,
    read_envelope,
    read_limited_body,
    route,
)
from providers.sandbox.profile import FieldError, ProfileError
from providers.testing.faults import FAULTS

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

PRODUCT = "savings"
Publishing = Literal["quote_protocol", "deposit_rate_page", "deposit_rate_sheet"]

# (path, endpoint, method, who serves it: None for every bank, else the one way of publishing)
_PATHS: tuple[tuple[str, str, str, str | None], ...] = (
    ("/", "describe", "GET", None),
    ("/robots.txt", "robots", "GET", None),
    ("/quotes", "quotes", "POST", "quote_protocol"),
    ("/offer/<offer_id>", "offer", "GET", "quote_protocol"),
    ("/rates", "rate_page", "GET", "deposit_rate_page"),
    ("/rates.csv", "rate_sheet", "GET", "deposit_rate_sheet"),
)
_ROUTES = Map([Rule(path, endpoint=endpoint, methods=[method]) for path, endpoint, method, _ in _PATHS])
_SERVED_BY = {endpoint: publishes for _, endpoint, _, publishes in _PATHS}


@dataclass(frozen=True)
class BankSpec:
    """One sandbox bank: who it is, what it offers, how it publishes, and the market's knobs."""

    key: str
    name: str
    house: bool
    commission: str
    publishes: Publishing
    accounts: Callable[[dict[str, Any]], list[dict[str, Any]]]
    """Its offers' terms, given the terms every account shares (insurer, certificate, service score)."""
    insurer: str
    certificate_number: str | None
    service_score: int
    fee_waivers: dict[str, Any] = field(default_factory=dict)
    products: tuple[str, ...] = (PRODUCT,)
    latency_s: float = 0.0
    error_rate: float = 0.0
    fault: str | None = None
    """One of providers.testing.faults.FAULTS: the market serves every request that way."""
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"{self.key}: unknown fault {self.fault!r}; known: {', '.join(FAULTS)}")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"{self.key}: error_rate must be between 0 and 1")
        if self.latency_s < 0:
            raise ValueError(f"{self.key}: latency_s must not be negative")

    @property
    def error_seed(self) -> int:
        return self.seed if self.seed is not None else zlib.crc32(self.key.encode())

    @property
    def shared_terms(self) -> dict[str, Any]:
        return {"insurer": self.insurer, "certificate_number": self.certificate_number,
                "service_score": self.service_score}

    def offers(self) -> list[dict[str, Any]]:
        return self.accounts(self.shared_terms)

    def wsgi_app(self, state: RunState) -> BankApp:
        return BankApp(self, state)

    def provider_entry(self, url: str, timeout_s: float) -> dict[str, Any]:
        """This bank's table in a providers file, for the adapter that reads how it publishes."""
        entry: dict[str, Any] = {"key": self.key, "name": self.name, "adapter": self.publishes,
                                 "products": list(self.products), "house": self.house, "timeout_s": timeout_s,
                                 "commission": self.commission}
        account_terms = {**self.shared_terms, "fee_waivers": self.fee_waivers, "tiering_method": "portion"}
        if self.certificate_number is None:
            # TOML has no null: {none = true} is how a providers file writes one.
            account_terms["certificate_number"] = {"none": True}
        if self.publishes == "quote_protocol":
            return {**entry, "url": url}
        if self.publishes == "deposit_rate_page":
            return {**entry, **rate_page_settings(f"{url}/rates", account_terms)}
        return {**entry, **rate_sheet_settings(f"{url}/rates.csv", account_terms)}


def deposit_of(profile: Any) -> Decimal | None:
    """The shopper's deposit from the profile, as a bank's quoting service reads it; ProfileError
    when it is there but not an amount."""
    if not isinstance(profile, dict):
        raise ProfileError([FieldError("/profile", "must be an object")])
    value = profile.get("deposit")
    if value is None:
        return None
    try:
        deposit = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        deposit = None
    if deposit is None or not deposit.is_finite() or deposit <= 0:
        raise ProfileError([FieldError("/profile/deposit", "must be a positive amount written as text, e.g. \"10000.00\"")])
    return deposit


@dataclass
class BankApp:
    """WSGI callable for one bank; it serves what the bank publishes and nothing else."""

    spec: BankSpec
    state: RunState
    _published: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    offers: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.offers = self.spec.offers()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        routed = route(_ROUTES, request)
        response = routed if isinstance(routed, Response) else self.respond(request, *routed)
        return response(environ, start_response)

    def respond(self, request: Request, endpoint: str, arguments: dict[str, Any]) -> Response:
        if _SERVED_BY[endpoint] not in (None, self.spec.publishes):
            return problem(HTTPStatus.NOT_FOUND, f"{self.spec.name} does not publish {request.path}")
        handlers: dict[str, Callable[[], Response]] = {
            "robots": lambda: Response("User-agent: *\nAllow: /\n", content_type="text/plain; charset=utf-8"),
            "describe": lambda: json_response({"name": self.spec.name, "key": self.spec.key,
                                               "publishes": self.spec.publishes, "products": list(self.spec.products)}),
            "offer": lambda: self.offer_page(arguments.get("offer_id", "")),
            "quotes": lambda: self.quotes(request),
            "rate_page": lambda: self.published("rate_page", "text/html; charset=utf-8"),
            "rate_sheet": lambda: self.published("rate_sheet", "text/csv; charset=utf-8"),
        }
        return handlers[endpoint]()

    def offer_page(self, offer_id: str) -> Response:
        """A page for an offer this bank made (its quotes link here); any other id is not found."""
        if offer_id.startswith(f"{self.spec.key}-"):
            title = html.escape(f"{self.spec.name}: account offer {offer_id}")
            return Response(f"<!doctype html>\n<html lang=en><meta charset=utf-8><title>{title}</title>"
                            f"<h1>{title}</h1></html>\n", content_type="text/html; charset=utf-8")
        return problem(HTTPStatus.NOT_FOUND, f"No such offer: {offer_id}")

    def unavailable(self) -> Response | None:
        """The market's knobs: a slow bank, and a share of requests answered 503."""
        shutting_down = self.spec.latency_s > 0 and self.state.stopping.wait(self.spec.latency_s)
        if shutting_down or self.state.should_fail(self.spec.error_rate):
            detail = "The bank is shutting down" if shutting_down else "Simulated outage: try again later"
            return problem(HTTPStatus.SERVICE_UNAVAILABLE, detail)
        return None

    def quotes(self, request: Request) -> Response:
        body = read_limited_body(request)
        if body is None:
            return problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "The request body is too large")
        trouble = self.unavailable()
        if trouble is not None:
            return trouble
        try:
            envelope = read_envelope(body, self.spec.products)
            if envelope.errors:
                raise ProfileError(envelope.errors)
            deposit = deposit_of(envelope.profile)
        except ProfileError as error:
            return problem(HTTPStatus.BAD_REQUEST, str(error), errors=error.errors)
        return json_response(self.answer(deposit, request.host_url))

    def answer(self, deposit: Decimal | None, host_url: str) -> dict[str, Any]:
        offered = [terms for terms in self.offers
                   if deposit is None or Decimal(terms["minimum_opening_deposit"]) <= deposit]
        if not offered:
            lowest = min(Decimal(terms["minimum_opening_deposit"]) for terms in self.offers)
            return {"quotes": [], "declined": {"reason": f"Our accounts need at least ${lowest:,.2f} to open."}}
        valid_until = (self.state.clock() + QUOTE_VALIDITY).strftime("%Y-%m-%dT%H:%M:%SZ")
        quotes = []
        for terms in offered:
            quote_id = f"{self.spec.key}-{uuid.uuid4().hex}"
            quotes.append({"id": quote_id, "product": PRODUCT, "currency": "USD", "valid_until": valid_until,
                           "terms": terms, "url": f"{host_url.rstrip('/')}/offer/{quote_id}"})
        return {"quotes": quotes, "declined": None}

    def published(self, kind: str, content_type: str) -> Response:
        trouble = self.unavailable()
        if trouble is not None:
            return trouble
        with self._lock:
            if kind not in self._published:
                document = (rate_page(self.spec.name, self.offers, self.state.clock().date())
                            if kind == "rate_page" else rate_sheet(self.offers))
                self._published[kind] = document.encode("utf-8")
        return Response(self._published[kind], content_type=content_type)


def savings_banks() -> list[BankSpec]:
    """The default savings market: the house (Harbor Savings Bank) and five competitors."""
    return [
        BankSpec(key="harbor_savings", name="Harbor Savings Bank", house=True, commission="none — this is our own offer",
                 publishes="quote_protocol", accounts=offers.harbor, insurer="FDIC", certificate_number="57123",
                 service_score=842),
        BankSpec(key="bluebird_bank", name="Bluebird Bank", house=False, commission="$50 for each account opened",
                 publishes="quote_protocol", accounts=offers.bluebird, insurer="FDIC", certificate_number="33501",
                 service_score=801),
        BankSpec(key="keystone_fcu", name="Keystone Federal Credit Union", house=False, commission="nothing",
                 publishes="quote_protocol", accounts=offers.keystone, insurer="NCUA", certificate_number="24871",
                 service_score=866),
        BankSpec(key="maple_street_bank", name="Maple Street Bank", house=False,
                 commission="0.10% a year of the balance", publishes="deposit_rate_page", accounts=offers.maple,
                 insurer="FDIC", certificate_number="18409", service_score=815,
                 fee_waivers={"minimum_balance": "2500.00", "direct_deposit": False}),
        BankSpec(key="granite_direct", name="Granite Direct", house=False, commission="$25 for each account opened",
                 publishes="deposit_rate_sheet", accounts=offers.granite, insurer="FDIC", certificate_number="59012",
                 service_score=779),
        BankSpec(key="summit_cash", name="Summit Cash", house=False, commission="0.25% a year of the balance",
                 publishes="quote_protocol", accounts=offers.summit, insurer="none", certificate_number=None,
                 service_score=744),
    ]
