"""The saving-over-time chart: for the top offers, the net saving counted to the end of each month
(saving.py's cumulative savings), against keeping the current loan — the zero line. Every line starts
below zero by the offer's upfront costs and climbs by the interest it saves each month; where it
crosses zero is its break-even month. Plotted as a difference from keeping the loan, never as totals
that look alike; drawn as server-side SVG, with a table of the same figures beside it.

Coordinates are floats because they are drawing positions, never money; every amount a person reads
is formatted from the Decimal figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.formatting import plural
from app.products.chart_axis import ChartFrame, axis, signed_money
from app.products.mortgage.explain import offer_labels
from app.products.refinance.facts import month_words
from app.products.refinance.saving import Refinance

LEFT, RIGHT, TOP, BOTTOM = 96, 620, 24, 312
WIDTH, HEIGHT = 640, 360
SERIES_SHOWN = 4


@dataclass(frozen=True)
class Series:
    label: str
    break_even: str
    css_class: str
    house: bool
    points: str
    rows: tuple[str, ...]
    """The net saving at each of the chart's table rows (SavingChart.row_months), in whole dollars."""


@dataclass(frozen=True)
class SavingChart(ChartFrame):
    months: int
    row_months: tuple[int, ...]
    series: tuple[Series, ...]
    zero_y: float
    summary: str


def _row_months(horizon: int) -> tuple[int, ...]:
    step = 1 if horizon <= 12 else 3 if horizon <= 36 else 6 if horizon <= 120 else 12
    return tuple(sorted({*range(0, horizon + 1, step), horizon}))


def saving_chart(result: Mapping[str, Any], analyses: Sequence[Refinance]) -> SavingChart | None:
    ranking = list(result["ranking"])[:SERIES_SHOWN]
    shown = list(analyses)[:SERIES_SHOWN]
    if not shown:
        return None
    horizon = shown[0].horizon
    savings = [analysis.cumulative_savings(horizon) for analysis in shown]
    low, step, steps = axis(min(min(row) for row in savings), max(max(row) for row in savings), empty_step=Decimal(100))
    span = step * steps

    def x(month: int) -> float:
        return LEFT + (RIGHT - LEFT) * month / horizon

    def y(value: Decimal) -> float:
        return BOTTOM - (BOTTOM - TOP) * float((value - low) / span)

    labels = offer_labels(ranking)
    rows = _row_months(horizon)
    series = tuple(
        Series(label=labels[offer["quote_id"]], css_class=f"series-{position + 1}", house=bool(offer["house"]),
               points=" ".join(f"{x(month):.1f},{y(row[month]):.1f}" for month in range(horizon + 1)),
               break_even=("never" if analysis.break_even_month is None else month_words(analysis.break_even_month)),
               rows=tuple(signed_money(row[month]) for month in rows))
        for position, (offer, row, analysis) in enumerate(zip(ranking, savings, shown))
    )
    tick_step = max(1, len(rows) // 8)
    return SavingChart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM, months=horizon,
        row_months=rows, series=series, zero_y=y(Decimal(0)),
        x_ticks=tuple((x(month), str(month)) for month in rows[::tick_step]),
        y_ticks=tuple((y(low + step * k), signed_money(low + step * k)) for k in range(steps + 1)),
        summary=(f"What refinancing with each of the top {plural(len(series), 'offer')} would have saved you by the end of "
                 f"each month, over your {plural(horizon, 'month')}, against keeping your current loan (zero): each "
                 "starts below zero by its points, fees and closing costs and crosses zero at its break-even month."),
    )
