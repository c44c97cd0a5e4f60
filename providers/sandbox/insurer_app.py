"""One simulated insurer as a plain WSGI app speaking Candor Quote Protocol v1."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable, Iterable
import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .issued import IssuedQuotes, marked_up, offer_page, status_of
from .household import DISCOUNT_KEYS, EXTRA_KEYS
from .pricing import annual_premium, term_premium
from .profile import AutoProfile, FieldError, ProfileError, parse_auto_profile

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .market import SandboxProviderSpec

PROTOCOL = "candor-quote/1"
MAX_BODY_BYTES = 64 * 1024
QUOTE_VALIDITY_S = 30 * 60.0
QUOTE_VALIDITY = timedelta(seconds=QUOTE_VALIDITY_S)
"""How long a sandbox quote holds unless its provider's `quote_validity_s` says otherwise."""

_ROUTES = Map(
    [
        Rule("/", endpoint="describe", methods=["GET"]),
        Rule("/quotes", endpoint="quotes", methods=["POST"]),
        Rule("/quotes/<quote_id>", endpoint="status", methods=["GET"]),
        Rule("/offer/<offer_id>", endpoint="offer", methods=["GET"]),
    ]
)


@dataclass
class RunState:
    """What one running instance of an insurer shares between its request threads."""

    stopping: threading.Event
    error_rng: random.Random
    error_lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    issued: IssuedQuotes = field(default_factory=IssuedQuotes)
    """The quotes this provider issued, for their status and offer pages (issued.py)."""

    def should_fail(self, error_rate: float) -> bool:
        if error_rate <= 0:
            return False
        with self.error_lock:
            return self.error_rng.random() < error_rate


class InsurerApp:
    """WSGI callable for one insurer."""

    def __init__(self, spec: SandboxProviderSpec, state: RunState) -> None:
        self.spec = spec
        self.state = state

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        routed = route(_ROUTES, request)
        if isinstance(routed, Response):
            return routed
        endpoint, arguments = routed
        if endpoint == "describe":
            return self.describe()
        if endpoint == "offer":
            return offer_response(self.state, self.spec.name, arguments["offer_id"])
        if endpoint == "status":
            return status_response(self.state, arguments["quote_id"])
        return self.quotes(request)

    def describe(self) -> Response:
        return json_response(
            {"name": self.spec.name, "key": self.spec.key, "protocol": PROTOCOL, "products": list(self.spec.products)}
        )

    def quotes(self, request: Request) -> Response:
        body = read_limited_body(request)
        if body is None:
            return problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"Request bodies are limited to {MAX_BODY_BYTES} bytes")
        if self.spec.latency_s > 0 and self.state.stopping.wait(self.spec.latency_s):
            return problem(HTTPStatus.SERVICE_UNAVAILABLE, "The insurer is shutting down")
        if self.state.should_fail(self.spec.error_rate):
            return problem(HTTPStatus.SERVICE_UNAVAILABLE, "Simulated outage: try again later")
        now = self.state.clock()
        try:
            profile = parse_quote_request(body, self.spec.products, now.date())
        except ProfileError as error:
            return problem(HTTPStatus.BAD_REQUEST, str(error), errors=error.errors)
        return json_response(self.answer(profile, now, request.host_url))

    def answer(self, profile: AutoProfile, now: datetime, host_url: str) -> dict[str, Any]:
        reason = self.spec.decline(profile) if self.spec.decline else None
        if reason:
            return {"quotes": [], "declined": {"reason": reason}}
        quote_id = f"{self.spec.key}-{uuid.uuid4().hex}"
        terms = offer_terms(self.spec, profile)
        # The same customer whatever the day they ask: a re-quote just after midnight UTC is still one.
        customer = dataclasses.replace(profile, quoted_on=date.min)
        if self.state.issued.quoted_before(customer) and self.spec.requote_markup_percent:
            terms["premium"] = marked_up(terms["premium"], self.spec.requote_markup_percent)
        quote = {
            "id": quote_id,
            "product": "auto",
            "currency": "USD",
            "valid_until": valid_until(now, self.spec.quote_validity_s),
            "terms": terms,
            "url": f"{host_url.rstrip('/')}/offer/{quote_id}",
        }
        if self.spec.firmness is not None:
            quote["firmness"] = self.spec.firmness
        self.state.issued.keep(quote)
        return {"quotes": [quote], "declined": None}


