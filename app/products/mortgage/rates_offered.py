"""Where a mortgage comparison's interest rates sit among the rates offered for loans like it
(app/products/rate_distribution.py does the arithmetic, app/comparison/rate_market.py the counts):
which loans are comparable — the market cell — and the chart, table and sentences the results
page shows from what the entry logged.

Comparable loans have the same loan type, term, rate type, credit-score band and state, and a
loan amount in the same band. The chart is a histogram of the rates offered, 0.125 points a bar,
with the shopper's ranked offers marked by their rank; the table beside it says the same in numbers.
Coordinates are floats because they are drawing positions; every figure a person reads is formatted
from the logged counts and the rates' decimal strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.formatting import plural
from app.money import format_money
from app.products.chart_axis import ChartFrame, axis
from app.products.mortgage.schemas import FIXED_YEARS
from app.products.rate_distribution import BUCKET_THOUSANDTHS, SHOWN, WINDOW_DAYS, places, rate_text, thousandths

# Upper bounds (exclusive) of the loan-amount bands, in dollars; the last band has none.
AMOUNT_BANDS = (100_000, 200_000, 300_000, 400_000, 500_000, 650_000, 800_000, 1_000_000, 1_500_000)
WIDTH, HEIGHT = 640, 300
LABEL_ROWS, LABEL_ROW_HEIGHT, LABEL_UNIT = 3, 24, 12
LEFT, RIGHT, TOP, BOTTOM = 56, 590, 28 + (LABEL_ROWS - 1) * LABEL_ROW_HEIGHT, 256
BUCKET = Decimal(BUCKET_THOUSANDTHS) / 1000
LOAN_TYPE_WORDS = {"conventional": "conventional", "fha": "FHA", "va": "VA", "jumbo": "jumbo"}
TOO_FEW_WORDS = ("We have too few offers for loans like yours from the last {days} days to show how your rates "
                 "compare: we show it once there are at least {offers} offers from {comparisons} comparisons.")


def amount_band(loan_amount: Decimal) -> tuple[int, int | None]:
    """The band a loan amount falls in: its lower bound and its upper bound (exclusive, or None)."""
    lower = 0
    for upper in AMOUNT_BANDS:
        if loan_amount < upper:
            return lower, upper
        lower = upper
    return lower, None


def market_cell(profile: Mapping[str, Any]) -> str:
    """The key of the profile's market cell: "conventional/30/fixed/740-759/300000-400000/CO"."""
    lower, upper = amount_band(Decimal(profile["loan_amount"]))
    band = f"{lower}-{upper}" if upper is not None else f"{lower}-"
    return "/".join((profile["loan_type"], str(profile["term_years"]), profile["rate_type"],
                     profile["credit_score_band"], band, profile["state"]))


def cell_words(profile: Mapping[str, Any]) -> str:
    """The comparable loans in words: "30-year fixed conventional loans of $300,000 to $399,999 in
    CO for credit scores of 740–759"."""
    rate_type = profile["rate_type"]
    kind = "fixed" if rate_type == "fixed" else f"{FIXED_YEARS[rate_type]}/6 adjustable"
    loan_kind = f"{profile['term_years']}-year {kind} {LOAN_TYPE_WORDS[profile['loan_type']]}"
    lower, upper = amount_band(Decimal(profile["loan_amount"]))
    amount = (f"of {format_money(Decimal(lower), whole=True)} to {format_money(Decimal(upper - 1), whole=True)}"
              if upper is not None else f"of {format_money(Decimal(lower), whole=True)} or more")
    return (f"{loan_kind} loans {amount} in {profile['state']} for credit scores of "
            f"{profile['credit_score_band'].replace('-', '–')}")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    range_text: str
    count: int
    ranks: tuple[int, ...]


@dataclass(frozen=True)
class Mark:
    x: float
    label: str
    """The ranks of the offers in this bar: "1" or "2, 5"."""
    range_text: str
    row: int
    """Labels of marks close together are staggered in rows above the chart, 0 the lowest."""


@dataclass(frozen=True)
class RateChart(ChartFrame):
    bars: tuple[Bar, ...]
    marks: tuple[Mark, ...]
    summary: str

    def label_y(self, mark: Mark) -> int:
        return self.top - 8 - mark.row * LABEL_ROW_HEIGHT


@dataclass(frozen=True)
class OfferPlace:
    rank: int
    label: str
    rate: str
    place: str
    said: str
    """The headline's sentence about this one offer, to read out or keep on a receipt:
    "Harbor Home Loans: 6.125% is lower than 60% of the 100 rates offered for loans like yours in
    the last 30 days." """


@dataclass(frozen=True)
class RatesView:
    shown: bool
    headline: str
    basis: str
    outside: str | None
    chart: RateChart | None
    offers: tuple[OfferPlace, ...]


def rates_view(result: Mapping[str, Any], labels: Mapping[str, str],
               offered: Sequence[tuple[int, Decimal]]) -> RatesView | None:
    """What the results page shows of the result's logged rate distribution; None when it logged
    none. `offered`: (position in the ranking, rate) of each ranked offer, from its logged terms."""
    logged = result["explanation"].get("rate_distribution")
    if logged is None or result.get("profile") is None:
        return None
    if logged["status"] != SHOWN:
        threshold = logged["threshold"]
        return RatesView(False, TOO_FEW_WORDS.format(days=WINDOW_DAYS, offers=threshold["offers"],
                                                     comparisons=threshold["comparisons"]), "", None, None, ())
    market, ranking = logged["market"], result["ranking"]
    marks = places(logged, offered)
    offers = tuple(_offer_place(ranking[mark["position"]]["rank"], labels[ranking[mark["position"]]["quote_id"]],
                                mark, market) for mark in marks)
    start, end = (date.fromisoformat(market[key]) for key in ("from", "to"))
    basis = (f"From {plural(market['offers'], 'offer')} in {plural(market['comparisons'], 'comparison')} for "
             f"{cell_words(result['profile'])}, {start:%-d %B} to {end:%-d %B %Y} (UTC days), not counting yours.")
    return RatesView(True, _headline(logged["lowest"], market), basis, _outside(market),
                     _chart(market, marks, ranking), offers)


