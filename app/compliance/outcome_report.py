"""The outcomes report's figures: for each measure and each way of grouping customers, every
group's figure with its 95% interval, tested against all the other groups together, the p-values
adjusted with Holm's method across the whole family of tests of that measure, and the groups that
differ at 5% after adjustment flagged. Amounts of money are compared only within one product line
(each line prices on its own measure: a year of insurance, the years a loan is kept)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.compliance import statistics
from app.compliance.outcomes import DIMENSIONS, SAMPLE, Observation, by_group, collect
from app.compliance.reports import ERASED, NOT_ASKED, Window
from app.products import PRODUCT_LINES

MIN_GROUP = 5  # fewer customers than this in a group, or in the rest, and it is shown but not tested
UNTESTED_GROUPS = (ERASED, NOT_ASKED)
ALL = "All"
COLUMNS = ("measure", "dimension", "product", "group", "count", "successes", "value", "ci_low", "ci_high",
           "unit", "p_value", "p_adjusted", "differs", "direction", "note")


@dataclass(frozen=True)
class ShareMeasure:
    key: str
    label: str
    counts: Callable[[Observation], bool]  # which observations it is about
    success: Callable[[Observation], bool]


SHARE_MEASURES = (
    ShareMeasure("ours_first", "Our offer ranked first", lambda o: True, lambda o: o.ours_first),
    ShareMeasure("ours_chosen", "Our offer was chosen (advisor calls)", lambda o: o.outcome is not None,
                 lambda o: bool(o.outcome and o.outcome.ours_chosen)),
    ShareMeasure("override", "The caller did not take the top pick (advisor calls)", lambda o: o.outcome is not None,
                 lambda o: bool(o.outcome and o.outcome.overridden)),
)
MONEY_MEASURE = "money_behind_best_fit"
MONEY_LABEL = "What the offer chosen gives up against the best fit: paid more or earned less (advisor calls)"
MEASURE_LABELS = {**{measure.key: measure.label for measure in SHARE_MEASURES}, MONEY_MEASURE: MONEY_LABEL}


def _p(value: float | None) -> str | None:
    return None if value is None else f"{value:.4f}"


def _row(measure: str, dimension: str, group: str, count: int, **figures: Any) -> dict[str, Any]:
    row = {column: None for column in COLUMNS}
    row.update(measure=measure, dimension=dimension, group=group, count=count, differs=False, **figures)
    return row


def _untested_note(group: str, count: int, rest: int) -> str | None:
    if group == ALL:
        return None
    if group in UNTESTED_GROUPS:
        return "not a customer group: not tested"
    if count < MIN_GROUP or rest < MIN_GROUP:
        return f"fewer than {MIN_GROUP} in the group or the rest: not tested"
    return None


def _share_rows(measure: ShareMeasure, observations: Sequence[Observation]) -> list[dict[str, Any]]:
    about = [o for o in observations if measure.counts(o)]
    total, total_hits = len(about), sum(1 for o in about if measure.success(o))
    rows = [_share_row(measure, "all", ALL, total, total_hits, None)]
    for dimension in DIMENSIONS:
        for group, members in by_group(about, dimension).items():
            hits = sum(1 for o in members if measure.success(o))
            note = _untested_note(group, len(members), total - len(members))
            p = None if note else statistics.fisher_exact(hits, len(members) - hits, total_hits - hits,
                                                          (total - len(members)) - (total_hits - hits))
            rows.append(_share_row(measure, dimension, group, len(members), hits, p, note))
    return _adjusted(rows)


def _share_row(measure: ShareMeasure, dimension: str, group: str, count: int, hits: int, p: float | None,
               note: str | None = None) -> dict[str, Any]:
    interval = statistics.wilson(hits, count)
    share = None if not count else str(statistics.fraction(hits / count))
    return _row(measure.key, dimension, group, count, successes=hits, value=share,
                ci_low=None if interval is None else str(interval.low),
                ci_high=None if interval is None else str(interval.high), unit="share", p_value=_p(p), note=note)


def _money_rows(observations: Sequence[Observation]) -> list[dict[str, Any]]:
    with_gap = [o for o in observations if o.outcome is not None and o.outcome.gap is not None]
    rows: list[dict[str, Any]] = []
    for product, members in by_group(with_gap, "product").items():
        rows.extend(_money_rows_of_line(product, members))
    return rows


def _money_rows_of_line(product: str, members: Sequence[Observation]) -> list[dict[str, Any]]:
    first = members[0].outcome.gap  # type: ignore[union-attr]
    unit = f"{first.currency}, {first.measure.lower()}"  # type: ignore[union-attr]

    def amounts(group: Iterable[Observation]) -> list[Decimal]:
        return [o.outcome.gap.amount for o in group]  # type: ignore[union-attr]

    everyone = statistics.summarise(amounts(members))
    rows = [_money_row(product, "product", line_name(product), everyone, None, unit,
                       "each product line prices on its own measure: not compared with the others")]
    for dimension in DIMENSIONS:
        if dimension == "product":
            continue
        for group, in_group in by_group(members, dimension).items():
            rest = [o for o in members if o.groups[dimension] != group]
            note = _untested_note(group, len(in_group), len(rest))
            mine, others = statistics.summarise(amounts(in_group)), statistics.summarise(amounts(rest))
            p = None if note or others is None or mine is None else statistics.welch_p(mine, others)
            if p is None and note is None:
                note = "no spread to test"
            rows.append(_money_row(product, dimension, group, mine, p, unit, note))
    return _adjusted(rows)


def _money_row(product: str, dimension: str, group: str, summary: statistics.Summary | None, p: float | None,
               unit: str, note: str | None) -> dict[str, Any]:
    interval = None if summary is None else statistics.mean_interval(summary)
    mean = None if summary is None else summary.mean.quantize(statistics.CENT)
    return _row(MONEY_MEASURE, dimension, group, 0 if summary is None else summary.count, product=product,
                value=None if mean is None else str(mean), ci_low=None if interval is None else str(interval.low),
                ci_high=None if interval is None else str(interval.high), unit=unit, p_value=_p(p), note=note)


def _adjusted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Holm's adjustment over the family (one measure, or one measure within one product line)."""
    adjusted = statistics.holm([None if row["p_value"] is None else float(row["p_value"]) for row in rows])
    for row, p in zip(rows, adjusted):
        row["p_adjusted"] = _p(p)
        row["differs"] = p is not None and p < statistics.ALPHA
    return rows


