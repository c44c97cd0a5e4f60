"""The fault catalogue (issue 3): each misbehaviour, served by a real server on loopback beside
well-behaved providers, in a real comparison — and then all of them at once beside the whole sandbox
market. Every time the comparison finishes within its deadline (plus generous slack: these are not
timing tests), the other providers are still ranked, and the failure is shown with its words and
kept in the log — and the operational log — with its kind."""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.audit.log import document
from app.audit.models import AuditEntry
from app.comparison.api import load_result, run_comparison
from app.db import db
from app.products import get_product_line
from app.products.auto_insurance.schemas import TERMS_SCHEMA
from providers.registry import ProviderRegistry
from providers.sandbox.insurer_app import RunState
from providers.sandbox.market import SandboxMarket
from providers.sandbox.rate_page import auto_rate_pages
from providers.testing.faults import quote_app, static_app
from providers.testing.servers import LoopbackServer
from tests.conftest import DATABASES, TEST_DATABASE_URL, make_app
from tests.factories import auto_profile

# Long enough that a healthy rate-page provider (robots.txt, then the page) answers on a loaded
# 2-core CI machine; the faults that never answer cost exactly this long.
DEADLINE_S = 1.5
SLACK_S = 1.5
# Thirty providers asked at once on a 2-core machine: the healthy ones need more than half a
# second of wall-clock to be scheduled, answer and be parsed, so this test waits longer.
WHOLE_CATALOGUE_DEADLINE_S = 2.5
AUTO = get_product_line("auto")


