"""Where a comparison's rates sit among the rates offered (app/products/rate_distribution.py): the
"lower than P% of rates" statement is true of the rates behind it for any market, the threshold
shows nothing below it, the histogram is bounded whatever the market, the 30-day window is whole
UTC days, and a logged market gives the same figures as the exact one it was made from."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.products.mortgage.rates_offered import amount_band, market_cell
from app.products.rate_distribution import (
    MIN_COMPARISONS,
    MIN_OFFERS,
    MOST_BUCKETS,
    SHOWN,
    TOO_FEW,
    LoggedMarket,
    RateMarket,
    distribution,
    places,
    thousandths,
    window,
)
from tests.factories import mortgage_profile

START, END = date(2026, 11, 6), date(2026, 12, 5)
# Rates as lenders quote them: mostly on eighths, some at any thousandth, over a wide range.
rates = st.one_of(st.integers(16, 96).map(lambda eighth: eighth * 125), st.integers(1_000, 15_000))
markets = st.dictionaries(rates, st.integers(1, 40), min_size=1, max_size=60)
offered = st.lists(rates, min_size=1, max_size=12)


def market_of(offers_by_rate: dict[int, int], comparisons: int = MIN_COMPARISONS) -> RateMarket:
    return RateMarket(start=START, end=END, comparisons=comparisons, offers_by_rate=offers_by_rate)


def ranked(milli_rates: list[int]) -> list[tuple[int, Decimal]]:
    return [(position, Decimal(milli) / 1000) for position, milli in enumerate(milli_rates)]


@settings(max_examples=300, deadline=None)
@given(markets, offered, st.integers(MIN_COMPARISONS, 500))
def test_the_percent_said_is_true_of_the_rates_behind_it_and_as_high_as_it_can_truthfully_be(
        offers_by_rate: dict[int, int], shown: list[int], comparisons: int) -> None:
    total = sum(offers_by_rate.values())
    placed = distribution(market_of(offers_by_rate, comparisons), ranked(shown))
    assert placed is not None
    if total < MIN_OFFERS:
        assert placed["status"] == TOO_FEW and "counts" not in placed["market"]
        return
    assert placed["status"] == SHOWN and placed["market"]["offers"] == total
    marks = places(placed, ranked(shown))
    for mark, milli in zip(marks, shown, strict=True):
        higher = sum(count for rate, count in offers_by_rate.items() if rate > milli)
        assert mark["higher"] == higher
        # "lower than P% of the rates offered": at least P% were strictly higher, and not P + 1%.
        assert mark["percent"] * total <= higher * 100 < (mark["percent"] + 1) * total
    # The headline's figure is the lowest offered rate's.
    lowest = min(marks, key=lambda mark: Decimal(mark["rate"]))
    assert placed["lowest"] == {"rate": lowest["rate"], "percent": lowest["percent"]}
    assert Decimal(lowest["rate"]) == min(Decimal(milli) / 1000 for milli in shown)


@settings(max_examples=200, deadline=None)
@given(markets, offered)
def test_the_histogram_counts_every_offer_once_and_draws_at_most_forty_bars_holding_every_offer(
        offers_by_rate: dict[int, int], shown: list[int]) -> None:
    placed = distribution(market_of({**offers_by_rate, 6_000: MIN_OFFERS}), ranked(shown))
    assert placed is not None
    market = placed["market"]
    assert 1 <= len(market["counts"]) <= MOST_BUCKETS
    assert sum(market["counts"]) + market["below"] + market["above"] == market["offers"]
    first = thousandths(Decimal(market["first"]))
    if max(shown) // 125 - min(shown) // 125 < MOST_BUCKETS:  # offers spread wider than the chart cannot all be drawn
        assert all(first <= milli < first + len(market["counts"]) * 125 for milli in shown)


@settings(max_examples=100, deadline=None)
@given(markets, offered)
def test_a_logged_market_gives_exactly_the_figures_of_the_market_it_was_made_from(
        offers_by_rate: dict[int, int], shown: list[int]) -> None:
    made = distribution(market_of(offers_by_rate), ranked(shown))
    assert made is not None
    assert distribution(LoggedMarket(made["market"]), ranked(shown)) == made


@pytest.mark.parametrize(("offers", "comparisons", "status"), [
    (MIN_OFFERS - 1, 50, TOO_FEW), (500, MIN_COMPARISONS - 1, TOO_FEW), (MIN_OFFERS, MIN_COMPARISONS, SHOWN)])
def test_too_few_offers_or_comparisons_show_nothing_and_log_no_rate(offers: int, comparisons: int, status: str) -> None:
    placed = distribution(market_of({6_125: offers}, comparisons), ranked([6_250]))
    assert placed is not None and placed["status"] == status
    assert placed["threshold"] == {"offers": MIN_OFFERS, "comparisons": MIN_COMPARISONS}
    if status == TOO_FEW:
        assert placed["market"] == {"from": "2026-11-06", "to": "2026-12-05", "comparisons": comparisons,
                                    "offers": offers}
        assert "lowest" not in placed


def test_a_comparison_without_ranked_offers_places_nothing() -> None:
    assert distribution(market_of({6_125: 50}), []) is None


def test_the_window_is_thirty_whole_utc_days_ending_today_in_utc() -> None:
    assert window(datetime(2026, 12, 5, 23, 59, 59, tzinfo=timezone.utc)) == (date(2026, 11, 6), date(2026, 12, 5))
    assert window(datetime(2026, 12, 5, 0, 0, tzinfo=timezone.utc)) == (date(2026, 11, 6), date(2026, 12, 5))
    # 01:00 on 5 December in UTC+5 is still 4 December in UTC; 20:00 on 4 December in UTC-5 is already the 5th.
    assert window(datetime(2026, 12, 5, 1, 0, tzinfo=timezone(timedelta(hours=5)))) == (date(2026, 11, 5), date(2026, 12, 4))
    assert window(datetime(2026, 12, 4, 20, 0, tzinfo=timezone(timedelta(hours=-5)))) == (date(2026, 11, 6), date(2026, 12, 5))
    with pytest.raises(ValueError, match="timezone-aware"):
        window(datetime(2026, 12, 5, 12, 0))


def test_a_rate_with_more_than_three_decimals_is_refused() -> None:
    assert thousandths(Decimal("6.125")) == 6_125 and thousandths(Decimal("6.1")) == 6_100
    with pytest.raises(ValueError, match="three decimals"):
        thousandths(Decimal("6.1255"))


def test_the_mortgage_cell_is_loan_type_term_rate_type_credit_band_amount_band_and_state() -> None:
    assert market_cell(mortgage_profile()) == "conventional/30/fixed/740-759/400000-500000/CO"
    assert market_cell(mortgage_profile(loan_amount="399999.99")) == "conventional/30/fixed/740-759/300000-400000/CO"
    assert market_cell(mortgage_profile(loan_amount="2000000.00", loan_type="jumbo")).startswith("jumbo/30/fixed/740-759/1500000-/")
    assert amount_band(Decimal("99999.99")) == (0, 100_000) and amount_band(Decimal("100000")) == (100_000, 200_000)
    # Nothing that is not a band: no ZIP code, no exact amount, no property value, no horizon.
    assert "80203" not in market_cell(mortgage_profile()) and "500000.00" not in market_cell(mortgage_profile())
