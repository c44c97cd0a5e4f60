"""Benchmarks that print figures; they never fail a build on wall-clock time.

`python -m bench` imports every `bench/*.py` module (except this package's own dunder files) and
calls its `main()`, which returns the figures it measured as `Figure` rows; the runner prints them
all as one table. `python -m bench.<module>` runs one module alone and prints its own rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure: what was measured, the figure, and the target it is read against."""

    benchmark: str
    figure: str
    target: str = ""
    met: bool | None = None
    unit: str = ""  # figures written before this column carry their unit in `figure`

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "NO", None: ""}[self.met]


def format_table(figures: Iterable[Figure]) -> str:
    rows = [("benchmark", "figure", "unit", "target", "met")] + [
        (figure.benchmark, figure.figure, figure.unit, figure.target, figure.verdict) for figure in figures
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def print_table(figures: Iterable[Figure]) -> None:
    print(format_table(figures))
