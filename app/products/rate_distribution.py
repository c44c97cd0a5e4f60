"""Where a comparison's interest rates sit among the rates offered for comparable loans, like the
CFPB's "Explore interest rates": a histogram of the rates offered in the last 30 days (UTC days,
today included) for the same market cell, each of the shopper's offers marked on it, and "your
lowest rate is lower than 72% of the rates offered for loans like yours".

Pure arithmetic on a market snapshot. The snapshot is read from our own aggregate of the offers
we ranked (app/comparison/rate_market.py) when the comparison is made, or, on a replay or a
re-rank, read back from the entry that logged it (`LoggedMarket`): both give the same `summary`,
so the figures shown replay identically.

Honest by construction:
- "lower than P% of rates" counts the rates strictly higher than the offer's, exactly (not by
  bucket), and P is rounded down, so the sentence is true of the rates behind it;
- too few data points (fewer than MIN_OFFERS offers, or from fewer than MIN_COMPARISONS
  comparisons) show nothing but that there are too few, and nothing of the cell's rates is logged;
- what is logged is bounded whatever providers send: at most MOST_BUCKETS counts, the rest
  summed below and above, and one count per distinct rate among the shopper's ranked offers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Protocol

WINDOW_DAYS = 30
RATE_STEP = Decimal("0.001")  # rates are whole thousandths of a percent (the terms schema's three decimals)
BUCKET_THOUSANDTHS = 125  # one bucket is 0.125 percentage points, as rate sheets step
MOST_BUCKETS = 40  # five percentage points drawn; the rest are counted below and above
MIN_OFFERS = 20
MIN_COMPARISONS = 5
SHOWN = "shown"
TOO_FEW = "too-few"


def thousandths(rate: Decimal) -> int:
    """A rate as a whole number of thousandths of a percent: 6.125 → 6125. Rates with more
    decimals cannot reach here (the terms schema allows three), and are refused if they do."""
    scaled = rate / RATE_STEP
    if scaled != scaled.to_integral_value():
        raise ValueError(f"the rate {rate} has more than three decimals")
    return int(scaled)


def rate_text(milli: int) -> str:
    """Thousandths of a percent as the rate's decimal string: 6125 → "6.125"."""
    return f"{Decimal(milli) * RATE_STEP:.3f}"


def bucket_of(milli: int) -> int:
    """The 0.125-point bucket a rate falls in: bucket b holds [b × 0.125, (b + 1) × 0.125)."""
    return milli // BUCKET_THOUSANDTHS


def window(now: datetime) -> tuple[date, date]:
    """The first and last UTC day of the 30-day window at `now` (timezone-aware): today, in UTC,
    and the 29 days before it."""
    if now.tzinfo is None:
        raise ValueError("the window is worked out from a timezone-aware time")
    today = now.astimezone(timezone.utc).date()
    return today - timedelta(days=WINDOW_DAYS - 1), today


def enough(comparisons: int, offers: int) -> bool:
    """Whether a cell has enough data to show: at least MIN_OFFERS offers from MIN_COMPARISONS comparisons."""
    return offers >= MIN_OFFERS and comparisons >= MIN_COMPARISONS


def percent_lower_than(higher: int, offers: int) -> int:
    """P in "lower than P% of rates": the share of rates strictly higher, rounded down."""
    return higher * 100 // offers


class MarketSource(Protocol):
    def summary(self, offered: Iterable[int]) -> dict[str, Any]:
        """What is logged of the market: its window and counts, and (when there are enough) the
        histogram and, for each rate in `offered` (thousandths), how many rates were higher."""
        ...


