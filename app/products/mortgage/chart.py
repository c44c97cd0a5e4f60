"""The cost-over-time chart: for the top offers, how much more (or less) each has cost than the
best fit by the end of every month (points and fees at the start, then interest). Plotted as the
difference from the best fit, not as totals: totals of $150,000 a few thousand apart look like one
line, differences show plainly where two offers cross. Drawn as server-side SVG so it needs no
JavaScript, with the crossings and the buyer's horizon marked.

Coordinates are floats because they are drawing positions, never money; every amount a person
reads (axis labels, crossings, the table under the chart) is formatted from the Decimal figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.formatting import plural
from app.money import format_money
from app.products.chart_axis import ChartFrame, axis, signed_money
from app.products.mortgage.amortization import MONTHS_PER_YEAR
from app.products.mortgage.explain import Analyser, offer_labels, years_text

SERIES_SHOWN = 4
WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 108, 620, 24, 312
MIN_YEARS_SHOWN = 5


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str
    house: bool
    points: str
    """SVG polyline points, one per month."""
    yearly: tuple[str, ...]
    """How much more (+) or less (-) than the best fit the offer had cost by the end of each year shown."""


@dataclass(frozen=True)
class Crossing:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class CostChart(ChartFrame):
    years: int
    series: tuple[Series, ...]
    crossings: tuple[Crossing, ...]
    horizon_x: float
    horizon_label: str
    summary: str
    zero_y: float

    @property
    def horizon_label_on_left(self) -> bool:
        """Past the middle the label goes on the line's left, so it stays inside the chart."""
        return self.horizon_x > (self.left + self.right) / 2


def cost_chart(result: Mapping[str, Any], analysed: Analyser) -> CostChart | None:
    ranking = result["ranking"][:SERIES_SHOWN]
    if not ranking:
        return None
    labels = offer_labels(result["ranking"])
    analyses = [analysed(offer) for offer in ranking]
    horizon_months = analyses[0].horizon_months
    term_months = max(len(analysis.schedule.months) for analysis in analyses)
    curves = [analysis.monthly_costs(term_months) for analysis in analyses]
    crossing_months = [
        (month, i, j)
        for i in range(len(curves)) for j in range(i + 1, len(curves))
        for month in _crossings(curves[i], curves[j])
    ]
    shown_months = _months_shown(term_months, horizon_months, crossing_months)
    years = shown_months // MONTHS_PER_YEAR
    differences = [[curve[month] - curves[0][month] for month in range(shown_months + 1)] for curve in curves]
    low, step, steps = axis(min(min(row) for row in differences), max(max(row) for row in differences))
    scale = _Scale(shown_months, low, step * steps)
    series = tuple(
        Series(
            label=labels[offer["quote_id"]],
            css_class=f"series-{position}",
            house=bool(offer["house"]),
            points=" ".join(f"{scale.x(month):.1f},{scale.y(row[month]):.1f}" for month in range(shown_months + 1)),
            yearly=tuple(signed_money(row[year * MONTHS_PER_YEAR]) for year in range(years + 1)),
        )
        for position, (offer, row) in enumerate(zip(ranking, differences), start=1)
    )
    crossings = tuple(
        Crossing(
            x=scale.x(month),
            y=scale.y(differences[i][month]),
            text=(f"{labels[ranking[i]['quote_id']]} and {labels[ranking[j]['quote_id']]} cross after "
                  f"{years_text(month)}, when each has cost {format_money(curves[i][month], whole=True)}"),
        )
        for month, i, j in sorted(crossing_months)
        if month <= shown_months
    )
    return _chart(scale, years, horizon_months, (low, step, steps), series, crossings)


def _months_shown(term_months: int, horizon_months: int, crossing_months: Sequence[tuple[int, int, int]]) -> int:
    """Whole years, wide enough for the buyer's horizon and every crossing, and not the whole term,
    where the differences of the later years would dwarf those of the years the buyer keeps the loan."""
    latest_interest = max([horizon_months] + [month for month, _, _ in crossing_months])
    shown_months = min(term_months, max(MIN_YEARS_SHOWN * MONTHS_PER_YEAR, horizon_months + 3 * MONTHS_PER_YEAR,
                                        latest_interest + 2 * MONTHS_PER_YEAR))
    return -(-shown_months // MONTHS_PER_YEAR) * MONTHS_PER_YEAR


@dataclass(frozen=True)
class _Scale:
    """From months and amounts to drawing positions."""

    shown_months: int
    low: Decimal
    span: Decimal

    def x(self, month: int) -> float:
        return LEFT + (RIGHT - LEFT) * month / self.shown_months

    def y(self, value: Decimal) -> float:
        return BOTTOM - (BOTTOM - TOP) * float((value - self.low) / self.span)


def _chart(scale: _Scale, years: int, horizon_months: int, y_axis: tuple[Decimal, Decimal, int],
           series: tuple[Series, ...], crossings: tuple[Crossing, ...]) -> CostChart:
    low, step, steps = y_axis
    year_step = _tick_step(years)
    stay = years_text(horizon_months)
    return CostChart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM, years=years,
        x_ticks=tuple((scale.x(year * MONTHS_PER_YEAR), str(year)) for year in range(0, years + 1, year_step)),
        y_ticks=tuple((scale.y(low + step * k), signed_money(low + step * k)) for k in range(steps + 1)),
        zero_y=scale.y(Decimal(0)),
        series=series,
        crossings=crossings,
        horizon_x=scale.x(horizon_months),
        horizon_label=f"You expect to stay {stay}",
        summary=(f"How much more than the best fit, {series[0].label}, each of the top {plural(len(series), 'offer')} "
                 f"would have cost you in points, fees and interest by the end of each year, over "
                 f"{plural(years, 'year')}; a line below zero has cost less. You expect to stay {stay}."),
    )


def _crossings(first: Sequence[Decimal], second: Sequence[Decimal]) -> list[int]:
    """The months at whose end the two cumulative costs swap order (the later of the two months)."""
    months = []
    previous = (first[0] > second[0]) - (first[0] < second[0])
    for month in range(1, min(len(first), len(second))):
        sign = (first[month] > second[month]) - (first[month] < second[month])
        if sign != 0 and previous != 0 and sign != previous:
            months.append(month)
        if sign != 0:
            previous = sign
    return months


def _tick_step(years: int) -> int:
    if years <= 10:
        return 1
    if years <= 20:
        return 2
    return 5