def _headline(lowest: Mapping[str, Any], market: Mapping[str, Any]) -> str:
    rate = f"{lowest['rate']}%"
    said = _compared(f"your lowest rate, {rate},", f"your lowest rate, {rate}", market["higher"].get(lowest["rate"]),
                     lowest["percent"], market["offers"])
    return said[:1].upper() + said[1:]


def _offer_place(rank: int, label: str, mark: Mapping[str, Any], market: Mapping[str, Any]) -> OfferPlace:
    rate = f"{mark['rate']}%"
    if mark["percent"] is None:
        said = f"{label}: {rate} is not among the rates we counted."
    else:
        said = f"{label}: {_compared(rate, rate, mark['higher'], mark['percent'], market['offers'])}"
    return OfferPlace(rank, label, rate, _place(mark), said)


def _compared(subject: str, named: str, higher: int | None, percent: int, offers: int) -> str:
    """The headline's three ways of saying where a rate sits, as a clause about one rate (`subject`
    where it leads, `named` where it ends): none higher, fewer than 1% higher, or lower than P%."""
    if higher == 0:
        return f"no rate offered for loans like yours in the last {WINDOW_DAYS} days was higher than {named}."
    if percent == 0:
        return (f"fewer than 1% of the {offers:,} rates offered for loans like yours in the last {WINDOW_DAYS} days "
                f"were higher than {named}.")
    return (f"{subject} is lower than {percent}% of the {offers:,} rates offered for loans like yours in the last "
            f"{WINDOW_DAYS} days.")


def _place(mark: Mapping[str, Any]) -> str:
    """The share of the rates offered that were higher than the offer's, as the sentence counts it."""
    if mark["percent"] is None:
        return "not counted"
    if mark["higher"] == 0:
        return "none"
    return f"{mark['percent']}%" if mark["percent"] else "under 1%"


def _marks(bars: Sequence[Bar]) -> tuple[Mark, ...]:
    """A mark over each bar holding offers, its label in the lowest row where it does not overlap
    the label before it (a label is about LABEL_UNIT wide a character at the phone's type size)."""
    marks: list[Mark] = []
    right_edges = [float("-inf")] * LABEL_ROWS
    for bar in bars:
        if not bar.ranks:
            continue
        label = ", ".join(map(str, bar.ranks))
        x, half = bar.x + bar.width / 2, LABEL_UNIT * len(label) / 2
        row = next((row for row, edge in enumerate(right_edges) if edge < x - half), LABEL_ROWS - 1)
        right_edges[row] = x + half
        marks.append(Mark(x, label, bar.range_text, row))
    return tuple(marks)


def _outside(market: Mapping[str, Any]) -> str | None:
    parts = [f"{plural(market['below'], 'lower rate')} below" if market["below"] else "",
             f"{plural(market['above'], 'higher rate')} above" if market["above"] else ""]
    shown = [part for part in parts if part]
    return f"Outside the chart: {' and '.join(shown)}." if shown else None


def _chart(market: Mapping[str, Any], marks: Sequence[Mapping[str, Any]],
           ranking: Sequence[Mapping[str, Any]]) -> RateChart:
    counts = market["counts"]
    first = thousandths(Decimal(market["first"]))
    _, step, steps = axis(Decimal(0), Decimal(max(counts)), empty_step=Decimal(1))
    top_count = float(step * steps)
    width = (RIGHT - LEFT) / len(counts)

    def x_of(milli: int) -> float:
        return LEFT + width * (milli - first) / BUCKET_THOUSANDTHS

    def y_of(count: float) -> float:
        return BOTTOM - (BOTTOM - TOP) * count / top_count

    ranks_at: dict[str, list[int]] = {}
    for mark in marks:
        ranks_at.setdefault(mark["rate"], []).append(ranking[mark["position"]]["rank"])
    bars = []
    for index, count in enumerate(counts):
        low = first + index * BUCKET_THOUSANDTHS
        ranks = tuple(rank for rate, found in ranks_at.items() if low <= thousandths(Decimal(rate)) < low + BUCKET_THOUSANDTHS
                      for rank in found)
        bars.append(Bar(x_of(low) + 1, y_of(count), max(width - 2, 1), BOTTOM - y_of(count),
                        f"{rate_text(low)}% to {rate_text(low + BUCKET_THOUSANDTHS - 1)}%", count, tuple(sorted(ranks))))
    tick_every = 1 if len(counts) <= 6 else 4 if len(counts) <= 24 else 8
    return RateChart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM,
        x_ticks=tuple((x_of(first + index * BUCKET_THOUSANDTHS), f"{Decimal(rate_text(first + index * BUCKET_THOUSANDTHS)).normalize():f}%")
                      for index in range(0, len(counts) + 1, tick_every)),
        y_ticks=tuple((y_of(float(step * k)), f"{int(step * k):,}") for k in range(steps + 1)),
        bars=tuple(bars),
        marks=_marks(bars),
        summary=(f"A histogram of {plural(sum(counts), 'rate')} offered for loans like yours, in bars of {BUCKET} "
                 f"points from {market['first']}%, with your offers marked by their rank."),
    )
