"""The cumulative-cost chart: for the top offers, what each has cost by the end of every month
(points and fees at the start, then interest), drawn as server-side SVG so it needs no JavaScript,
with the points where two lines cross and the buyer's horizon marked.

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
from app.products.mortgage.amortization import MONTHS_PER_YEAR
from app.products.mortgage.explain import Analyser, offer_labels, years_text

SERIES_SHOWN = 4
WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 88, 620, 24, 312
MIN_YEARS_SHOWN = 5
NICE_STEPS = tuple(Decimal(step) for step in ("1", "1.5", "2", "2.5", "3", "4", "5", "6", "8", "10"))


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str
    house: bool
    points: str
    """SVG polyline points, one per month."""
    yearly: tuple[str, ...]
    """The cumulative cost at the end of each year shown, formatted."""


@dataclass(frozen=True)
class Crossing:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class CostChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    years: int
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    series: tuple[Series, ...]
    crossings: tuple[Crossing, ...]
    horizon_x: float
    horizon_label: str
    summary: str

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
    # Wide enough for the buyer's horizon and every crossing, narrow enough that lines a few
    # thousand dollars apart stay apart.
    latest_interest = max([horizon_months] + [month for month, _, _ in crossing_months])
    shown_months = min(term_months, max(MIN_YEARS_SHOWN * MONTHS_PER_YEAR, horizon_months + 3 * MONTHS_PER_YEAR,
                                        latest_interest + 2 * MONTHS_PER_YEAR))
    shown_months = -(-shown_months // MONTHS_PER_YEAR) * MONTHS_PER_YEAR
    years = shown_months // MONTHS_PER_YEAR
    top_value = _nice_ceiling(max(curve[shown_months] for curve in curves))

    def x_of(month: int) -> float:
        return LEFT + (RIGHT - LEFT) * month / shown_months

    def y_of(value: Decimal) -> float:
        return BOTTOM - (BOTTOM - TOP) * float(value / top_value)

    series = tuple(
        Series(
            label=labels[offer["quote_id"]],
            css_class=f"series-{position}",
            house=bool(offer["house"]),
            points=" ".join(f"{x_of(month):.1f},{y_of(curve[month]):.1f}" for month in range(shown_months + 1)),
            yearly=tuple(format_money(curve[year * MONTHS_PER_YEAR], whole=True) for year in range(years + 1)),
        )
        for position, (offer, curve) in enumerate(zip(ranking, curves), start=1)
    )
    crossings = tuple(
        Crossing(
            x=x_of(month),
            y=y_of(curves[i][month]),
            text=(f"{labels[ranking[i]['quote_id']]} and {labels[ranking[j]['quote_id']]} cross after "
                  f"{years_text(month)}, at {format_money(curves[i][month], whole=True)}"),
        )
        for month, i, j in sorted(crossing_months)
        if month <= shown_months
    )
    step = _tick_step(years)
    stay = years_text(horizon_months)
    return CostChart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM, years=years,
        x_ticks=tuple((x_of(year * MONTHS_PER_YEAR), str(year)) for year in range(0, years + 1, step)),
        y_ticks=tuple((y_of(top_value * k / 5), format_money(top_value * k / 5, whole=True)) for k in range(6)),
        series=series,
        crossings=crossings,
        horizon_x=x_of(horizon_months),
        horizon_label=f"You expect to stay {stay}",
        summary=(f"What the top {plural(len(series), 'offer')} would have cost you in points, fees and interest by "
                 f"the end of each year, over {plural(years, 'year')}; you expect to stay {stay}."),
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


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest axis top of 5 equal round steps (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k) that
    reaches value."""
    if value <= 0:
        return Decimal(5)
    raw = value / 5
    magnitude = Decimal(10) ** (raw.adjusted())
    for step in NICE_STEPS:
        if step * magnitude >= raw:
            return step * magnitude * 5
    return NICE_STEPS[-1] * magnitude * 5  # pragma: no cover - the last step always covers raw


def _tick_step(years: int) -> int:
    if years <= 10:
        return 1
    if years <= 20:
        return 2
    return 5
