"""A criterion: one thing offers are ranked on, and the fixed scale its value is read against.
Product lines declare their criteria with it; the engine reads only its key, direction and scale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Direction = Literal["lower", "higher"]


@dataclass(frozen=True)
class Criterion:
    """One thing offers are ranked on, with the fixed reference scale its value is read against.

    A value equal to `worst` contributes 0 and one equal to `best` contributes the full weight;
    values outside the scale extrapolate linearly, so the scale never depends on which other
    offers are in the list.
    """

    key: str
    label: str
    direction: Direction
    unit: str
    worst: Decimal
    best: Decimal
    description: str
    money: bool = False
    format: Callable[[Decimal], str] = field(default=lambda value: str(value), compare=False)

    def __post_init__(self) -> None:
        if self.worst == self.best:
            raise ValueError(f"criterion {self.key}: worst and best must differ")
        if (self.direction == "lower") != (self.worst > self.best):
            raise ValueError(f"criterion {self.key}: scale does not match direction {self.direction}")

    def as_record(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "direction": self.direction,
            "unit": self.unit,
            "worst": str(self.worst),
            "best": str(self.best),
        }
