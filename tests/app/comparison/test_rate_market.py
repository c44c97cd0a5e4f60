"""The rates offered behind "where your rates sit", end to end against the sandbox lenders over
loopback HTTP, on SQLite and PostgreSQL: each recommendation counts its ranked rates in its own
transaction, a comparison places its offers among the earlier ones of its cell in the 30-day UTC
window, and what it showed is logged (sealed), replayed identically, kept by a re-rank and carried
by the API's comparison document."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from app.api.comparisons import RESULT_SCHEMA
from app.comparison import bounds
from app.comparison.bounds import Limits
from app.comparison.budget import entry_bytes, within_budget
from app.comparison.derived import split_personal
from app.audit.log import document
from app.comparison.api import load_result, replay, rerank, run_comparison
from app.comparison.rate_market import MarketRateComparisons, MarketRateOffers, count_offers, prune, read_market
from app.db import db
from app.products import get_product_line
from app.products.rate_distribution import MIN_COMPARISONS, SHOWN, TOO_FEW, places, thousandths
from app.provider_registry import current_registry
from providers.testing.plugin import loopback  # noqa: F401 - a pytest fixture
from tests.app.comparison.test_entry_budget import check_told_logged_and_replayed, flooded, only  # noqa: F401
from tests.app.comparison.test_entry_budget import compare as post_compare
from tests.app.comparison.test_provider_content import serve, site  # noqa: F401 - pytest fixtures
from tests.conftest import DATABASES
from tests.factories import mortgage_profile

line = get_product_line("mortgage")
CELL = line.market_cell(mortgage_profile())
WRITERS, COMPARISONS_EACH = 4, 3


def compare(app: Flask, **changes: Any) -> dict[str, Any]:
    with app.app_context():
        entry = run_comparison(db.session, current_registry(), line, mortgage_profile(**changes), preferences={},
                               channel="web")
        db.session.commit()
        result = load_result(db.session, entry.reference)
        assert result is not None
        return result


def counted(app: Flask) -> dict[int, int]:
    with app.app_context():
        table = MarketRateOffers.__table__
        return {rate: int(total) for rate, total in db.session.execute(
            select(table.c.rate, func.sum(table.c.offers)).where(table.c.cell == CELL).group_by(table.c.rate))}


def rates_of(result: dict[str, Any]) -> list[int]:
    return [thousandths(rate) for _, rate in line.offered_rates(result)]


def test_each_comparison_is_placed_among_the_earlier_ones_of_its_cell_exactly(app: Flask) -> None:
    first = compare(app)
    placed = first["explanation"]["rate_distribution"]
    assert placed["status"] == TOO_FEW and placed["market"]["offers"] == 0 and "lowest" not in placed
    assert counted(app) == {rate: rates_of(first).count(rate) for rate in set(rates_of(first))}
    for _ in range(MIN_COMPARISONS - 1):
        compare(app)
    before = counted(app)
    other_cell = compare(app, credit_score_band="620-639")  # counted apart: another credit band
    assert counted(app) == before and other_cell["explanation"]["rate_distribution"]["status"] == TOO_FEW

    result = compare(app)
    placed = result["explanation"]["rate_distribution"]
    assert placed["status"] == SHOWN
    assert placed["market"]["comparisons"] == MIN_COMPARISONS and placed["market"]["offers"] == sum(before.values())
    for mark, milli in zip(places(placed, line.offered_rates(result)), rates_of(result), strict=True):
        higher = sum(count for rate, count in before.items() if rate > milli)  # this comparison's own not counted
        assert mark["higher"] == higher and mark["percent"] == higher * 100 // sum(before.values())
    lowest = min(rates_of(result))
    assert placed["lowest"] == {"rate": f"{Decimal(lowest) / 1000:.3f}",
                                "percent": sum(count for rate, count in before.items() if rate > lowest) * 100
                                // sum(before.values())}
    with app.app_context():
        comparisons = db.session.scalar(select(func.sum(MarketRateComparisons.comparisons))
                                        .where(MarketRateComparisons.cell == CELL))
    assert comparisons == MIN_COMPARISONS + 1


def test_what_was_shown_is_sealed_replays_identically_and_a_rerank_keeps_the_market_it_was_shown(app: Flask) -> None:
    for _ in range(MIN_COMPARISONS):
        compare(app)
    result = compare(app)
    placed = result["explanation"]["rate_distribution"]
    assert placed["status"] == SHOWN
    replayed = replay(line, result)
    assert replayed["explanation"]["rate_distribution"] == placed
    with app.app_context():
        compare(app)  # the market moves on; the logged figures do not
        entry = rerank(db.session, line, result, preferences={"preset": "lowest_payment"}, channel="web")
        db.session.commit()
        reranked = load_result(db.session, entry.reference)
        clear = document(entry)
    assert reranked is not None and reranked["explanation"]["rate_distribution"]["market"] == placed["market"]
    # In the clear part of the entry there is neither the cell nor the figures: they are the customer's.
    assert "rate_distribution" not in str(clear) and CELL not in str(clear)


def test_the_api_comparison_document_carries_the_figures(app: Flask, client: FlaskClient) -> None:
    for _ in range(MIN_COMPARISONS):
        compare(app)
    result = compare(app)
    body = client.get(f"/api/v1/comparisons/{result['reference']}").get_json()
    assert body["explanation"]["rate_distribution"] == result["explanation"]["rate_distribution"]
    validator = Draft202012Validator(RESULT_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert not list(validator.iter_errors(body))


def test_no_counts_without_the_entry_they_came_with(app: Flask) -> None:
    with app.app_context():
        run_comparison(db.session, current_registry(), line, mortgage_profile(), preferences={}, channel="web")
        db.session.rollback()  # the recommendation was never committed: nor were its counts
    assert counted(app) == {}


def test_the_window_is_the_last_thirty_utc_days_and_older_days_are_pruned(app: Flask) -> None:
    result = compare(app)
    now = datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc)  # long before the comparison just made
    with app.app_context():
        profile = mortgage_profile()
        # 23:59 UTC on 16 May is outside the window of 15 June; 00:00 UTC on 17 May is inside, and so
        # is 21:00 on 16 May in UTC-5 (02:00 on the 17th in UTC).
        for moment in (datetime(2025, 5, 16, 23, 59, tzinfo=timezone.utc), datetime(2025, 5, 17, 0, 0, tzinfo=timezone.utc),
                       datetime(2025, 5, 16, 21, 0, tzinfo=timezone(timedelta(hours=-5)))):
            count_offers(db.session, line, profile, result, moment)
        db.session.commit()
        market = read_market(db.session, line, profile, now)
        assert market is not None and (market.start.isoformat(), market.end.isoformat()) == ("2025-05-17", "2025-06-15")
        assert market.comparisons == 2
        assert sum(market.offers_by_rate.values()) == 2 * len(result["ranking"])
        assert prune(db.session, now, timedelta(days=31)) == 0  # 16 May is within 31 days of 15 June
        assert prune(db.session, now, timedelta(days=30)) > 0
        db.session.commit()
        assert read_market(db.session, line, profile, now).comparisons == 2
        assert read_market(db.session, line, profile, now - timedelta(days=29)).comparisons == 2
        assert prune(db.session, now, timedelta(days=30)) == 0
    assert all(isinstance(rate, int) and Decimal(rate) > 0 for rate in counted(app))


def test_the_largest_entry_with_a_wide_market_still_compares_every_offer_of_its_share(only, serve) -> None:
    """The largest mortgage entry (6 lenders, 2 of the largest offers each, rates all different)
    placed among a market spread over ten points: within the budget, without a lender's offer less.
    With its top offers' closing costs and lender credits logged too, that entry must list fewer
    unusable offers whether or not it says where its rates sit (test_entry_budget.GUARDED); the
    guard leaves the distribution out first at each step, and once the listing is cut, it fits."""
    application, names = flooded(only, serve, "mortgage", 6, usable=5)
    _, _, reference = post_compare(application, "mortgage")
    with application.app_context():
        cell = line.market_cell(load_result(db.session, reference)["profile"])
        yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
        db.session.add_all([MarketRateOffers(cell=cell, day=yesterday, rate=3_000 + 125 * n, offers=1) for n in range(80)])
        db.session.add(MarketRateComparisons(cell=cell, day=yesterday, comparisons=MIN_COMPARISONS))
        db.session.commit()
    result = check_told_logged_and_replayed(application, "mortgage", names, 5, bounds.ENTRY_BUDGET_BYTES)
    assert result["limits"] == {**bounds.Limits.among(6).as_record(), "listed": 0}
    assert result["explanation"]["rate_distribution"]["status"] == SHOWN


def test_where_the_rates_sit_is_left_out_before_any_offer_when_an_entry_would_outgrow_its_budget(monkeypatch) -> None:
    built: list[Limits | None] = []
    distribution = {"status": SHOWN, "market": {"counts": [1] * 2_000}}

    def build(limits: Limits | None) -> dict[str, Any]:
        built.append(limits)
        return {"limits": Limits.among(6).as_record(), "criteria": [], "ranking": [], "excluded": [], "profile": {},
                "explanation": {"top_reasons": [], "rate_distribution": distribution}}

    without = split_personal({**build(None), "explanation": {"top_reasons": []}})
    monkeypatch.setattr(bounds, "ENTRY_BUDGET_BYTES", entry_bytes(*without))
    clear, personal = within_budget(build)
    assert (clear, personal) == without and built == [None, None]  # built once: no offer fewer
    monkeypatch.setattr(bounds, "ENTRY_BUDGET_BYTES", entry_bytes(*split_personal(build(None))))
    assert within_budget(build)[1]["derived"]["explanation"]["rate_distribution"] == distribution


# PostgreSQL only: several instances share it, while SQLite serialises its writers on a file lock.
# CI sets TEST_DATABASE_URL, so there this runs rather than skipping a SQLite copy of itself.
@pytest.mark.parametrize("database_url", [name for name in DATABASES if name == "postgresql"], indirect=True)
def test_comparisons_of_one_cell_at_once_are_each_counted_once(app: Flask) -> None:
    """Comparisons of one cell committing at once neither deadlock on its rows nor lose a count."""
    start, references, failures = threading.Barrier(WRITERS), [], []

    def writer() -> None:
        try:
            with app.app_context():
                start.wait(timeout=60)
                for _ in range(COMPARISONS_EACH):
                    entry = run_comparison(db.session, current_registry(), line, mortgage_profile(), preferences={},
                                           channel="web")
                    db.session.commit()
                    references.append(entry.reference)
                db.session.remove()
        except Exception as error:  # the test fails with it below
            failures.append(error)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and len(references) == WRITERS * COMPARISONS_EACH
    expected: Counter[int] = Counter()
    with app.app_context():
        for reference in references:
            expected.update(rates_of(load_result(db.session, reference)))
        comparisons = db.session.scalar(select(func.sum(MarketRateComparisons.comparisons))
                                        .where(MarketRateComparisons.cell == CELL))
    assert counted(app) == dict(expected) and comparisons == len(references)
