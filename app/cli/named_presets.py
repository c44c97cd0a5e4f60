"""The check behind DESIGN.md invariant 8 for `flask ranking sweep`: a preset named after a measure
("Lowest cost") puts first an offer that is best on that measure, within the preset's published
tolerance. Each such preset ranks the customer's offers exactly as the shopper would see them
(build_result), and the first offer's value on the measure is compared with the best one's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.comparison.fetch import ProviderOutcome
from app.comparison.result import build_result
from app.products.base import Preset, ProductLine


@dataclass
class NamedPresetReport:
    """Per preset named after a measure: profiles checked, and the misses described."""

    checked: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)


def named_presets(line: ProductLine) -> list[Preset]:
    return [preset for preset in line.presets if preset.measure is not None]


def first_offer_gap(line: ProductLine, preset: Preset, profile: Mapping[str, Any], result: Mapping[str, Any]) -> Decimal | None:
    """How much worse than the best offer on the preset's measure the first offer is (0 when it is
    the best); None when nothing was ranked."""
    measure = preset.measure
    assert measure is not None
    values = [sum((Decimal(str(offer["values"][key])) for key in measure.criteria), Decimal(0))
              for offer in result["ranking"]]
    if not values:
        return None
    lower = line.criterion(profile, measure.criteria[0]).direction == "lower"
    return values[0] - min(values) if lower else max(values) - values[0]


def check_named_presets(line: ProductLine, profile: Mapping[str, Any], outcomes: list[ProviderOutcome], *,
                        now: datetime, deadline_s: float, number: int, report: NamedPresetReport) -> None:
    """Ranks the customer's offers with every preset named after a measure and records any whose
    first offer is a whole tolerance or more from the best on that measure."""
    for preset in named_presets(line):
        result = build_result(line, profile, outcomes, preset=preset.key, weights=preset.weights, now=now,
                              deadline_s=deadline_s)
        gap = first_offer_gap(line, preset, profile, result)
        if gap is None:
            continue
        report.checked[preset.key] += 1
        assert preset.measure is not None
        if gap >= preset.measure.tolerance:
            amount = line.criterion(profile, preset.measure.criteria[0]).format(gap)
            amount_words = " ".join(part for part in (amount, preset.measure.per) if part)
            report.misses.append(f"profile {number}: “{preset.label}” put first an offer {amount_words} "
                                 f"worse on {preset.measure.label} than the best")


def format_named(report: NamedPresetReport, line: ProductLine) -> list[str]:
    lines = [f"Named presets whose first offer is not best on their measure: {len(report.misses)}"]
    for preset in named_presets(line):
        assert preset.measure is not None
        tolerance = line.criterion(line.profile_schema["examples"][0], preset.measure.criteria[0]).format(
            preset.measure.tolerance)
        tolerance_words = " ".join(part for part in (tolerance, preset.measure.per) if part)
        lines.append(f"  “{preset.label}”: {preset.measure.label}, tolerance {tolerance_words}; "
                     f"checked on {report.checked[preset.key]} profiles")
    lines.extend(f"  {miss}" for miss in report.misses)
    return lines
