"""Where a provider can send us (DESIGN.md invariant 9): never the customer's profile to another
site, never https to http, never to loopback, private or cloud-metadata addresses the provider's
configured URL does not itself name — checked on the address actually connected to. Real servers
on loopback; 127.0.0.2 stands for another site, and a resolver hook for the internet's DNS."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from urllib3 import Timeout

from providers.addresses import Egress, category, parse_address, redirect_refusal
from providers import settings
from providers.base import QuoteQuery
from providers.errors import AddressRefused, ProviderConfigError, ProviderUnavailable, RedirectLoop, RedirectRefused
from providers.html_rate_table import HtmlRateTableAdapter
from providers.http import REDIRECTS_LIMIT, Deadline, HttpClient, pooled_session
from providers.pinned import Route, current_route
from providers.quote_protocol import QuoteProtocolAdapter
from providers.rate_sheet import RateSheetAdapter
from providers.registry import parse_provider_entries
from providers.sandbox.rate_page import auto_rate_pages
from providers.sandbox.sample_profiles import example_auto_profile
from providers.testing.faults import quote_app, static_app
from tests.keep_alive_server import keep_alive_server as serving_keep_alive
from tests.providers.test_rate_sheet import MAPPING, QUERY
from tests.providers.tls_support import self_signed

JSON = ("application/json",)
ELSEWHERE = "127.0.0.2"
QUICK_S = 0.5
"""A refused address is refused before connecting: far quicker than a connect attempt's timeout."""


def redirect(location: str, status: str = "302 Found") -> Any:
    return static_app(b"", status=status, headers=[("Location", location)])


def closing(app: Any) -> Any:
    """`app`, closing each connection after its reply, so every request connects (and resolves) anew."""
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return app(environ, lambda status, headers, *rest: start_response(status, [*headers, ("Connection", "close")],
                                                                          *rest))
    return wrapped


class Resolver:
    """A DNS stand-in: each name answers the next of its lists of addresses (the last one for ever)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        queue = self.answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def keep_alive_url() -> Iterator[str]:
    """A server that keeps connections open between requests (werkzeug's test server may not)."""
    with serving_keep_alive(static_app(b'{"ok": 1}')) as url:
        yield f"{url}/"


@pytest.fixture
def client() -> Iterator[HttpClient]:
    http = HttpClient(max_reply_bytes=64 * 1024)
    yield http
    http.close()


# --- the policy ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("fd12::1", "private"), ("::ffff:10.0.0.1", "private"),
    ("169.254.169.254", "metadata"), ("::ffff:169.254.169.254", "metadata"), ("::ffff:a9fe:a9fe", "metadata"),
    ("2002:a9fe:a9fe::1", "metadata"), ("64:ff9b::a9fe:a9fe", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"), ("169.254.1.1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("100.64.0.1", "non-public"), ("8.8.8.8", None), ("2606:4700::1111", None),
])
def test_every_form_of_a_non_public_address_is_recognised(address: str, kind: str | None) -> None:
    parsed = parse_address(address)
    assert parsed is not None and category(parsed) == kind


def test_what_a_provider_may_reach_follows_its_configured_address() -> None:
    def refusals(url: str) -> list[str | None]:
        egress = Egress.of(url)
        return [egress.refusal(parse_address(a)) for a in ("127.0.0.2", "10.0.0.7", "169.254.169.254", "8.8.8.8")]

    assert refusals("https://quotes.acme.example") == ["loopback", "private", "metadata", None]
    assert refusals("http://127.0.0.1:8000") == [None, "private", "metadata", None]
    assert refusals("http://localhost:8000/rates") == [None, "private", "metadata", None]
    assert refusals("http://[::1]:8000") == [None, "private", "metadata", None]
    assert refusals("http://10.0.0.5:8000") == ["loopback", None, "metadata", None]


