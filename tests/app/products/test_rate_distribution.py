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

from app.products.mortgage.rates_offered import RatesView, amount_band, market_cell, rates_view
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


def view_of(offers_by_rate: dict[int, int], shown: list[int]) -> RatesView:
    placed = distribution(market_of(offers_by_rate), ranked(shown))
    result = {"explanation": {"rate_distribution": placed}, "profile": mortgage_profile(),
              "ranking": [{"rank": position + 1, "quote_id": f"q{position}"} for position in range(len(shown))]}
    view = rates_view(result, {f"q{position}": f"Lender {position}" for position in range(len(shown))}, ranked(shown))
    assert view is not None
    return view


def test_the_page_says_the_logged_figure_in_words_and_never_more_than_is_true() -> None:
    market = {6_000: 10, 6_125: 30, 6_250: 60}
    view = view_of(market, [6_125, 6_250])
    assert view.headline == ("Your lowest rate, 6.125%, is lower than 60% of the 100 rates offered for loans like "
                             "yours in the last 30 days.")
    assert [(offer.rank, offer.rate, offer.place) for offer in view.offers] == [(1, "6.125%", "60%"), (2, "6.250%", "none")]
    assert view.basis.startswith("From 100 offers in 5 comparisons for 30-year fixed conventional loans of $400,000 to "
                                 "$499,999 in CO for credit scores of 740–759, 6 November to 5 December 2026 (UTC days)")
    assert view_of(market, [6_250]).headline == ("No rate offered for loans like yours in the last 30 days was higher "
                                                 "than your lowest rate, 6.250%.")
    assert view_of({6_000: 1_000, 6_500: 5}, [6_250]).headline == (
        "Fewer than 1% of the 1,005 rates offered for loans like yours in the last 30 days were higher than your "
        "lowest rate, 6.250%.")
    too_few = distribution(market_of({6_125: MIN_OFFERS - 1}), ranked([6_125]))
    view = rates_view({"explanation": {"rate_distribution": too_few}, "profile": mortgage_profile(), "ranking": []},
                      {}, ranked([6_125]))
    assert view is not None and not view.shown and view.chart is None and view.offers == ()


def test_the_chart_marks_each_bar_holding_offers_and_staggers_labels_that_would_overlap() -> None:
    # 48 bars' worth of market, 3 offers each, from 5.000%: the 40 drawn start at the lowest that holds the offers.
    view = view_of({milli: 3 for milli in range(5_000, 11_000, 125)}, [6_000, 6_125, 6_250, 6_250, 9_000])
    assert view.chart is not None and len(view.chart.bars) == MOST_BUCKETS
    assert view.chart.bars[0].range_text == "5.000% to 5.124%" and sum(bar.count for bar in view.chart.bars) == 120
    assert view.outside == "Outside the chart: 24 higher rates above."
    # "3, 4" would overlap "2" on the row below; "5" is far enough along to go back to the first row.
    assert [(mark.label, mark.row) for mark in view.chart.marks] == [("1", 0), ("2", 0), ("3, 4", 1), ("5", 0)]
