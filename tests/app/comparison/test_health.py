"""Provider health from the logged comparisons, and the live probe behind `flask providers check`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask

from app.comparison.health import percentile, probe, provider_health, tally
from app.comparison.api import run_comparison
from app.db import db, utcnow
from app.products import get_product_line
from app.products.auto_insurance.schemas import TERMS_SCHEMA
from providers.errors import ProviderTimeout
from providers.registry import ProviderRegistry
from providers.testing.faults import quote_app
from providers.testing.plugin import closed_port, faulty, loopback  # noqa: F401 - pytest fixtures
from tests.factories import auto_profile

AUTO = get_product_line("auto")
TERMS = TERMS_SCHEMA["examples"][0]


def provider(key: str, url: str, **options: Any) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "adapter": "quote_protocol", "products": ["auto"], "timeout_s": 3.0,
            "url": url, "quote_cache": False, **options}


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 21))
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == (10, 19, 20)
    assert percentile([7], 95) == 7 and percentile([], 50) is None


def record(key: str, *, outcome: str, latency: int | None, failure: tuple[str, str] | None = None,
           cached: bool = False) -> dict[str, Any]:
    return {"provider": key, "provider_name": key.title(), "outcome": outcome, "latency_ms": latency, "cached": cached,
            "failure": None if failure is None else {"kind": failure[0], "message": failure[1], "detail": None},
            "invalid_quotes": []}


def test_tally_counts_answers_failures_and_latency_by_the_documented_rules() -> None:
    results = [
        {"time": "2026-11-23T10:00:00Z", "reference": "CND-0000-0001", "deadline_ms": 5000, "providers": [
            record("acme", outcome="quoted", latency=100),
            record("slow", outcome="failed", latency=None, failure=("timeout", "did not answer in time")),
        ]},
        {"time": "2026-11-23T11:00:00Z", "reference": "CND-0000-0002", "deadline_ms": 5000, "providers": [
            record("acme", outcome="declined", latency=300, failure=("declined", "declined to quote: no")),
            record("slow", outcome="failed", latency=None, failure=("circuit_open", "is temporarily unavailable")),
        ]},
        {"time": "2026-11-23T12:00:00Z", "reference": "CND-0000-0003", "deadline_ms": 5000, "providers": [
            record("acme", outcome="quoted", latency=0, cached=True),
            record("slow", outcome="quoted", latency=900),
        ]},
    ]
    acme, slow = tally(results)
    assert (acme.asked, acme.quoted, acme.declined, acme.failed, acme.from_cache) == (2, 1, 1, 0, 1)
    assert acme.success_rate == Decimal("1.0000") and (acme.p50_ms, acme.p95_ms) == (100, 300)
    assert acme.last_error is None
    assert (slow.asked, slow.succeeded, slow.failed) == (3, 1, 2)
    assert slow.success_rate == Decimal("0.3333")
    # The timeout counts at the deadline; the skipped comparison has no latency.
    assert (slow.p50_ms, slow.p95_ms) == (900, 5000)
    assert slow.last_error is not None and slow.last_error.kind == "circuit_open"
    assert slow.last_error.reference == "CND-0000-0002"
    assert slow.failures_by_kind == {"timeout": 1, "circuit_open": 1}


def test_health_from_real_logged_comparisons(app: Flask, loopback: Any, faulty: Any) -> None:
    good = loopback(lambda stopping: quote_app(TERMS, stopping=stopping), takes_stopping=True)
    declining = loopback(lambda stopping: quote_app(TERMS, stopping=stopping, decline="Not in your area."),
                         takes_stopping=True)
    broken = faulty(lambda stopping: quote_app(TERMS, stopping=stopping), "status_500")
    registry = ProviderRegistry.from_entries([provider("good", good.url), provider("choosy", declining.url),
                                              provider("broken", broken.url, breaker_failures=2)])
    with app.app_context():
        before = utcnow() - timedelta(seconds=1)
        for _ in range(3):
            run_comparison(db.session, registry, AUTO, auto_profile(), preferences={}, channel="web", deadline_s=2)
        db.session.commit()
        health = {h.provider: h for h in provider_health(db.session, since=before, product="auto")}
        assert provider_health(db.session, since=utcnow() + timedelta(hours=1)) == []
    registry.close()
    assert (health["good"].asked, health["good"].success_rate) == (3, Decimal("1.0000"))
    assert health["good"].p50_ms is not None and health["good"].p95_ms >= health["good"].p50_ms
    assert (health["choosy"].declined, health["choosy"].success_rate) == (3, Decimal("1.0000"))
    broken_health = health["broken"]
    assert (broken_health.asked, broken_health.failed, broken_health.success_rate) == (3, 3, Decimal("0.0000"))
    assert broken_health.failures_by_kind == {"unavailable": 2, "circuit_open": 1}
    assert broken_health.last_error.message == "is temporarily unavailable"


def test_a_probe_reports_time_offers_and_problems(loopback: Any, faulty: Any, closed_port: int) -> None:
    good = loopback(lambda stopping: quote_app(TERMS, stopping=stopping), takes_stopping=True)
    odd = faulty(lambda stopping: quote_app(TERMS, stopping=stopping), "zero_price")
    registry = ProviderRegistry.from_entries([provider("good", good.url), provider("odd", odd.url),
                                              provider("gone", f"http://127.0.0.1:{closed_port}")])
    fine, half, gone = (probe(registry, config, AUTO) for config in registry.configs)
    registry.close()
    assert fine.ok and (fine.offers, fine.usable, fine.problems) == (1, 1, ())
    assert half.ok and half.usable == 1 and half.problems[0].startswith("premium: a premium of 0")
    assert not gone.ok and gone.failure is not None and gone.failure.kind == "unavailable"
    assert fine.latency_ms >= 0


def test_a_probe_goes_past_an_open_circuit(loopback: Any) -> None:
    server = loopback(lambda stopping: quote_app(TERMS, stopping=stopping), takes_stopping=True)
    registry = ProviderRegistry.from_entries([provider("acme", server.url)])
    [config] = registry.configs
    for _ in range(5):
        registry.admit(config).failed(ProviderTimeout())
    assert registry.circuit(config).state == "open"
    assert probe(registry, config, AUTO).ok
    registry.close()