def _with_direction(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Says of each group that differs whether it is above or below everyone taken together
    (above the whole is above the rest: the whole is the rest and the group, averaged)."""
    whole = {(row["measure"], row["product"]): row["value"] for row in rows
             if row["group"] == ALL or (row["measure"] == MONEY_MEASURE and row["dimension"] == "product")}
    for row in rows:
        overall = whole.get((row["measure"], row["product"]))
        row["direction"] = None
        if row["differs"] and overall is not None and row["value"] is not None:
            row["direction"] = "higher" if Decimal(row["value"]) > Decimal(overall) else "lower"
    return rows


def line_name(product: str) -> str:
    line = PRODUCT_LINES.get(product)
    return line.name if line is not None else product


def build(session: Session, window: Window, sample: int = SAMPLE) -> dict[str, Any]:
    collected = collect(session, window, sample)
    rows = [row for measure in SHARE_MEASURES for row in _share_rows(measure, collected.observations)]
    rows.extend(_money_rows(collected.observations))
    return {
        "window": {"since": window.since.isoformat(), "until": window.until.isoformat() if window.until else None,
                   "product": window.product},
        "recommendations": len(collected.observations),
        "advisor_outcomes": sum(1 for o in collected.observations if o.outcome is not None),
        "sample_limit": collected.sample_limit,
        "erased": collected.erased,
        "min_group": MIN_GROUP,
        "measures": MEASURE_LABELS,
        "dimensions": DIMENSIONS,
        "rows": _with_direction(rows),
    }
