"""Reading a published rate page: the sandbox's Lighthouse Insurance over real HTTP."""

from __future__ import annotations

import os
import random
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis

from providers.base import AdapterContext, QuoteQuery
from providers.errors import LayoutChanged, NotAllowed, ParseError, ProviderConfigError, ProviderUnavailable
from providers.html_rate_table import HtmlRateTableAdapter
from providers.http import USER_AGENT
from providers.registry import parse_provider_entries
from providers.sandbox.insurer_app import RunState
from providers.sandbox.market import SandboxMarket
from providers.sandbox.rate_page import RATES_PATH, auto_rate_pages
from providers.sandbox.sample_profiles import example_auto_profile
from providers.store import MemoryStore, RedisStore
from providers.testing.faults import static_app

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
PROFILE = example_auto_profile(driver_birth_date="1988-04-12", violations_5y=1)


def lighthouse_market(**changes: Any) -> SandboxMarket:
    return SandboxMarket(auto_rate_pages(), overrides={"lighthouse": changes} if changes else None)


def adapter_for(market: SandboxMarket, **options: Any) -> HtmlRateTableAdapter:
    [entry] = market.provider_entries()
    [config] = parse_provider_entries([{**entry, **options}], origin="test")
    return HtmlRateTableAdapter(config)


def ask(adapter: HtmlRateTableAdapter, **profile: Any) -> list[Any]:
    return list(adapter.fetch_quotes(QuoteQuery("auto", {**PROFILE, **profile}, "r-1"), timeout_s=3))


@pytest.fixture(scope="module")
def market() -> Iterator[SandboxMarket]:
    with lighthouse_market() as running:
        yield running


def test_a_profile_is_priced_from_the_base_rate_row_and_the_published_surcharges(market: SandboxMarket) -> None:
    adapter = adapter_for(market)
    [quote] = ask(adapter)
    # Ages 30-44 × ZIPs 90000-99999: $1,180 × 1.00 × 1.24 = $1,463.20; one violation is +20%.
    assert quote.terms["premium"] == "1755.84"
    assert quote.terms["liability_limits"] == "100/300/100"
    assert (quote.terms["comprehensive_deductible"], quote.terms["collision_deductible"]) == ("500", "500")
    assert quote.url == f"{market.urls['lighthouse']}{RATES_PATH}"
    # Valid for as long as the page is kept.
    assert timedelta(minutes=59) < quote.valid_until - adapter.context.clock() <= timedelta(hours=1)
    adapter.close()


def test_variants_follow_the_cover_asked_for(market: SandboxMarket) -> None:
    adapter = adapter_for(market)
    [liability] = ask(adapter, comprehensive=False, collision=False)
    assert liability.terms["comprehensive_deductible"] is None
    assert Decimal(liability.terms["premium"]) == Decimal("540") * Decimal("1.24") * Decimal("1.20")
    [high] = ask(adapter, deductible="2000")
    assert high.terms["collision_deductible"] == "1000"
    adapter.close()


def test_the_page_is_read_once_politely_and_then_kept(market: SandboxMarket, loopback: Any) -> None:
    seen: list[str] = []
    lock = threading.Lock()
    [spec] = market.specs

    def recording(environ: dict[str, Any], start_response: Any) -> Any:
        with lock:
            seen.append(f"{environ['PATH_INFO']} {environ.get('HTTP_USER_AGENT')}")
        return page(environ, start_response)

    page = spec.wsgi_app(_state())
    server = loopback(recording)
    config = parse_provider_entries([spec.provider_entry(server.url, 3.0)], origin="test")[0]
    adapter = HtmlRateTableAdapter(config)
    for age in ("1950-01-01", "1990-01-01", "2000-01-01"):
        ask(adapter, driver_birth_date=age)
    assert seen == [f"/robots.txt {USER_AGENT}", f"{RATES_PATH} {USER_AGENT}"]
    adapter.close()


def test_a_redesigned_page_is_reported_not_guessed_at() -> None:
    with lighthouse_market(layout="redesigned") as market:
        adapter = adapter_for(market)
        with pytest.raises(LayoutChanged) as caught:
            ask(adapter)
        assert caught.value.message == "changed its rate page, so we could not read its rates"
        assert caught.value.kind == "layout_changed" and "table#auto-base-rates" in (caught.value.detail or "")
        adapter.close()


def test_robots_txt_is_honoured() -> None:
    with lighthouse_market(robots_txt="User-agent: CandorComparison\nDisallow: /auto-rates\n") as market:
        adapter = adapter_for(market)
        with pytest.raises(NotAllowed) as caught:
            ask(adapter)
        assert caught.value.message == "does not allow us to read its rate page" and caught.value.kind == "not_allowed"
        adapter.close()


