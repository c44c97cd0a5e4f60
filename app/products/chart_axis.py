"""Axes for the server-drawn charts: round steps that take in zero, and money as a difference."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from app.money import format_money

@dataclass(frozen=True)
class ChartFrame:
    """The drawing area and tick marks every chart has; templates/shop/_chart_frame.html draws them."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]


NICE_STEPS = tuple(Decimal(step) for step in ("1", "1.5", "2", "2.5", "3", "4", "5", "6", "8", "10"))


def axis(low: Decimal, high: Decimal, *, empty_step: Decimal = Decimal(200)) -> tuple[Decimal, Decimal, int]:
    """The axis's lowest value, step and number of steps: round steps (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8
    or 10 × 10^k) from at or below `low` (and zero) to at or above `high` (and zero), about five."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    span = high - low
    if span <= 0:
        return Decimal(0), empty_step, 5
    raw = span / 5
    magnitude = Decimal(10) ** raw.adjusted()
    step = next(nice * magnitude for nice in NICE_STEPS if nice * magnitude >= raw)
    bottom = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    top = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    return bottom, step, int((top - bottom) / step)


def signed_money(amount: Decimal) -> str:
    """"+$1,250", "-$310" or "$0": more or less than the offer compared with, in whole dollars."""
    text = format_money(amount, whole=True).replace("-$0", "$0")
    return text if text == "$0" or text.startswith("-") else "+" + text