@pytest.fixture(scope="module", params=DATABASES)
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        market: SandboxMarket) -> Iterator[Flask]:
    """One migrated database per module and database engine: every test here looks up only the
    entries it wrote, and migrating afresh for each of the many faults would dwarf the faults."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'candor.sqlite3'}"
    else:
        assert TEST_DATABASE_URL is not None
        schema = f"test_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(TEST_DATABASE_URL)
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{TEST_DATABASE_URL}{'&' if '?' in TEST_DATABASE_URL else '?'}options=-csearch_path%3D{schema}"
    application = make_app(url, market.provider_entries())
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if request.param != "sqlite":
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def protocol_provider(stopping: threading.Event) -> Any:
    return quote_app(TERMS_SCHEMA["examples"][0], stopping=stopping)


def rate_page_provider(stopping: threading.Event) -> Any:
    return auto_rate_pages()[0].wsgi_app(RunState(stopping=stopping, error_rng=random.Random(1)))


def entry(url: str, *, adapter: str = "quote_protocol", **options: Any) -> dict[str, Any]:
    if adapter == "html_rate_table":
        return {**auto_rate_pages()[0].provider_entry(url, 3.0), "key": "faulty", "name": "Faulty Insurance", **options}
    return {"key": "faulty", "name": "Faulty Insurance", "adapter": adapter, "products": ["auto"], "timeout_s": 3.0,
            "commission": "", "url": url, **options}


def registry_of(entries: list[dict[str, Any]]) -> ProviderRegistry:
    # A registry of its own each time, caches included: a later server may get an earlier one's port.
    return ProviderRegistry.from_entries(entries)


def compare(app: Flask, registry: ProviderRegistry, deadline_s: float = DEADLINE_S) -> tuple[dict[str, Any], float]:
    with app.app_context():
        started = time.monotonic()
        reference = run_comparison(db.session, registry, AUTO, auto_profile(), preferences={}, channel="web",
                                   deadline_s=deadline_s).reference
        db.session.commit()
        elapsed = time.monotonic() - started
        return load_result(db.session, reference), elapsed


def logged_record(app: Flask, reference: str, provider: str) -> dict[str, Any]:
    with app.app_context():
        entry_ = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.reference == reference)).one()
        return next(p for p in document(entry_)["providers"] if p["provider"] == provider)


GOOD = ("good_1", "good_2", "good_3")


@pytest.fixture(scope="module")
def others() -> Iterator[list[dict[str, Any]]]:
    """Three well-behaved providers, each quoting its own premium."""
    servers = [LoopbackServer(lambda stopping, premium=premium: quote_app(
        {**TERMS_SCHEMA["examples"][0], "premium": premium}, stopping=stopping), takes_stopping=True).start()
        for premium in ("1100.00", "1212.50", "1390.00")]
    yield [{**entry(server.url), "key": key, "name": key.replace("_", " ").title()} for key, server in zip(GOOD, servers)]
    for server in servers:
        server.stop()


def assert_others_ranked(result: dict[str, Any], expected: set[str] = set(GOOD)) -> None:
    ranked = {offer["provider"] for offer in result["ranking"]}
    assert expected <= ranked, f"the other providers must still be ranked, got {sorted(ranked)}"


WHOLE_REPLY_FAULTS = [
    ("hang", "quote_protocol", "timeout", "did not answer in time"),
    ("trickle", "quote_protocol", "timeout", "did not answer in time"),
    ("status_500", "quote_protocol", "unavailable", "had a problem on its side"),
    ("status_503", "quote_protocol", "unavailable", "had a problem on its side"),
    ("status_429", "quote_protocol", "rate_limited", "was too busy to quote"),
    ("malformed_json", "quote_protocol", "parse_error", "sent a quote reply we could not read"),
    ("wrong_shape", "quote_protocol", "invalid_reply", "sent a reply of the wrong shape"),
    ("wrong_content_type", "quote_protocol", "invalid_reply", "sent something that is not a quote reply"),
    ("not_utf8", "quote_protocol", "parse_error", "sent a quote reply we could not read"),
    ("oversized", "quote_protocol", "too_large", "sent a reply larger than we accept"),
    ("redirect_loop", "quote_protocol", "redirect_loop", "sent us round in a loop of redirects"),
    ("changed_layout", "html_rate_table", "layout_changed", "changed its rate page, so we could not read its rates"),
    ("not_utf8", "html_rate_table", "parse_error", "sent a page we could not read"),
    ("oversized", "html_rate_table", "too_large", "sent a reply larger than we accept"),
    ("redirect_elsewhere", "quote_protocol", "redirect_refused", "redirected us elsewhere, so we did not follow"),
    ("redirect_elsewhere", "html_rate_table", "redirect_refused", "redirected us elsewhere, so we did not follow"),
    ("deep_nesting", "html_rate_table", "parse_error", "sent a page we could not read"),
    ("comma_decimals", "html_rate_table", "layout_changed", "changed its rate page, so we could not read its rates"),
    ("disallowed", "html_rate_table", "not_allowed", "does not allow us to read its rate page"),
]


@pytest.mark.parametrize(("fault", "adapter", "kind", "words"), WHOLE_REPLY_FAULTS,
                         ids=[f"{fault}-{adapter}" for fault, adapter, _, _ in WHOLE_REPLY_FAULTS])
def test_a_provider_that_fails_whole_costs_only_itself(app: Flask, others: list[dict[str, Any]], faulty: Callable[..., Any],
                                                       caplog: pytest.LogCaptureFixture, fault: str, adapter: str,
                                                       kind: str, words: str) -> None:
    make_app = rate_page_provider if adapter == "html_rate_table" else protocol_provider
    server = faulty(make_app, fault)
    registry = registry_of([*others, entry(server.url, adapter=adapter)])
    with caplog.at_level(logging.WARNING, logger="candor.comparison"):
        result, elapsed = compare(app, registry)
    registry.close()
    assert elapsed < DEADLINE_S + SLACK_S
    failure = next(f for f in result["failures"] if f["provider"] == "faulty")
    assert (failure["kind"], failure["message"]) == (kind, words)
    assert logged_record(app, result["reference"], "faulty")["failure"]["kind"] == kind
    assert any("faulty" in r.getMessage() and kind in r.getMessage() for r in caplog.records)
    assert_others_ranked(result)


def test_connection_refused(app: Flask, others: list[dict[str, Any]], closed_port: int) -> None:
    registry = registry_of([*others, entry(f"http://127.0.0.1:{closed_port}")])
    result, elapsed = compare(app, registry)
    registry.close()
    assert elapsed < DEADLINE_S + SLACK_S
    failure = next(f for f in result["failures"] if f["provider"] == "faulty")
    assert (failure["kind"], failure["message"]) == ("unavailable", "could not be reached")
    assert_others_ranked(result)


OFFER_FAULTS = [
    ("zero_price", "premium", "is not a price"),
    ("negative_price", "premium", ""),
    ("wrong_currency", "currency", "prices in 'EUR', not USD"),
    ("wrong_product", "product", "is not auto insurance"),
    ("duplicate_ids", "id", "was sent twice"),
    ("unreadable_quote", "id", "'id' is a required property"),
]


@pytest.mark.parametrize(("fault", "field", "problem"), OFFER_FAULTS, ids=[fault for fault, _, _ in OFFER_FAULTS])
def test_a_bad_offer_is_named_and_the_good_one_beside_it_still_counts(app: Flask, others: list[dict[str, Any]], faulty: Callable[..., Any], fault: str,
                                                                       field: str, problem: str) -> None:
    server = faulty(protocol_provider, fault)
    registry = registry_of([*others, entry(server.url)])
    result, elapsed = compare(app, registry)
    registry.close()
    assert elapsed < DEADLINE_S + SLACK_S
    failure = next(f for f in result["failures"] if f["provider"] == "faulty")
    assert failure["kind"] == "invalid_reply"
    assert failure["message"] == "sent an offer we could not use", "the problem is for staff, not the shopper"
    assert "faulty" in {o["provider"] for o in result["ranking"] + result["excluded"]}, "the good offer still counts"
    record = logged_record(app, result["reference"], "faulty")
    assert record["outcome"] == "quoted" and record["invalid_quotes"][0]["field"] == field
    assert problem in record["invalid_quotes"][0]["problem"]


def test_an_absurd_price_is_set_aside_as_implausible(app: Flask, others: list[dict[str, Any]],
                                                     faulty: Callable[..., Any]) -> None:
    server = faulty(protocol_provider, "absurd_price")
    registry = registry_of([*others, entry(server.url)])
    result, _ = compare(app, registry)
    registry.close()
    [excluded] = [e for e in result["excluded"] if e["provider"] == "faulty"]
    assert excluded["reason"] == ("Implausible — not ranked: its price per year of $10,000,000.00 is too high "
                                  "to be a real offer.")
    assert excluded["quote_id"].endswith("-bad")
    assert "faulty" in {o["provider"] for o in result["ranking"]}, "the good offer still counts"
    assert_others_ranked(result)
    assert_others_ranked(result)


def test_an_expired_quote_is_never_shown_as_current(app: Flask, others: list[dict[str, Any]], faulty: Callable[..., Any]) -> None:
    server = faulty(protocol_provider, "expired")
    registry = registry_of([*others, entry(server.url)])
    result, _ = compare(app, registry)
    registry.close()
    [excluded] = [e for e in result["excluded"] if e["provider"] == "faulty"]
    assert excluded["reason"] == "This quote had expired before we could show it to you."
    assert excluded["quote_id"].endswith("-bad")
    assert [o["quote_id"] for o in result["ranking"] if o["provider"] == "faulty"] != [excluded["quote_id"]]


def test_429_retry_after_rests_the_provider_and_the_next_comparison_says_so(app: Flask, others: list[dict[str, Any]], faulty: Callable[..., Any]) -> None:
    server = faulty(protocol_provider, "status_429", retry_after_s=60)
    registry = registry_of([*others, entry(server.url)])
    first, _ = compare(app, registry)
    second, elapsed = compare(app, registry)
    registry.close()
    assert next(f for f in first["failures"] if f["provider"] == "faulty")["kind"] == "rate_limited"
    failure = next(f for f in second["failures"] if f["provider"] == "faulty")
    assert (failure["kind"], failure["message"]) == ("circuit_open", "is temporarily unavailable")
    assert len(server.requests) == 1, "a resting provider is not asked"
    assert elapsed < DEADLINE_S + SLACK_S
    assert_others_ranked(second)


def test_repeated_timeouts_trip_the_breaker_so_later_comparisons_do_not_wait(app: Flask, others: list[dict[str, Any]], faulty: Callable[..., Any]) -> None:
    server = faulty(protocol_provider, "hang")
    registry = registry_of([*others, entry(server.url, breaker_failures=2)])
    kinds = [next(f for f in compare(app, registry, 0.4)[0]["failures"] if f["provider"] == "faulty")["kind"]
             for _ in range(3)]
    registry.close()
    assert kinds == ["timeout", "timeout", "circuit_open"]
    assert len(server.requests) == 2


def test_an_unrecordable_value_costs_that_offer_not_the_log(app: Flask, others: list[dict[str, Any]], loopback: Callable[..., Any]) -> None:
    body = ('{"quotes": [{"id": "x-1", "product": "auto", "currency": "USD", "valid_until": "2099-01-01T00:00:00Z",'
            ' "terms": {"premium": 1212.5}}], "declined": null}')
    server = loopback(static_app(body))
    registry = registry_of([*others, entry(server.url)])
    result, _ = compare(app, registry)
    registry.close()
    failure = next(f for f in result["failures"] if f["provider"] == "faulty")
    assert failure["message"] == "sent an offer we could not use"
    [unusable] = logged_record(app, result["reference"], "faulty")["invalid_quotes"]
    assert "terms.premium: 1212.5 is a number with a fraction" in f"{unusable['field']}: {unusable['problem']}"
    assert_others_ranked(result)


def test_every_provider_failing_still_gives_a_logged_comparison(app: Flask, closed_port: int) -> None:
    with LoopbackServer(lambda stopping: protocol_provider(stopping), takes_stopping=True):
        registry = registry_of([entry(f"http://127.0.0.1:{closed_port}")])
        result, _ = compare(app, registry)
        registry.close()
    assert result["ranking"] == [] and result["recommended"] is None
    assert [f["kind"] for f in result["failures"]] == ["unavailable"]


def test_the_whole_catalogue_at_once_beside_the_sandbox_market(app: Flask, market: SandboxMarket,
                                                               faulty: Callable[..., Any], closed_port: int,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    entries = [*market.provider_entries()]
    expected: dict[str, str] = {}
    for number, (fault, adapter, kind, _) in enumerate(WHOLE_REPLY_FAULTS):
        make_app = rate_page_provider if adapter == "html_rate_table" else protocol_provider
        server = faulty(make_app, fault)
        entries.append({**entry(server.url, adapter=adapter), "key": f"faulty_{number}", "name": f"{fault} {adapter}"})
        expected[f"faulty_{number}"] = kind
    for number, (fault, _, _) in enumerate(OFFER_FAULTS):
        server = faulty(protocol_provider, fault)
        entries.append({**entry(server.url), "key": f"odd_{number}", "name": fault})
        expected[f"odd_{number}"] = "invalid_reply"
    entries.append({**entry(f"http://127.0.0.1:{closed_port}"), "key": "refused", "name": "Refused"})
    expected["refused"] = "unavailable"
    # More providers than a providers file may configure for one line: this tests isolation, not the entry's bound.
    registry = ProviderRegistry.from_entries(entries, providers_per_line=None)
    with caplog.at_level(logging.WARNING, logger="candor.comparison"):
        result, elapsed = compare(app, registry, deadline_s=WHOLE_CATALOGUE_DEADLINE_S)
    registry.close()
    assert elapsed < WHOLE_CATALOGUE_DEADLINE_S + SLACK_S
    assert {f["provider"]: f["kind"] for f in result["failures"] if f["provider"] in expected} == expected
    sandbox = {spec.key for spec in market.specs if "auto" in spec.products}
    assert_others_ranked(result, sandbox - {"pioneer"} if any(f["provider"] == "pioneer" for f in result["failures"])
                         else sandbox)
    for key, kind in expected.items():
        record = logged_record(app, result["reference"], key)
        if key.startswith("odd_"):
            assert record["invalid_quotes"] and record["outcome"] == "quoted", key
        else:
            assert record["failure"]["kind"] == kind, key
