"""Price against cover for the ranked offers: each offer a point, across by how much more (or less)
it costs a year than the best fit, up by the points it earns on everything but price (deductibles,
extras, insurer strength and service) under the shopper's weights. Higher and further left is
more for less. Drawn as server-side SVG (no
JavaScript); the table beside it says the same in numbers.

Coordinates are floats because they are drawing positions, never money; every amount a person
reads is formatted from the Decimal figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from app.products.chart_axis import ChartFrame, axis, signed_money

OFFERS_SHOWN = 8
WIDTH, HEIGHT = 640, 340
LEFT, RIGHT, TOP, BOTTOM = 108, 590, 20, 280
PRICE = "annual_premium"


@dataclass(frozen=True)
class Point:
    rank: int
    label: str
    house: bool
    x: float
    y: float
    price_difference: str
    cover_points: str
    deductibles: str
    extras: str


@dataclass(frozen=True)
class PriceCoverChart(ChartFrame):
    zero_x: float
    points: tuple[Point, ...]
    best_label: str
    summary: str


def _decimal(offer: Mapping[str, Any], key: str) -> Decimal | None:
    try:
        return Decimal(str(offer["values"][key]))
    except (KeyError, InvalidOperation):
        return None


def _cover_points(offer: Mapping[str, Any]) -> Decimal | None:
    try:
        return sum((Decimal(str(points)) for key, points in offer["contributions"].items() if key != PRICE), Decimal(0))
    except (KeyError, InvalidOperation, AttributeError):
        return None


def _label(offer: Mapping[str, Any]) -> str:
    return offer["provider_name"] + (" (our offer)" if offer.get("house") else "")


def price_cover_chart(result: Mapping[str, Any]) -> PriceCoverChart | None:
    """The chart for a logged result, or None with fewer than two offers to set against each other."""
    offers = [offer for offer in result.get("ranking", [])[:OFFERS_SHOWN]
              if _decimal(offer, PRICE) is not None and _cover_points(offer) is not None]
    if len(offers) < 2:
        return None
    best_price = _decimal(offers[0], PRICE)
    differences = [_decimal(offer, PRICE) - best_price for offer in offers]  # type: ignore[operator]
    covers = [_cover_points(offer) for offer in offers]
    x_low, x_step, x_steps = axis(min(differences), max(differences))
    y_low, y_step, y_steps = axis(Decimal(0), max(covers), empty_step=Decimal(2))  # type: ignore[type-var]

    def x_of(value: Decimal) -> float:
        return LEFT + (RIGHT - LEFT) * float((value - x_low) / (x_step * x_steps))

    def y_of(value: Decimal) -> float:
        return BOTTOM - (BOTTOM - TOP) * float((value - y_low) / (y_step * y_steps))

    points = tuple(
        Point(rank=offer["rank"], label=_label(offer), house=bool(offer.get("house")), x=x_of(difference),
              y=y_of(cover), price_difference=signed_money(difference), cover_points=f"{cover:.1f}",  # type: ignore[arg-type]
              deductibles=str(offer["facts"].get("deductibles", "")), extras=str(offer["facts"].get("extras", "")))
        for offer, difference, cover in zip(offers, differences, covers)
    )
    return PriceCoverChart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM, zero_x=x_of(Decimal(0)),
        # At most six labels across, so they stay apart on a phone.
        x_ticks=tuple((x_of(x_low + x_step * k), signed_money(x_low + x_step * k))
                      for k in range(0, x_steps + 1, 1 if x_steps <= 5 else 2)),
        y_ticks=tuple((y_of(y_low + y_step * k), f"{y_low + y_step * k:g}") for k in range(y_steps + 1)),
        points=points,
        best_label=_label(offers[0]),
        summary=(f"{len(points)} offers: how much more each costs a year than the best fit, {_label(offers[0])}, "
                 "against the points it earns for everything but price. Higher and further left is more for less."),
    )
