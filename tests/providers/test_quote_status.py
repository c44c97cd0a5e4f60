"""Candor Quote Protocol 1.1's quote status, read by the quote_protocol adapter from real loopback
servers; and the deep-link rules every hand-off applies (providers/deep_links.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from providers.base import ProviderConfig
from providers.deep_links import DeepLinkRefused, checked_deep_link
from providers.errors import InvalidReply, ProviderUnavailable, ReplyTooLarge
from providers.quote_protocol import QuoteProtocolAdapter, read_reply
from providers.testing.conformance import provider_config
from providers.testing.faults import quote_reply
from providers.testing.servers import LoopbackServer
from tests.factories import auto_terms

QUOTE = read_reply(json.dumps(quote_reply(auto_terms(), quote_id="acme/7 x")).encode())[0]


def answering(status: str, body: bytes, seen: list[str] | None = None) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if seen is not None:
            seen.append(environ.get("RAW_URI") or environ["PATH_INFO"])
        start_response(status, [("Content-Type", "application/json")])
        return [body]
    return app


def status_of(app: Callable[..., Iterable[bytes]]) -> Any:
    with LoopbackServer(app) as server:
        adapter = QuoteProtocolAdapter(provider_config("acme", "quote_protocol", url=server.url))
        try:
            return adapter.quote_status(QUOTE, timeout_s=2.0)
        finally:
            adapter.close()


def document(**changes: Any) -> bytes:
    quote = quote_reply(auto_terms(premium="1300.00"), quote_id=QUOTE.id)["quotes"][0]
    return json.dumps({"id": QUOTE.id, "status": "received", "quote": quote, **changes}).encode()


def test_a_status_gives_the_quote_as_it_stands_now_asked_for_by_its_escaped_id() -> None:
    seen: list[str] = []
    status = status_of(answering("200 OK", document(), seen))
    assert status.status == "received" and status.open and status.quote.terms["premium"] == "1300.00"
    assert seen == ["/quotes/acme%2F7%20x"]


@pytest.mark.parametrize("code", ["404 Not Found", "405 Method Not Allowed", "501 Not Implemented"])
def test_a_provider_without_the_endpoint_tells_no_status(code: str) -> None:
    assert status_of(answering(code, b"{}")) is None


@pytest.mark.parametrize(("body", "error"), [
    (document(padding="x" * 100_000), ReplyTooLarge),
    (document(id="acme-other"), InvalidReply),
    (document(status="lost"), InvalidReply),
    (json.dumps({"id": QUOTE.id, "status": "accepted"}).encode(), InvalidReply),
    (b"[]", InvalidReply),
])
def test_a_status_we_cannot_use_is_a_provider_error(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        status_of(answering("200 OK", body))


def test_a_provider_failing_on_its_side_is_a_provider_error() -> None:
    with pytest.raises(ProviderUnavailable):
        status_of(answering("500 Internal Server Error", b"{}"))


def test_an_expired_status_needs_no_quote() -> None:
    status = status_of(answering("200 OK", json.dumps({"id": QUOTE.id, "status": "expired", "quote": None}).encode()))
    assert status.status == "expired" and not status.open


CONFIG = ProviderConfig(key="acme", name="Acme", adapter="quote_protocol", products=("auto",),
                        options={"url": "http://acme.example:8080/api", "offer_url": "https://rates.acme.example/"})


@pytest.mark.parametrize("url", [
    "http://acme.example:8080/offer/q-1",
    "https://acme.example/offer/q-1",  # an upgrade of the configured host
    "https://rates.acme.example/offers?id=q-1",
    "HTTP://ACME.EXAMPLE:8080/offer/q-1",
])
def test_a_deep_link_on_the_providers_own_site_naming_the_quote_is_followed(url: str) -> None:
    assert checked_deep_link(url, CONFIG, quote_id="q-1") == url


@pytest.mark.parametrize(("url", "why"), [
    ("javascript:alert(1)", "not a web address"),
    ("data:text/html,<b>q-1</b>", "not a web address"),
    ("http://evil.example/offer/q-1", "not Acme's own site"),
    ("http://acme.example.evil.example:8080/offer/q-1", "not Acme's own site"),
    ("http://acme.example:9090/offer/q-1", "not Acme's own site"),
    ("http://user:pw@acme.example:8080/offer/q-1", "user name"),
    ("http://acme.example:8080/offer/q-2", "does not name this offer"),
    ("http://acme.example:8080/offer/q-1?zip=94110", "carries your answers"),
    ("http://acme.example:8080/offer/q-1\n", "not an address"),
    ("http://acme.example:8080/offer/q-1?" + "x" * 3000, "not an address"),
    (None, "did not give us a link"),
])
def test_any_other_deep_link_is_refused_saying_why(url: Any, why: str) -> None:
    with pytest.raises(DeepLinkRefused, match=why):
        checked_deep_link(url, CONFIG, quote_id="q-1", profile={"zip_code": "94110", "vehicle_use": "commute"})


def test_an_estimate_goes_to_the_published_page_which_names_no_quote() -> None:
    assert checked_deep_link("https://rates.acme.example/", CONFIG, quote_id=None) == "https://rates.acme.example/"