def test_an_operator_can_let_a_provider_reach_our_private_network_by_name_and_no_further() -> None:
    [config] = parse_provider_entries([{"key": "house", "name": "Our quotes", "adapter": "quote_protocol",
                                        "products": ["auto"], "url": "https://quotes.internal", "private_network": True}],
                                      origin="test")
    egress = Egress.of("https://quotes.internal", settings.reachable_addresses(config))
    assert [egress.refusal(parse_address(a)) for a in ("10.0.0.7", "127.0.0.1", "169.254.169.254", "fd00:ec2::254")] \
        == [None, "loopback", "metadata", "metadata"]
    with pytest.raises(ProviderConfigError, match="private_network"):
        parse_provider_entries([{"key": "x", "name": "X", "adapter": "quote_protocol", "products": ["auto"],
                                 "url": "https://x.example", "private_network": "yes"}], origin="test")


def test_which_redirects_are_followed() -> None:
    assert redirect_refusal("GET", "https://a.example/x", "http://a.example/x") == "from https to http"
    assert redirect_refusal("POST", "https://a.example/q", "https://b.example/q") == \
        "a POST to another site, https://b.example"
    assert redirect_refusal("POST", "https://a.example/q", "https://A.example/v2/q") is None
    assert redirect_refusal("GET", "https://a.example/x", "https://b.example/x") is None
    assert redirect_refusal("GET", "https://a.example/x", "https://b.example/x", same_origin=True) is not None


# --- a quote request (POST): the customer's profile ------------------------------------------------

def protocol_adapter(url: str) -> QuoteProtocolAdapter:
    [config] = parse_provider_entries([{"key": "acme", "name": "Acme Auto", "adapter": "quote_protocol",
                                        "products": ["auto"], "url": url}], origin="test")
    return QuoteProtocolAdapter(config)


@pytest.mark.parametrize("status", ["307 Temporary Redirect", "308 Permanent Redirect"])
def test_a_quote_request_redirected_to_another_site_is_not_sent_there(loopback: Any, status: str,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    elsewhere = loopback(quote_app({"premium": "1.00", "term_months": 12}), host=ELSEWHERE)
    provider = loopback(redirect(f"{elsewhere.url}/quotes", status))
    adapter = protocol_adapter(provider.url)
    with caplog.at_level(logging.WARNING, logger="candor.providers.http"), pytest.raises(RedirectRefused) as caught:
        adapter.fetch_quotes(QuoteQuery("auto", example_auto_profile(), "r-1"), timeout_s=2)
    adapter.close()
    assert elsewhere.requests == [], "the customer's profile must not reach another site"
    assert (caught.value.kind, caught.value.message) == ("redirect_refused", "redirected us elsewhere, so we did not follow")
    [logged] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Not following")]
    assert f"http://{ELSEWHERE}:" in logged and "/quotes" not in logged, "origins only in the log"


def test_a_quote_request_redirected_within_its_site_is_followed(loopback: Any) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/quotes":
            return redirect("/v2/quotes", "308 Permanent Redirect")(environ, start_response)
        return quote_app({"premium": "1212.50", "term_months": 12})(environ, start_response)

    provider = loopback(app)
    adapter = protocol_adapter(provider.url)
    [quote] = adapter.fetch_quotes(QuoteQuery("auto", example_auto_profile(), "r-1"), timeout_s=2)
    adapter.close()
    assert quote.terms["premium"] == "1212.50"
    assert [(r.method, r.path) for r in provider.requests] == [("POST", "/quotes"), ("POST", "/v2/quotes")]


# --- https is never given up -----------------------------------------------------------------------

def test_https_is_never_given_up_for_http(loopback: Any, tmp_path: Path) -> None:
    plain = loopback(static_app(b'{"secret": "sent in the clear"}'))
    certificate, context = self_signed(tmp_path, "127.0.0.1")
    secure = loopback(redirect(f"http://127.0.0.1:{plain.port}/"), ssl_context=context)
    http = HttpClient()
    http.session.verify = str(certificate)
    with pytest.raises(RedirectRefused) as caught:
        http.get(secure.url, deadline=Deadline.after(2), accept=JSON)
    http.close()
    assert "from https to http" in (caught.value.detail or "")
    assert len(secure.requests) == 1 and plain.requests == []


def test_a_checked_address_still_gets_the_certificate_check_for_its_name(loopback: Any, tmp_path: Path) -> None:
    certificate, context = self_signed(tmp_path, "quotes.acme.test")
    secure = loopback(static_app(b'{"ok": 1}'), ssl_context=context)
    resolver = Resolver({"quotes.acme.test": [["127.0.0.1"]], "impostor.test": [["127.0.0.1"]]})
    http = HttpClient(resolve=resolver, allow_addresses={"loopback"})
    http.session.verify = str(certificate)
    reply = http.get(f"https://quotes.acme.test:{secure.port}/", deadline=Deadline.after(2), accept=JSON)
    assert reply.body == b'{"ok": 1}'
    assert secure.requests[0].headers["Host"] == f"quotes.acme.test:{secure.port}"
    with pytest.raises(ProviderUnavailable, match="SSLError") as caught:
        http.get(f"https://impostor.test:{secure.port}/", deadline=Deadline.after(2), accept=JSON)
    http.close()
    assert "Hostname mismatch" in str(caught.value.__cause__), "the certificate is checked for the name asked for"


# --- addresses: private, metadata, rebinding -------------------------------------------------------

def sheet_adapter(url: str) -> RateSheetAdapter:
    [config] = parse_provider_entries([{"key": "granite", "name": "Granite Funding", "adapter": "rate_sheet",
                                        "products": ["mortgage"], **MAPPING, "url": url}], origin="test")
    return RateSheetAdapter(config)


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/",
                                    "http://[::ffff:169.254.169.254]/latest/meta-data/",
                                    "http://[fd00:ec2::254]/latest/meta-data/",
                                    "http://10.0.0.7/rates.csv"])