@dataclass(frozen=True)
class RateMarket:
    """The rates offered for one market cell in one window, exact, as the aggregate holds them."""

    start: date
    end: date
    comparisons: int
    offers_by_rate: Mapping[int, int]  # thousandths of a percent → how many offers had it

    def summary(self, offered: Iterable[int]) -> dict[str, Any]:
        offers = sum(self.offers_by_rate.values())
        base: dict[str, Any] = {"from": self.start.isoformat(), "to": self.end.isoformat(),
                                "comparisons": self.comparisons, "offers": offers}
        if not enough(self.comparisons, offers):
            return base
        rates = sorted(set(offered))
        buckets: dict[int, int] = {}
        for milli, count in self.offers_by_rate.items():
            buckets[bucket_of(milli)] = buckets.get(bucket_of(milli), 0) + count
        offered_buckets = [bucket_of(milli) for milli in rates]
        first = drawn_from(buckets, offered_buckets)
        last = min(first + MOST_BUCKETS - 1, max([*buckets, *offered_buckets]))
        return {
            **base,
            "first": rate_text(first * BUCKET_THOUSANDTHS),
            "counts": [buckets.get(bucket, 0) for bucket in range(first, last + 1)],
            "below": sum(count for bucket, count in buckets.items() if bucket < first),
            "above": sum(count for bucket, count in buckets.items() if bucket > last),
            "higher": {rate_text(milli): sum(count for other, count in self.offers_by_rate.items() if other > milli)
                       for milli in rates},
        }


@dataclass(frozen=True)
class LoggedMarket:
    """A market as a logged entry recorded it: a replay or a re-rank reads the same figures."""

    record: Mapping[str, Any]

    def summary(self, offered: Iterable[int]) -> dict[str, Any]:
        return dict(self.record)


def drawn_from(buckets: Mapping[int, int], offered: Sequence[int]) -> int:
    """The first bucket drawn: everything when it fits in MOST_BUCKETS, else the window of that
    width that holds the shopper's offers and the most of the market (the lowest such window on a
    tie); when the offers alone span more, the window starts at the lowest offer."""
    low = min([*buckets, *offered])
    high = max([*buckets, *offered])
    if high - low < MOST_BUCKETS:
        return low
    earliest, latest = low, high - MOST_BUCKETS + 1
    if offered:
        earliest, latest = max(low, max(offered) - MOST_BUCKETS + 1), min(latest, min(offered))
        if earliest > latest:
            return min(offered)

    def held(start: int) -> int:
        return sum(count for bucket, count in buckets.items() if start <= bucket < start + MOST_BUCKETS)

    return max(range(earliest, latest + 1), key=lambda start: (held(start), -start))


def distribution(market: MarketSource, offered: Sequence[tuple[int, Decimal]]) -> dict[str, Any] | None:
    """What is logged for a result, and what its page shows: `offered` is (position in the ranking,
    interest rate) for each ranked offer. The headline figure is logged as shown (`lowest`: the
    lowest rate and P); each offer's own P is the same arithmetic on the logged `higher` (`places`).
    None when nothing was ranked: there is nothing to place."""
    if not offered:
        return None
    summary = market.summary(thousandths(rate) for _, rate in offered)
    placed: dict[str, Any] = {"status": TOO_FEW, "threshold": {"offers": MIN_OFFERS, "comparisons": MIN_COMPARISONS},
                              "market": summary}
    if "counts" not in summary:
        return placed
    lowest = rate_text(min(thousandths(rate) for _, rate in offered))
    higher = summary["higher"].get(lowest)
    return {**placed, "status": SHOWN, "lowest": {
        "rate": lowest, "percent": None if higher is None else percent_lower_than(higher, summary["offers"])}}


def places(placed: Mapping[str, Any], offered: Sequence[tuple[int, Decimal]]) -> list[dict[str, Any]]:
    """For each ranked offer (position, rate), how many logged rates were higher and P in "lower
    than P% of rates" (None for a rate the logged market did not count: never for the result it
    was logged with)."""
    market = placed["market"]
    found = []
    for position, rate in offered:
        higher = market["higher"].get(rate_text(thousandths(rate)))
        found.append({"position": position, "rate": rate_text(thousandths(rate)), "higher": higher,
                      "percent": None if higher is None else percent_lower_than(higher, market["offers"])})
    return found