def valid_until(now: datetime, validity_s: float) -> str:
    """When a quote issued now lapses, to the second as the protocol sends it (rounded up, so a
    quote never lapses before its provider's stated validity)."""
    moment = now + timedelta(seconds=validity_s)
    if moment.microsecond:
        moment += timedelta(microseconds=1_000_000 - moment.microsecond)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def status_response(state: RunState, quote_id: str) -> Response:
    """Candor Quote Protocol 1.1: the quote's status now."""
    document = status_of(state.issued, quote_id, state.clock())
    if document is None:
        return problem(HTTPStatus.NOT_FOUND, f"No such quote: {quote_id}")
    return json_response(document)


def offer_response(state: RunState, provider_name: str, offer_id: str) -> Response:
    """The offer's own page, where a customer the deep link brings takes it up."""
    page = offer_page(state.issued, provider_name, offer_id, state.clock())
    if page is None:
        return problem(HTTPStatus.NOT_FOUND, f"No such offer: {offer_id}")
    return Response(page, content_type="text/html; charset=utf-8")
# The yearly price of an extra cover an insurer adds when asked (for each car), where it does not bundle it.
EXTRA_PRICES = {"uninsured_motorist": Decimal(48), "rental_reimbursement": Decimal(30), "roadside_assistance": Decimal(18)}
GOOD_STUDENT_UNDER = 25


def extras_added(spec: SandboxProviderSpec, profile: AutoProfile) -> list[str]:
    """The extra covers asked for that this insurer adds (for a price) to those it always includes."""
    wanted = profile.household.wanted if profile.household else frozenset()
    return [key for key in EXTRA_KEYS if key in wanted and key in spec.optional_extras and not getattr(spec, key)]


def discounts_applied(spec: SandboxProviderSpec, profile: AutoProfile) -> list[str]:
    """The claimed discounts this insurer gives (a good-student discount needs a driver under 25)."""
    claimed = profile.household.discounts if profile.household else frozenset()
    offered = dict(spec.discount_rates)
    return [key for key in DISCOUNT_KEYS if key in claimed and key in offered
            and (key != "good_student" or profile.youngest_driver_age < GOOD_STUDENT_UNDER)]


def offer_terms(spec: SandboxProviderSpec, profile: AutoProfile) -> dict[str, Any]:
    """The cover this insurer offers for the profile, priced for its term."""
    limits = dict(spec.limits_substitutions).get(profile.liability_limits, profile.liability_limits)
    deductible = offered_deductible(profile.deductible, spec.deductible_options)
    added = extras_added(spec, profile)
    applied = discounts_applied(spec, profile)
    factor = Decimal(1)
    for key in applied:
        factor *= 1 - Decimal(dict(spec.discount_rates)[key])
    annual = annual_premium(spec.rating_plan, profile, liability_limits=limits, deductible=deductible,
                            extras_added=sum((EXTRA_PRICES[key] for key in added), Decimal(0)) * len(profile.vehicles),
                            discount_factor=factor)
    terms = _terms(spec, profile, limits, deductible, annual, added)
    if profile.household and profile.household.says_discounts:
        terms["discounts_applied"] = applied
    if profile.household and profile.household.listed:
        terms["drivers_rated"], terms["vehicles_covered"] = len(profile.drivers), len(profile.vehicles)
    return terms


