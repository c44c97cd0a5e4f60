"""What a real offer's figures can be. A product line declares, for each figure it ranks on or
computes with, the range a genuine offer falls in; an offer outside any of them is not ranked but
set aside as "implausible — not ranked", saying which figure and why. The ranges are published on
the methodology page, so a provider (and a shopper) can see them in advance.

A provider's figures are untrusted: a $0.01 premium or a 0.001% rate is a broken or hostile reply,
and ranked as it stands it would come first."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

IMPLAUSIBLE = "Implausible — not ranked"


@dataclass(frozen=True)
class PlausibleRange:
    """`read(terms)` takes the figure from the line's parsed terms (None when the offer has none);
    `low` and `high` are inclusive; `format` writes a figure the way the line shows it."""

    label: str
    low: Decimal
    high: Decimal
    read: Callable[[Mapping[str, Any]], Decimal | None]
    format: Callable[[Decimal], str]

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"plausible range of {self.label}: low is above high")

    def describe(self) -> str:
        """The range in words, for the methodology page."""
        return f"{self.label}: from {self.format(self.low)} to {self.format(self.high)}"

    def problem(self, terms: Mapping[str, Any]) -> str | None:
        value = self.read(terms)
        if value is None or self.low <= value <= self.high:
            return None
        side = "low" if value < self.low else "high"
        return f"{self.label} of {self.format(value)} is too {side} to be a real offer"


def implausibility(ranges: Sequence[PlausibleRange], terms: Mapping[str, Any]) -> str | None:
    """The reason an offer is not ranked, naming every figure out of its range; None when all are in."""
    problems = [problem for problem in (each.problem(terms) for each in ranges) if problem is not None]
    if not problems:
        return None
    return f"{IMPLAUSIBLE}: its {'; its '.join(problems)}."


def figure(key: str) -> Callable[[Mapping[str, Any]], Decimal | None]:
    """A reader for a figure that is one of the parsed terms (absent or None: nothing to check)."""
    def read(terms: Mapping[str, Any]) -> Decimal | None:
        value = terms.get(key)
        return None if value is None else Decimal(value)
    return read
