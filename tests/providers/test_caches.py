"""The quote cache and the store under it: in memory, and in Redis when TEST_REDIS_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import redis

from providers.base import ProviderConfig, Quote, QuoteQuery, UnusableQuote
from providers.quote_cache import MIN_REMAINING, QuoteCache
from providers.store import MemoryStore, RedisStore, Store, store_for
from providers.testing.servers import closed_port

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
STORES = ["memory"] + (["redis"] if TEST_REDIS_URL else [])
ACME = ProviderConfig("acme", "Acme Auto", "quote_protocol", ("auto",), options={"url": "http://acme.example"})
PROFILE = {"zip_code": "94110", "driver_birth_date": "1988-04-12", "vehicle_value": "16500.00"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    assert TEST_REDIS_URL is not None
    redis_store = RedisStore(TEST_REDIS_URL)
    yield redis_store
    redis_store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(store: Store, clock: Clock) -> QuoteCache:
    return QuoteCache(store, secret=b"s3cret", namespace=f"test-{uuid.uuid4().hex[:8]}", clock=clock)


def quote(clock: Clock, *, valid_for: timedelta = timedelta(minutes=30), quote_id: str = "acme-1") -> Quote:
    return Quote(quote_id, "auto", "USD", clock.now + valid_for, {"premium": "1212.50", "term_months": 12},
                 "https://acme.example/1")


def query(**changes: str) -> QuoteQuery:
    return QuoteQuery("auto", {**PROFILE, **changes}, "req-1")


def test_a_valid_answer_is_served_again_for_the_same_profile(cache: QuoteCache, clock: Clock) -> None:
    cache.put(ACME, query(), [quote(clock)], request_id="req-1")
    answer = cache.get_many([ACME], QuoteQuery("auto", dict(PROFILE), "req-2"))["acme"]
    assert answer.quotes == [quote(clock)] and answer.request_id == "req-1"
    assert cache.get_many([ACME], query(zip_code="10001")) == {}


def test_an_expired_or_expiring_quote_is_never_served(cache: QuoteCache, clock: Clock) -> None:
    cache.put(ACME, query(), [quote(clock, valid_for=timedelta(minutes=5))], request_id="req-1")
    clock.now += timedelta(minutes=5) - MIN_REMAINING + timedelta(seconds=1)
    assert cache.get_many([ACME], query()) == {}


def test_a_quote_with_too_little_validity_is_not_kept(cache: QuoteCache, clock: Clock) -> None:
    cache.put(ACME, query(), [quote(clock, valid_for=MIN_REMAINING)], request_id="req-1")
    assert cache.get_many([ACME], query()) == {}


def test_the_earliest_expiry_in_a_reply_governs(cache: QuoteCache, clock: Clock) -> None:
    cache.put(ACME, query(), [quote(clock), quote(clock, valid_for=timedelta(minutes=3), quote_id="acme-2")],
              request_id="req-1")
    clock.now += timedelta(minutes=2, seconds=30)
    assert cache.get_many([ACME], query()) == {}


def test_incomplete_replies_and_odd_terms_are_not_kept(cache: QuoteCache, clock: Clock) -> None:
    cache.put(ACME, query(), [quote(clock), UnusableQuote(None, "id", "is missing")], request_id="req-1")
    cache.put(ACME, query(zip_code="10001"), [], request_id="req-2")
    odd = Quote("acme-3", "auto", "USD", clock.now + timedelta(hours=1), {"premium": Decimal("1.5")})
    cache.put(ACME, query(zip_code="20001"), [odd], request_id="req-3")
    for changes in ({}, {"zip_code": "10001"}, {"zip_code": "20001"}):
        assert cache.get_many([ACME], query(**changes)) == {}


def test_keys_reveal_nothing_about_the_customer(cache: QuoteCache) -> None:
    key = cache.key(ACME, query())
    for value in PROFILE.values():
        assert value not in key
    other_secret = QuoteCache(MemoryStore(), secret=b"other", namespace="x")
    assert key.rsplit(":", 1)[1] != other_secret.key(ACME, query()).rsplit(":", 1)[1]


def test_changing_a_providers_settings_leaves_its_old_quotes_behind(cache: QuoteCache, clock: Clock) -> None:
    cache.put(ACME, query(), [quote(clock)], request_id="req-1")
    moved = ProviderConfig("acme", "Acme Auto", "quote_protocol", ("auto",), options={"url": "http://new.example"})
    assert cache.get_many([moved], query()) == {}


def test_an_unreadable_entry_is_dropped(store: Store, cache: QuoteCache) -> None:
    store.set(cache.key(ACME, query()), b"not json", 60)
    assert cache.get_many([ACME], query()) == {}
    assert store.get(cache.key(ACME, query())) is None


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")
def test_two_instances_share_the_cache_through_redis(clock: Clock) -> None:
    assert TEST_REDIS_URL is not None
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    first = QuoteCache(store_for(TEST_REDIS_URL), secret=b"shared", namespace=namespace, clock=clock)
    second = QuoteCache(store_for(TEST_REDIS_URL), secret=b"shared", namespace=namespace, clock=clock)
    first.put(ACME, query(), [quote(clock)], request_id="req-1")
    assert second.get_many([ACME], query())["acme"].quotes == [quote(clock)]
    ttl = redis.Redis.from_url(TEST_REDIS_URL).pttl(first.key(ACME, query()))
    assert 0 < ttl <= (timedelta(minutes=30) - MIN_REMAINING).total_seconds() * 1000


def test_a_dead_redis_costs_nothing_but_the_cache(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore(f"redis://127.0.0.1:{closed_port()}/0")
    store.set("k", b"v", 60)
    assert store.get_many(["k", "j"]) == [None, None]
    store.delete("k")
    assert any("provider caches are bypassed" in record.getMessage() for record in caplog.records)
    store.close()


def test_the_memory_store_expires_and_stays_bounded() -> None:
    now = [0.0]
    store = MemoryStore(max_entries=2, clock=lambda: now[0])
    store.set("a", b"1", 10)
    store.set("b", b"2", 10)
    store.set("c", b"3", 10)
    assert store.get("a") is None and store.get("c") == b"3"
    now[0] = 11
    assert store.get("b") is None