def test_a_get_redirected_to_metadata_or_a_private_address_is_not_followed(loopback: Any, client: HttpClient,
                                                                             target: str) -> None:
    """A GET that may leave its site (a rate page's robots.txt) still never reaches these addresses."""
    provider = loopback(redirect(target))
    started = time.monotonic()
    with pytest.raises(RedirectRefused) as caught:
        client.get(f"{provider.url}/robots.txt", deadline=Deadline.after(2), accept=())
    assert time.monotonic() - started < QUICK_S, "refused before any attempt to connect"
    assert ("private" if "10.0.0.7" in target else "metadata") in (caught.value.detail or "")


def test_a_rate_sheet_redirected_to_another_site_is_not_read_there(loopback: Any) -> None:
    elsewhere = loopback(static_app(b"rate,points\n6.5,0\n"), host=ELSEWHERE)
    provider = loopback(redirect(f"{elsewhere.url}/rates.csv"))
    adapter = sheet_adapter(f"{provider.url}/rates.csv")
    with pytest.raises(RedirectRefused) as caught:
        adapter.fetch_quotes(QUERY, timeout_s=2)
    adapter.close()
    assert elsewhere.requests == [], "a provider's redirect never takes us to another host"
    assert f"http://{ELSEWHERE}:" in (caught.value.detail or "")


def test_a_rate_page_whose_robots_txt_points_at_a_private_address_is_not_read(loopback: Any) -> None:
    hop = loopback(redirect("http://10.0.0.7/robots.txt"))
    [config] = parse_provider_entries([auto_rate_pages()[0].provider_entry(f"{hop.url}/rates", 3.0)], origin="test")
    adapter = HtmlRateTableAdapter(config)
    started = time.monotonic()
    with pytest.raises(RedirectRefused):
        adapter.fetch_quotes(QuoteQuery("auto", example_auto_profile(), "r-1"), timeout_s=2)
    adapter.close()
    assert time.monotonic() - started < QUICK_S
    assert [r.path for r in hop.requests] == ["/robots.txt"], "the page is not read without its robots.txt"