def _terms(spec: SandboxProviderSpec, profile: AutoProfile, limits: str, deductible: int, annual: Decimal,
           added: list[str]) -> dict[str, Any]:
    return {
        "term_months": spec.term_months,
        "premium": str(term_premium(annual, spec.term_months)),
        "liability_limits": limits,
        "comprehensive_deductible": str(deductible) if profile.comprehensive else None,
        "collision_deductible": str(deductible) if profile.collision else None,
        "rental_reimbursement": spec.rental_reimbursement or "rental_reimbursement" in added,
        "roadside_assistance": spec.roadside_assistance or "roadside_assistance" in added,
        "uninsured_motorist": spec.uninsured_motorist or "uninsured_motorist" in added,
        "financial_strength": spec.financial_strength,
        "claims_satisfaction": spec.claims_satisfaction,
        "complaint_index": spec.complaint_index,
    }


def offered_deductible(preferred: int, options: tuple[int, ...] | None) -> int:
    if not options:
        return preferred
    # On a tie the higher deductible wins: the insurer rounds towards its cheaper exposure.
    return min(options, key=lambda option: (abs(option - preferred), -option))


@dataclass
class Envelope:
    """A quote request as far as every sandbox provider reads it alike: the profile still raw, for
    the product's own parser, and what is wrong with the rest."""

    profile: Any
    errors: list[FieldError]


def read_envelope(body: bytes, products: tuple[str, ...]) -> Envelope:
    """Raises ProfileError when the body is not a JSON object at all."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProfileError([FieldError("", "the body must be a JSON object")]) from None
    if not isinstance(document, dict):
        raise ProfileError([FieldError("", "the body must be a JSON object")])
    errors: list[FieldError] = []
    if document.get("protocol") != PROTOCOL:
        errors.append(FieldError("/protocol", f'must be "{PROTOCOL}"'))
    if document.get("product") not in products:
        errors.append(FieldError("/product", f'must be "{products[0]}"' if len(products) == 1
                                 else "must be one of: " + ", ".join(products)))
    request_id = document.get("request_id")
    if not isinstance(request_id, str) or not 0 < len(request_id) <= 200:
        errors.append(FieldError("/request_id", "must be a string of 1 to 200 characters"))
    return Envelope(document.get("profile"), errors)


def parse_quote_request(body: bytes, products: tuple[str, ...], today: date) -> AutoProfile:
    envelope = read_envelope(body, products)
    if envelope.errors:
        raise ProfileError(envelope.errors)
    return parse_auto_profile(envelope.profile, today)


def read_limited_body(request: Request) -> bytes | None:
    """The request body, or None when it is over the limit (declared or actual)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    body = request.stream.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body


def json_response(document: dict[str, Any], status: int = 200, content_type: str = "application/json") -> Response:
    return Response(json.dumps(document), status=status, content_type=content_type)


def problem(status: HTTPStatus, detail: str, *, errors: list[FieldError] | None = None) -> Response:
    """An RFC 9457 problem document."""
    document: dict[str, Any] = {"type": "about:blank", "title": status.phrase, "status": status.value, "detail": detail}
    if errors:
        document["errors"] = [{"pointer": error.pointer, "detail": error.detail} for error in errors]
    return json_response(document, status.value, "application/problem+json")


def route(routes: Map, request: Request) -> tuple[str, dict[str, Any]] | Response:
    """The endpoint and arguments `routes` gives the request, or the problem document that says why none does
    (shared by every sandbox provider's app, so each answers a wrong path or method alike)."""
    try:
        return routes.bind_to_environ(request.environ).match()
    except MethodNotAllowed as error:
        response = problem(HTTPStatus.METHOD_NOT_ALLOWED, f"{request.method} is not allowed here")
        response.headers["Allow"] = ", ".join(error.valid_methods or [])
        return response
    except NotFound:
        return problem(HTTPStatus.NOT_FOUND, f"No such resource: {request.path}")
    except HTTPException as error:  # pragma: no cover - e.g. redirects the map never issues
        return problem(HTTPStatus(error.code or 500), error.description or "")
