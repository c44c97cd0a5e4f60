"""Asking every provider at once: outcomes as they settle, the deadline, the quote cache."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import redis
from flask import Flask

from app.audit.canonical import loggable
from app.comparison.fetch import gather_quotes, settle_quotes
from app.comparison.api import load_result, replay, run_comparison
from app.db import db
from app.products import get_product_line
from app.products.auto_insurance.schemas import TERMS_SCHEMA
from app.provider_registry import current_registry
from providers.registry import ProviderRegistry
from providers.testing.faults import misbehave, quote_app, slow
from providers.testing.plugin import loopback  # noqa: F401 - pytest fixture
from tests.conftest import TEST_REDIS_URL, make_app
from tests.factories import auto_profile

TERMS = TERMS_SCHEMA["examples"][0]


def provider(key: str, url: str, **options: Any) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "adapter": "quote_protocol", "products": ["auto"], "timeout_s": 3.0,
            "url": url, **options}


def serving(latency_s: float = 0.0, fault: str | None = None) -> Any:
    def make(stopping: threading.Event) -> Any:
        return misbehave(slow(quote_app(TERMS, stopping=stopping), latency_s, stopping), fault, stopping=stopping)
    return make


def test_outcomes_arrive_as_providers_answer_then_the_stragglers(loopback: Any) -> None:
    quick, slower, silent = (loopback(serving(0.0), takes_stopping=True), loopback(serving(0.3), takes_stopping=True),
                             loopback(serving(fault="hang"), takes_stopping=True))
    registry = ProviderRegistry.from_entries([provider("silent", silent.url), provider("slower", slower.url),
                                              provider("quick", quick.url)])
    settled = [(outcome.config.key, outcome.state)
               for outcome in settle_quotes(registry, registry.configs, "auto", auto_profile(), deadline_s=0.8)]
    assert settled == [("quick", "answered"), ("slower", "answered"), ("silent", "timeout")]
    in_order = gather_quotes(registry, registry.configs, "auto", auto_profile(), deadline_s=0.8)
    assert [outcome.config.key for outcome in in_order] == ["silent", "slower", "quick"]
    registry.close()


def test_a_comparison_abandoned_midway_stops_waiting(loopback: Any) -> None:
    silent = loopback(serving(fault="hang"), takes_stopping=True)
    quick = loopback(serving(0.0), takes_stopping=True)
    registry = ProviderRegistry.from_entries([provider("quick", quick.url), provider("silent", silent.url)])
    outcomes = settle_quotes(registry, registry.configs, "auto", auto_profile(), deadline_s=5)
    started = time.monotonic()
    assert next(outcomes).config.key == "quick"
    outcomes.close()  # e.g. the shopper closed the page
    assert time.monotonic() - started < 2
    registry.close()


def test_a_repeated_profile_is_answered_from_the_quote_cache(app: Flask, loopback: Any) -> None:
    server = loopback(serving(0.0), takes_stopping=True)
    registry = ProviderRegistry.from_entries([provider("acme", server.url)])
    with app.app_context():
        first = [run_comparison(db.session, registry, get_product_line("auto"), auto_profile(), preferences={},
                                channel="web", deadline_s=2).reference for _ in range(2)]
        db.session.commit()
        fresh, again = (load_result(db.session, reference) for reference in first)
    registry.close()
    assert len(server.requests) == 1
    assert [p["cached"] for p in (fresh["providers"][0], again["providers"][0])] == [False, True]
    assert again["providers"][0]["request_id"] == fresh["providers"][0]["request_id"]
    assert again["ranking"][0]["quote_id"] == fresh["ranking"][0]["quote_id"]


def test_a_provider_can_opt_out_of_the_quote_cache(loopback: Any) -> None:
    server = loopback(serving(0.0), takes_stopping=True)
    registry = ProviderRegistry.from_entries([provider("acme", server.url, quote_cache=False)])
    for _ in range(2):
        gather_quotes(registry, registry.configs, "auto", auto_profile(), deadline_s=2)
    assert len(server.requests) == 2
    registry.close()


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")
def test_with_redis_configured_instances_share_quotes(database_url: str, loopback: Any) -> None:
    server = loopback(serving(0.0), takes_stopping=True)
    entries = [provider("acme", server.url)]
    first, second = (make_app(database_url, entries, CANDOR_CACHE_NAMESPACE="shared-test-" + server.url[-5:])
                     for _ in range(2))
    for instance in (first, second):
        with instance.test_request_context():
            registry = current_registry()
            gather_quotes(registry, registry.configs, "auto", auto_profile(), deadline_s=2)
            db.session.remove()
    assert len(server.requests) == 1, "the second instance found the first one's quotes in Redis"
    assert redis.Redis.from_url(TEST_REDIS_URL).keys("shared-test-*:quotes:acme:*")
    for instance in (first, second):
        with instance.app_context():
            instance.extensions["candor.providers"].close()
            db.session.remove()
            db.engine.dispose()


def test_a_logged_result_with_unreadable_offers_replays_the_same(app: Flask, loopback: Any) -> None:
    good = loopback(serving(0.0), takes_stopping=True)
    odd = loopback(serving(fault="unreadable_quote"), takes_stopping=True)
    registry = ProviderRegistry.from_entries([provider("good", good.url), provider("odd", odd.url)])
    with app.app_context():
        reference = run_comparison(db.session, registry, get_product_line("auto"), auto_profile(), preferences={},
                                   channel="web", deadline_s=2).reference
        db.session.commit()
        result = load_result(db.session, reference)
    registry.close()
    odd_record = next(p for p in result["providers"] if p["provider"] == "odd")
    assert odd_record["invalid_quotes"] == [{"id": None, "field": "id", "problem": "'id' is a required property"}]
    replayed = replay(get_product_line("auto"), result)
    for key in ("ranking", "excluded", "failures", "recommended"):
        assert json.loads(json.dumps(loggable(replayed[key]))) == result[key], key
