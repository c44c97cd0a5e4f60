"""The balance-over-time chart: for the top offers, how much more (or less) each leaves the saver with
than the best fit at the end of every month of the horizon. Plotted as the difference from the best
fit, not as balances: balances of $10,000 a few dollars apart look like one line, differences show
where a teaser rate's lead is overtaken and where a CD's penalty bites. Drawn as server-side SVG so it
needs no JavaScript; the table beside it gives the same figures.

Coordinates are floats because they are drawing positions, never money; every amount a person reads
is formatted from the Decimal figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.formatting import plural
from app.products.chart_axis import ChartFrame, axis, signed_money
from candor_savings.analysis import SavingsAnalysis

SERIES_SHOWN = 4
WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 96, 620, 24, 312


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str
    house: bool
    points: str
    monthly: tuple[str, ...]
    """More (+) or less (-) than the best fit at the end of each month, in whole dollars."""


@dataclass(frozen=True)
class BalanceChart(ChartFrame):
    months: int
    series: tuple[Series, ...]
    zero_y: float
    summary: str


def offer_labels(ranking: Sequence[Mapping[str, Any]]) -> list[str]:
    """The provider, with the account's own name when the provider made more than one offer, and
    "our offer" for the house's: "Harbor Bank (12-month CD; our offer)"."""
    counts: dict[str, int] = {}
    for offer in ranking:
        counts[offer["provider"]] = counts.get(offer["provider"], 0) + 1
    labels = []
    for offer in ranking:
        notes = [offer.get("offer_name") or ""] if counts[offer["provider"]] > 1 else []
        if offer["house"]:
            notes.append("our offer")
        notes = [note for note in notes if note]
        labels.append(offer["provider_name"] + (f" ({'; '.join(notes)})" if notes else ""))
    return labels


def _at_end(analysis: SavingsAnalysis, month: int, horizon: int) -> Decimal:
    """What the saver has from the account at the end of `month`; at the horizon, after any penalty."""
    balance = analysis.projection.balance_by_month[month]
    return balance - analysis.projection.penalty if month == horizon else balance


def balance_chart(result: Mapping[str, Any], analyses: Sequence[SavingsAnalysis]) -> BalanceChart | None:
    ranking = list(result["ranking"])[:SERIES_SHOWN]
    shown = list(analyses)[:SERIES_SHOWN]
    if len(shown) < 2:
        return None
    horizon = shown[0].projection.months
    values = [[_at_end(analysis, month, horizon) for month in range(horizon + 1)] for analysis in shown]
    differences = [[row[month] - values[0][month] for month in range(horizon + 1)] for row in values]
    low, step, steps = axis(min(min(row) for row in differences), max(max(row) for row in differences),
                            empty_step=Decimal(10))
    span = step * steps

    def x(month: int) -> float:
        return LEFT + (RIGHT - LEFT) * month / horizon

    def y(value: Decimal) -> float:
        return BOTTOM - (BOTTOM - TOP) * float((value - low) / span)

    labels = offer_labels(ranking)
    series = tuple(
        Series(label=labels[position], css_class=f"series-{position + 1}", house=bool(offer["house"]),
               points=" ".join(f"{x(month):.1f},{y(row[month]):.1f}" for month in range(horizon + 1)),
               monthly=tuple(signed_money(value) for value in row))
        for position, (offer, row) in enumerate(zip(ranking, differences))
    )
    month_step = 1 if horizon <= 12 else 3 if horizon <= 36 else 6
    return BalanceChart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM, months=horizon,
        x_ticks=tuple((x(month), str(month)) for month in range(0, horizon + 1, month_step)),
        y_ticks=tuple((y(low + step * k), signed_money(low + step * k)) for k in range(steps + 1)),
        zero_y=y(Decimal(0)), series=series,
        summary=(f"How much more or less than the best fit, {series[0].label}, each of the top "
                 f"{plural(len(series), 'offer')} would leave you with at the end of each month, over your "
                 f"{plural(horizon, 'month')}; a line below zero leaves you with less, after fees and any "
                 "early-withdrawal penalty."),
    )
