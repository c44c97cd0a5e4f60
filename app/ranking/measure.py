"""Measures: what a preset named after a measure ("Lowest cost") promises to put first.
A measure is one criterion, or the sum of several in the same unit and direction (auto insurance's
cost a year is the premium plus the expected deductibles), and a tolerance. A ranking made with a
measure orders the offers first by their measure rounded half up to a whole number of tolerances —
best step first — and only then, within a step, by score as usual. Offers in the same step count
as equally good on the measure, and the weights decide between them. So the first offer is always
in the step of the offer best on the measure, less than one tolerance away from it: the promise
the preset's name makes, published on the methodology page.

Why a fixed grid, and not "within one tolerance of the best offer in the list"? The same reason as
for ties (app/ranking/engine.py): being within a tolerance of each other is not transitive, so any
rule built on it must look at the other offers, and adding an offer that is best on the measure
could then swap two others. A step is a property of one offer alone, so the order stays a fixed
total order: input order and handles never matter, adding or removing an offer never swaps two
others, an offer that dominates another is at least as good on the measure (so in the same step
or a better one) and scores at least as much, and improving an offer never moves it to a worse
step or a lower score. The price is at a step's edge: two offers a cent apart can fall in two
steps, and then the one better on the measure comes first whatever the weights say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, Inexact, InvalidOperation, localcontext
from typing import Any

from app.ranking.criteria import Criterion


# Sums of Decimals are exact at this precision; a rounding would raise instead.
_EXACT_SUM = Context(prec=2000, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation, Inexact])


class InvalidMeasure(ValueError):
    pass


@dataclass(frozen=True)
class Measure:
    """The criteria whose sum a preset is named after, the tolerance its ranking rounds that sum
    to, the measure's name as it reads in a sentence ("cost while you keep the loan") and the period
    an amount of it is counted over ("a year"), for the words."""

    criteria: tuple[str, ...]
    tolerance: Decimal
    label: str
    per: str = ""

    def as_record(self) -> dict[str, Any]:
        return {"criteria": list(self.criteria), "tolerance": str(self.tolerance), "label": self.label, "per": self.per}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Measure:
        return cls(tuple(record["criteria"]), Decimal(record["tolerance"]), str(record["label"]), str(record["per"]))


class MeasureSteps:
    """A measure read against one ranking's criteria: each offer's value on it and its step."""

    __slots__ = ("measure", "indices", "lower", "_tolerance")

    def __init__(self, measure: Measure, criteria: Sequence[Criterion]) -> None:
        keys = [criterion.key for criterion in criteria]
        tolerance = measure.tolerance
        if not isinstance(tolerance, Decimal) or not tolerance.is_finite() or tolerance <= 0:
            raise InvalidMeasure("a measure's tolerance must be a positive Decimal")
        if not measure.criteria or len(set(measure.criteria)) != len(measure.criteria):
            raise InvalidMeasure("a measure needs one or more different criteria")
        unknown = [key for key in measure.criteria if key not in keys]
        if unknown:
            raise InvalidMeasure(f"the measure names unknown criteria: {', '.join(unknown)}")
        self.indices = tuple(keys.index(key) for key in measure.criteria)
        directions = {criteria[k].direction for k in self.indices}
        units = {criteria[k].unit for k in self.indices}
        if len(directions) != 1 or len(units) != 1:
            raise InvalidMeasure("a measure adds up criteria of one unit and one direction")
        self.measure = measure
        self.lower = directions == {"lower"}
        self._tolerance = tolerance.as_integer_ratio()

    def value(self, row: Sequence[Decimal]) -> Decimal:
        """The offer's value on the measure: the sum of its criteria, exactly."""
        with localcontext(_EXACT_SUM):
            return sum((row[k] for k in self.indices), Decimal(0))

    def step(self, row: Sequence[Decimal]) -> int:
        return self._step([row[k] for k in self.indices])

    def _step(self, values: Iterable[Decimal]) -> int:
        """⌊value / tolerance + 1/2⌋ in integers, turned so that a smaller step is better."""
        a, b = _exact_sum(values)
        n, d = self._tolerance
        step = (2 * a * d + n * b) // (2 * n * b)
        return step if self.lower else -step


def _exact_sum(values: Iterable[Decimal]) -> tuple[int, int]:
    """The sum of Decimals as an integer ratio, with no rounding whatever their digits."""
    numerator, denominator = 0, 1
    for value in values:
        a, b = Decimal(value).as_integer_ratio()
        numerator, denominator = numerator * b + a * denominator, denominator * b
    return numerator, denominator


def declared_measures(presets: Iterable[Any]) -> dict[str, Measure]:
    """The measure each preset that names one declares, by preset key."""
    return {preset.key: preset.measure for preset in presets if preset.measure is not None}


def logged_measures(result: Mapping[str, Any]) -> dict[str, Measure]:
    """The measures a logged result was ranked with, by preset key: the one its own ranking used
    (in its preferences) and those of the other presets (in its engine record). Entries from before
    measures (engine version 2) record none, and replay ranks them without any, as they were."""
    measures = {key: Measure.from_record(record) for key, record in result["engine"].get("measures", {}).items()}
    preferences = result["preferences"]
    if preferences.get("measure") is not None:
        measures[preferences["preset"]] = Measure.from_record(preferences["measure"])
    return measures


MEASURE_SCHEMA: dict[str, Any] = {
    "description": ("For a preset named after a measure: the criteria whose sum it puts first, and the tolerance. "
                    "Offers are ordered by that sum rounded half up to the tolerance, then by score, so the first "
                    "offer is less than one tolerance from the best on it. Null for other presets."),
    "oneOf": [
        {"type": "null"},
        {"type": "object", "required": ["criteria", "tolerance", "label", "per"],
         "properties": {"criteria": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                        "tolerance": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
                        "label": {"type": "string"}, "per": {"type": "string"}}},
    ],
}
