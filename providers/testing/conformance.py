"""The conformance kit: checks any adapter — built-in or from a plug-in package — must pass.

Use it from an adapter package's tests (docs/writing-an-adapter.md, "Testing"):

    # conftest.py
    pytest_plugins = ["providers.testing.plugin"]

    # test_conformance.py
    from providers.testing.conformance import AdapterConformance

    class TestMyAdapter(AdapterConformance):
        adapter_class = MyAdapter
        product = "auto"

        def config_at(self, url):            # a provider entry for your adapter at `url`
            return provider_config("mine", MyAdapter.kind, url=url)

        def working_app(self, stopping):     # a fake of the provider's service that answers well
            return my_fake_service(stopping)

        def example_profile(self):
            return {...}                     # a valid profile for `product`

Each test_ method is one requirement; they use real HTTP servers on loopback, nothing mocked.
The plain functions (`check_adapter_class`, `check_offers`) can be called on their own too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import pytest
from jsonschema import Draft202012Validator

from providers.base import ESTIMATE, FIRMNESS, Adapter, ProviderConfig, Quote, QuoteQuery, UnusableQuote
from providers.deep_links import DeepLinkRefused, checked_deep_link
from providers.errors import ProviderError, ProviderTimeout, ProviderUnavailable
from providers.protocol import SAFE_INTEGER
from providers.testing.faults import misbehave
from providers.testing.servers import LoopbackServer, closed_port

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
TIMEOUT_SLACK_S = 2.0
"""Generous: the check is that a silent provider costs about its timeout, not a precise figure."""
LONGEST_VALIDITY = timedelta(days=90)
"""A quote said to hold longer than this is a mistake (a year in place of a day), not a promise."""


class ConformanceFailure(AssertionError):
    pass


def provider_config(key: str, adapter: str, *, products: Sequence[str] = ("auto",), timeout_s: float = 2.0,
                    **options: Any) -> ProviderConfig:
    return ProviderConfig(key=key, name=key.title(), adapter=adapter, products=tuple(products), timeout_s=timeout_s,
                          options=options)


def check_adapter_class(kind: Any) -> None:
    """The class the `candor.providers` entry point names must be an Adapter with a kind."""
    if not (isinstance(kind, type) and issubclass(kind, Adapter)):
        raise ConformanceFailure(f"{kind!r} is not a subclass of providers.base.Adapter")
    name = getattr(kind, "kind", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise ConformanceFailure(f"{kind.__name__}.kind must be a short identifier such as 'acme_api', not {name!r}")
    if getattr(kind, "__abstractmethods__", None):
        raise ConformanceFailure(f"{kind.__name__} does not implement {sorted(kind.__abstractmethods__)}")


def _plain_json(value: Any, where: str) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if abs(value) > SAFE_INTEGER:
            raise ConformanceFailure(f"{where}: {value} is too large to record exactly")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConformanceFailure(f"{where}: field names must be text")
            _plain_json(item, f"{where}.{key}")
        return
    if isinstance(value, list):
        for position, item in enumerate(value):
            _plain_json(item, f"{where}[{position}]")
        return
    raise ConformanceFailure(f"{where}: a {type(value).__name__} is not plain JSON; send amounts as decimal strings")


def check_offers(offers: Any, query: QuoteQuery, *, terms_schema: Mapping[str, Any] | None = None) -> list[Quote]:
    """What fetch_quotes returned is a list of offers Candor can judge and record; returns the quotes."""
    if not isinstance(offers, list):
        raise ConformanceFailure(f"fetch_quotes must return a list, not {type(offers).__name__}")
    validator = Draft202012Validator(terms_schema) if terms_schema is not None else None
    quotes: list[Quote] = []
    seen: set[str] = set()
    now = datetime.now(timezone.utc)
    for position, offer in enumerate(offers):
        where = f"offer {position}"
        if isinstance(offer, UnusableQuote):
            continue
        if not isinstance(offer, Quote):
            raise ConformanceFailure(f"{where} is a {type(offer).__name__}, not a Quote or UnusableQuote")
        if not isinstance(offer.id, str) or not offer.id or offer.id in seen:
            raise ConformanceFailure(f"{where}: ids must be non-empty text, unique in the reply ({offer.id!r})")
        seen.add(offer.id)
        if offer.product != query.product:
            raise ConformanceFailure(f"{where}: product {offer.product!r} is not the {query.product!r} asked for")
        if not (isinstance(offer.currency, str) and len(offer.currency) == 3 and offer.currency.isupper()):
            raise ConformanceFailure(f"{where}: currency must be an ISO 4217 code such as USD, not {offer.currency!r}")
        if not isinstance(offer.valid_until, datetime) or offer.valid_until.tzinfo is None:
            raise ConformanceFailure(f"{where}: valid_until must be a datetime with a time zone")
        if offer.valid_until <= now:
            raise ConformanceFailure(f"{where}: a fresh quote must not have expired already ({offer.valid_until})")
        if offer.valid_until > now + LONGEST_VALIDITY:
            raise ConformanceFailure(f"{where}: valid_until {offer.valid_until} is more than "
                                     f"{LONGEST_VALIDITY.days} days away; say how long the quote really holds")
        if offer.firmness is not None and offer.firmness not in FIRMNESS:
            raise ConformanceFailure(f"{where}: firmness must be one of {', '.join(FIRMNESS)}, not {offer.firmness!r}")
        if offer.url is not None and not offer.url.startswith(("http://", "https://")):
            raise ConformanceFailure(f"{where}: url must be an http(s) address or None")
        _plain_json(dict(offer.terms), f"{where}.terms")
        if validator is not None:
            problem = next(iter(validator.iter_errors(dict(offer.terms))), None)
            if problem is not None:
                path = ".".join(map(str, problem.absolute_path)) or "terms"
                raise ConformanceFailure(f"{where}.terms.{path}: {problem.message}")
        quotes.append(offer)
    return quotes


def check_promises(quotes: Sequence[Quote], config: ProviderConfig, profile: Mapping[str, Any]) -> None:
    """What the customer is told of each offer holds: it says how firm it is, and its deep link —
    where the customer is sent to take it up — is on the provider's own configured site, names the
    quote (a published page names none: our estimates go there) and carries none of the customer's
    answers (providers/deep_links.py, which refuses any other link at hand-off)."""
    for position, quote in enumerate(quotes):
        where = f"offer {position} ({quote.id})"
        if quote.firmness not in FIRMNESS:
            raise ConformanceFailure(f"{where}: say how firm the offer is: firmness one of {', '.join(FIRMNESS)}")
        if quote.url is None:
            continue
        try:
            checked_deep_link(quote.url, config, quote_id=None if quote.firmness == ESTIMATE else quote.id,
                              profile=profile)
        except DeepLinkRefused as refused:
            raise ConformanceFailure(f"{where}: its url would be refused at hand-off: {refused}") from refused


def _garbage_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"quotes": [{"id": "half a', b"\xff\xfe"]


class AdapterConformance:
    """Subclass as a pytest test class; set `adapter_class` and `product`, implement `config_at`,
    `working_app` and `example_profile`; optionally `terms_schema`."""

    adapter_class: ClassVar[type[Adapter[Any, Any]]]
    product: ClassVar[str] = "auto"
    terms_schema: ClassVar[Mapping[str, Any] | None] = None

    def config_at(self, url: str, *, timeout_s: float = 2.0) -> ProviderConfig:
        raise NotImplementedError("return a ProviderConfig for your adapter pointing at `url`")

    def working_app(self, stopping: threading.Event) -> WSGIApp:
        raise NotImplementedError("return a WSGI app that answers like the provider does")

    def example_profile(self) -> dict[str, Any]:
        raise NotImplementedError("return a valid profile for the product")

    # --- helpers -------------------------------------------------------------------------------------

    def query(self) -> QuoteQuery:
        return QuoteQuery(self.product, self.example_profile(), "conformance-check")

    @pytest.fixture
    def serve(self) -> Iterator[Callable[[Callable[[threading.Event], WSGIApp]], LoopbackServer]]:
        servers: list[LoopbackServer] = []

        def start(make_app: Callable[[threading.Event], WSGIApp]) -> LoopbackServer:
            server = LoopbackServer(make_app, takes_stopping=True).start()
            servers.append(server)
            return server

        yield start
        for server in servers:
            server.stop()

    def build(self, url: str, *, timeout_s: float = 2.0) -> Adapter[Any, Any]:
        return self.adapter_class(self.config_at(url, timeout_s=timeout_s))

    # --- the checks ----------------------------------------------------------------------------------

    def test_the_class_is_a_named_adapter(self) -> None:
        check_adapter_class(self.adapter_class)

    def test_building_it_touches_no_network(self) -> None:
        adapter = self.build(f"http://127.0.0.1:{closed_port()}")
        adapter.transform_query(self.query())
        adapter.close()

    def test_a_working_provider_gives_offers_candor_can_judge_and_record(self, serve: Any) -> None:
        server = serve(self.working_app)
        adapter = self.build(server.url)
        try:
            quotes = check_offers(adapter.fetch_quotes(self.query(), timeout_s=5.0), self.query(),
                                  terms_schema=self.terms_schema)
        finally:
            adapter.close()
        assert quotes, "the working provider should have made at least one offer"

    def test_offers_say_how_firm_they_are_and_link_to_the_providers_own_site(self, serve: Any) -> None:
        server = serve(self.working_app)
        adapter = self.build(server.url)
        try:
            quotes = check_offers(adapter.fetch_quotes(self.query(), timeout_s=5.0), self.query())
        finally:
            adapter.close()
        check_promises(quotes, self.config_at(server.url), self.example_profile())

    def test_an_unreachable_provider_is_a_provider_error(self) -> None:
        adapter = self.build(f"http://127.0.0.1:{closed_port()}")
        try:
            with pytest.raises(ProviderUnavailable):
                adapter.fetch_quotes(self.query(), timeout_s=2.0)
        finally:
            adapter.close()

    def test_a_silent_provider_times_out_near_its_timeout(self, serve: Any) -> None:
        server = serve(lambda stopping: misbehave(self.working_app(stopping), "hang", stopping=stopping))
        adapter = self.build(server.url, timeout_s=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(ProviderTimeout):
                adapter.fetch_quotes(self.query(), timeout_s=0.5)
        finally:
            adapter.close()
        assert time.monotonic() - started < 0.5 + TIMEOUT_SLACK_S

    def test_garbage_is_a_provider_error_not_a_crash(self, serve: Any) -> None:
        server = serve(lambda stopping: _garbage_app)
        adapter = self.build(server.url)
        try:
            with pytest.raises(ProviderError):
                adapter.fetch_quotes(self.query(), timeout_s=2.0)
        finally:
            adapter.close()

    def test_an_oversized_reply_is_refused(self, serve: Any) -> None:
        server = serve(lambda stopping: misbehave(self.working_app(stopping), "oversized", stopping=stopping))
        adapter = self.build(server.url)
        try:
            with pytest.raises(ProviderError):
                adapter.fetch_quotes(self.query(), timeout_s=5.0)
        finally:
            adapter.close()

    def test_closing_twice_is_harmless(self) -> None:
        adapter = self.build(f"http://127.0.0.1:{closed_port()}")
        adapter.close()
        adapter.close()


__all__ = ["AdapterConformance", "ConformanceFailure", "check_adapter_class", "check_offers", "check_promises",
           "provider_config"]
