"""A criterion: one thing offers are ranked on, and the fixed scale its value is read against.
Product lines declare their criteria with it; the engine reads only its key, direction and scale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Direction = Literal["lower", "higher"]


@dataclass(frozen=True)
class MoneyWords:
    """How sentences speak of a money criterion's amounts: whether the shopper pays them ("costs")
    or is paid them ("earns", "saves"), and so which way of a difference is the good one. Words only: the
    engine ranks on `direction` and the scale, never on these."""

    verb: str  # what an offer does with the amount: "costs", "earns"
    infinitive: str  # "be ... cheaper", "earn ... more": the verb of "it would need to …"
    better: Literal["less", "more"]  # the difference that favours the shopper
    gap_change: str  # "cheaper", "more"
    most: str  # "costs the least", "earns the most"
    next_best: str  # "the next cheapest", "the next highest-earning"
    beaten: str  # "costs less", "earns more": what no other offer does when ours is best
    gap_impossible: str  # when no change of this amount alone could put an offer first

    @property
    def direction(self) -> Direction:
        """The criterion direction these words go with: costs are better lower, earnings higher."""
        return "lower" if self.better == "less" else "higher"

    def compares(self, figure: str, difference: str, over: str) -> str:
        """"costs $441.38 a year more than ours", "earns $212.40 less than ours over your 12 months"."""
        if over.startswith("a "):
            return f"{self.verb} {figure} {over} {difference} than ours"
        return " ".join(part for part in (self.verb, figure, difference, "than ours", over) if part)


COSTS = MoneyWords(verb="costs", infinitive="be", better="less", gap_change="cheaper", most="costs the least",
                   next_best="the next cheapest", beaten="costs less",
                   gap_impossible="A lower price alone could not put it first.")
EARNINGS = MoneyWords(verb="earns", infinitive="earn", better="more", gap_change="more", most="earns the most",
                      next_best="the next highest-earning", beaten="earns more",
                      gap_impossible="Earning more alone could not put it first.")
# A saving (a refinance's, against keeping the loan one has) is earned in the same sense: more is better.
SAVINGS = MoneyWords(verb="saves", infinitive="save", better="more", gap_change="more", most="saves the most",
                     next_best="the next biggest saving", beaten="saves more",
                     gap_impossible="Saving more alone could not put it first.")
MONEY_WORDS = {words.verb: words for words in (COSTS, EARNINGS, SAVINGS)}


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
    # For a money criterion: whether the shopper pays the amount or earns it (a deposit account).
    words: MoneyWords = COSTS

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