def test_a_name_that_changes_its_answer_is_checked_on_every_connection(loopback: Any) -> None:
    server = loopback(closing(static_app(b'{"ok": 1}')))
    resolver = Resolver({"quotes.acme.test": [["127.0.0.1"], ["169.254.169.254"]]})
    http = HttpClient(resolve=resolver, allow_addresses={"loopback"}, max_attempts=1)
    url = f"http://quotes.acme.test:{server.port}/"
    assert http.get(url, deadline=Deadline.after(2), accept=JSON).body == b'{"ok": 1}'
    with pytest.raises(AddressRefused) as caught:
        http.get(url, deadline=Deadline.after(2), accept=JSON)
    http.close()
    assert caught.value.kind == "address_refused" and "metadata" in (caught.value.detail or "")
    assert resolver.asked == ["quotes.acme.test"] * 2, "one lookup per connection: the one that was checked"
    assert len(server.requests) == 1


def test_a_same_site_redirect_to_a_rebound_name_is_not_followed(loopback: Any) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return redirect("/today")(environ, start_response)

    server = loopback(closing(app))
    resolver = Resolver({"rates.acme.test": [["127.0.0.1"], ["10.0.0.7", "169.254.169.254"]]})
    http = HttpClient(resolve=resolver, allow_addresses={"loopback"})
    with pytest.raises(RedirectRefused) as caught:
        http.get(f"http://rates.acme.test:{server.port}/rates", deadline=Deadline.after(2), accept=("text/html",),
                 same_origin=True)
    http.close()
    assert caught.value.detail == "rates.acme.test is private, metadata"
    assert [r.path for r in server.requests] == ["/rates"]


def test_a_kept_alive_connection_is_checked_again_under_stricter_rules(keep_alive_url: str) -> None:
    session = pooled_session()
    lenient = current_route.set(Route(Egress(frozenset({"loopback"}))))
    try:
        assert session.open("GET", keep_alive_url, body=None, headers={}, timeout=Timeout(2)).status == 200
    finally:
        current_route.reset(lenient)
    strict = current_route.set(Route(Egress()))
    try:
        with pytest.raises(AddressRefused, match="loopback"):
            session.open("GET", keep_alive_url, body=None, headers={}, timeout=Timeout(2))
    finally:
        current_route.reset(strict)
        session.close()


def test_an_address_found_in_a_reply_gets_no_more_reach_than_the_configured_url(loopback: Any) -> None:
    server = loopback(static_app(b'{"ok": 1}'))
    [config] = parse_provider_entries([{"key": "acme", "name": "Acme Auto", "adapter": "quote_protocol",
                                        "products": ["auto"], "url": "https://quotes.acme.example"}], origin="test")
    http = settings.http_client(config)
    with pytest.raises(AddressRefused, match="loopback"):
        http.get(f"{server.url}/next-page", deadline=Deadline.after(2), accept=JSON)
    http.close()
    assert server.requests == []


# --- what else a redirect may not do ---------------------------------------------------------------

def test_an_adapters_own_headers_do_not_follow_a_redirect_to_another_site(loopback: Any, client: HttpClient) -> None:
    elsewhere = loopback(static_app(b'{"ok": 1}'), host=ELSEWHERE)
    provider = loopback(redirect(f"{elsewhere.url}/x"))
    client.get(provider.url, deadline=Deadline.after(2), accept=JSON, headers={"Authorization": "Bearer s3cret"})
    assert provider.requests[0].headers["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in elsewhere.requests[0].headers


def test_no_adapter_can_ask_for_more_than_a_few_redirects(loopback: Any) -> None:
    def onwards(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return redirect(f"/{int(environ['PATH_INFO'].strip('/') or 0) + 1}")(environ, start_response)

    server = loopback(onwards)
    http = HttpClient(max_redirects=100)
    with pytest.raises(RedirectLoop):
        http.get(server.url, deadline=Deadline.after(3), accept=JSON)
    http.close()
    assert len(server.requests) == REDIRECTS_LIMIT + 1