def test_a_robots_txt_for_other_robots_does_not_stop_us() -> None:
    with lighthouse_market(robots_txt="User-agent: BadBot\nDisallow: /\n") as market:
        adapter = adapter_for(market)
        assert ask(adapter)
        adapter.close()


def test_no_robots_txt_means_no_restrictions(loopback: Any) -> None:
    [spec] = auto_rate_pages()
    page = spec.wsgi_app(_state())

    def without_robots(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/robots.txt":
            return static_app(b"not here", "text/plain", status="404 Not Found")(environ, start_response)
        return page(environ, start_response)

    server = loopback(without_robots)
    adapter = HtmlRateTableAdapter(parse_provider_entries([spec.provider_entry(server.url, 3.0)], origin="t")[0])
    assert ask(adapter)
    adapter.close()


def test_a_broken_robots_txt_server_means_we_do_not_read_the_page(loopback: Any) -> None:
    [spec] = auto_rate_pages()
    server = loopback(static_app(b"oops", "text/plain", status="500 Internal Server Error"))
    adapter = HtmlRateTableAdapter(parse_provider_entries([spec.provider_entry(server.url, 3.0)], origin="t")[0])
    with pytest.raises(ProviderUnavailable, match="had a problem on its side"):
        ask(adapter)
    assert [seen.path for seen in server.requests] == ["/robots.txt"]
    adapter.close()


def test_a_page_in_another_declared_encoding_is_read_and_bad_bytes_are_not(loopback: Any) -> None:
    [spec] = auto_rate_pages()
    text = spec.wsgi_app(_state()).page()
    body = text.encode("utf-8")
    latin = (text.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">').replace("\u2212", "-")
             .replace("\u2013", "-").replace("Surcharges", "Surcharges & remises (é)").encode("iso-8859-1"))
    server = loopback(static_app(latin, "text/html"))
    adapter = HtmlRateTableAdapter(parse_provider_entries([spec.provider_entry(server.url, 3.0)], origin="t")[0])
    assert ask(adapter)
    adapter.close()
    broken = loopback(static_app(body.replace(b"<td>", b"<td>\xff", 1), "text/html; charset=utf-8"))
    adapter = HtmlRateTableAdapter(parse_provider_entries([spec.provider_entry(broken.url, 3.0)], origin="t")[0])
    with pytest.raises(ParseError, match="sent a page we could not read"):
        ask(adapter)
    adapter.close()


def test_a_shared_store_lets_instances_share_the_page(market: SandboxMarket) -> None:
    store = MemoryStore()
    first, second = adapter_for(market), adapter_for(market)
    first.context = second.context = AdapterContext(store=store, namespace="shared")
    page = first.extract(first.transform_query(QuoteQuery("auto", PROFILE, "a")), timeout_s=3)
    again = second.extract(second.transform_query(QuoteQuery("auto", PROFILE, "b")), timeout_s=3)
    assert not page.from_cache and again.from_cache and again.body == page.body
    first.close()
    second.close()


@pytest.mark.parametrize(
    ("options", "setting"),
    [({"table": "table[["}, "table"), ({"url": "ftp://x"}, "url"), ({"page_cache_s": 5}, "page_cache_s"),
     ({"colour": "blue"}, "colour")],
)
def test_bad_settings_are_refused_naming_them(market: SandboxMarket, options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ProviderConfigError) as caught:
        adapter_for(market, **options)
    assert caught.value.setting == setting


def _state() -> RunState:
    return RunState(stopping=threading.Event(), error_rng=random.Random(1))


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")
def test_with_redis_the_page_is_kept_there_for_every_instance(market: SandboxMarket) -> None:
    assert TEST_REDIS_URL is not None
    namespace = f"test-{uuid.uuid4().hex[:10]}"
    first, second = adapter_for(market), adapter_for(market)
    stores = [RedisStore(TEST_REDIS_URL), RedisStore(TEST_REDIS_URL)]
    first.context, second.context = (AdapterContext(store=store, namespace=namespace) for store in stores)
    assert not first.extract(first.transform_query(QuoteQuery("auto", PROFILE, "a")), timeout_s=3).from_cache
    assert second.extract(second.transform_query(QuoteQuery("auto", PROFILE, "b")), timeout_s=3).from_cache
    client = redis.Redis.from_url(TEST_REDIS_URL)
    [key] = client.keys(f"{namespace}:page:lighthouse:*")
    assert 0 < client.pttl(key) <= 3600 * 1000
    assert client.keys(f"{namespace}:robots:*")
    for adapter, store in zip((first, second), stores):
        adapter.close()
        store.close()
    client.close()
