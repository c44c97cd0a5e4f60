"""Average prime offer rates (APOR) and the higher-priced mortgage loan test of Regulation Z
§ 1026.35(a)(1).

The FFIEC publishes the rates weekly as two tables, in the layout of the CFPB's rate spread
calculator files `YieldTableFixed.txt` and `YieldTableAdjustable.txt`: one row per week, the week's
first day (M/D/YYYY) and then the rate for each term — years to maturity for fixed rates, years to
the first adjustment for adjustable ones — separated by `|` (or commas), after an optional header
line. A loan's APOR is the row of the week its rate is set in, at its term (fixed) or its years
before the first adjustment (adjustable): comment 35(a)(2)-1 and -3.

A loan is higher-priced when its APR exceeds that APOR by 1.5 percentage points or more (a first
lien), 2.5 (a first lien above the conforming loan limit: a jumbo loan) or 3.5 (a subordinate lien).

A table is a file from outside: it is read within bounds (size, rows, columns, figures) and any
problem is an AporFileError naming the line. A table that does not reach the date asked about is
stale, and no rate is taken from it: flagging offers against a rate from weeks ago would be
guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

MAX_FILE_BYTES = 1024 * 1024
MAX_WEEKS = 5000
MAX_TERMS = 50
KINDS = ("fixed", "adjustable")
# A week's row covers its first day and the six after it; past that the table is out of date.
WEEK = timedelta(days=7)
FIRST_LIEN_THRESHOLD = Decimal("1.5")
JUMBO_THRESHOLD = Decimal("2.5")
SUBORDINATE_LIEN_THRESHOLD = Decimal("3.5")

_DATE = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
_RATE = re.compile(r"^[0-9]{1,2}(\.[0-9]{1,3})?$")
_SEPARATOR = re.compile(r"[|,]")


class AporFileError(ValueError):
    """An APOR table file that cannot be read: says which line and what is wrong."""

    def __init__(self, line_number: int | None, problem: str) -> None:
        super().__init__(problem if line_number is None else f"line {line_number}: {problem}")
        self.line_number = line_number
        self.problem = problem


@dataclass(frozen=True)
class AporTable:
    """One published table: each week's first day and its rate (percent) for terms 1, 2, … years."""

    kind: str
    weeks: tuple[date, ...]
    rates: tuple[tuple[Decimal, ...], ...]

    @property
    def first_week(self) -> date:
        return self.weeks[0]

    @property
    def newest_week(self) -> date:
        return self.weeks[-1]

    def week_of(self, day: date) -> int | None:
        """The row whose week `day` falls in, or None when the table does not cover it."""
        if day < self.first_week or day >= self.newest_week + WEEK:
            return None
        position = next(i for i in range(len(self.weeks) - 1, -1, -1) if self.weeks[i] <= day)
        return position

    def status(self, day: date) -> str:
        if day < self.first_week:
            return "missing"
        return "current" if day < self.newest_week + WEEK else "stale"


def parse_table(text: str, kind: str) -> AporTable:
    """A table from the text of an FFIEC/CFPB APOR file; raises AporFileError."""
    if kind not in KINDS:
        raise AporFileError(None, f"the kind of table must be fixed or adjustable, not {kind!r}")
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise AporFileError(None, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB; an APOR table is far smaller")
    weeks: list[date] = []
    rows: list[tuple[Decimal, ...]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        cells = [cell.strip().strip('"') for cell in _SEPARATOR.split(raw.strip())]
        if not cells[0]:
            continue
        if not _DATE.match(cells[0]):
            if weeks or number > 1:
                raise AporFileError(number, f"{cells[0][:40]!r} is not a date (M/D/YYYY)")
            continue  # the header line
        week = _week(cells[0], number)
        rates = tuple(_rate(cell, number) for cell in cells[1:])
        if not 1 <= len(rates) <= MAX_TERMS:
            raise AporFileError(number, f"a week has a rate for each term from 1 to at most {MAX_TERMS} years, "
                                        f"not {len(rates)}")
        if rows and len(rates) != len(rows[0]):
            raise AporFileError(number, f"{len(rates)} rates where the weeks before have {len(rows[0])}")
        if weeks and week <= weeks[-1]:
            raise AporFileError(number, f"the week of {week.isoformat()} is not after the week before it "
                                        f"({weeks[-1].isoformat()}); weeks must be in order, each once")
        if len(weeks) == MAX_WEEKS:
            raise AporFileError(number, f"more than {MAX_WEEKS} weeks")
        weeks.append(week)
        rows.append(rates)
    if not weeks:
        raise AporFileError(None, "the file has no weeks of rates")
    return AporTable(kind, tuple(weeks), tuple(rows))


def _week(text: str, number: int) -> date:
    month, day, year = (int(part) for part in _DATE.match(text).groups())  # type: ignore[union-attr]
    try:
        return date(year, month, day)
    except ValueError:
        raise AporFileError(number, f"{text} is not a date") from None


def _rate(text: str, number: int) -> Decimal:
    if not _RATE.match(text):
        raise AporFileError(number, f"{text[:20]!r} is not a rate in percent (e.g. 6.21)")
    rate = Decimal(text)
    if rate == 0:
        raise AporFileError(number, "a rate of 0% is not an average prime offer rate")
    return rate


def reference_for(tables: Mapping[str, AporTable | None], day: date, terms: Mapping[str, Sequence[int]],
                  source: str) -> dict[str, Any]:
    """What the log keeps of the tables for a comparison on `day`: for each kind, its status
    (current, stale or missing), its newest week, and — when current — that week's rates for the
    terms the line offers (`terms`: kind -> years). Replays read these, never today's tables."""
    record: dict[str, Any] = {"date": day.isoformat(), "source": source}
    for kind in KINDS:
        table = tables.get(kind)
        if table is None:
            record[kind] = {"status": "missing", "newest_week": None, "week": None, "rates": {}}
            continue
        row = table.week_of(day)
        rates = {} if row is None else {str(term): table.rates[row][term - 1] for term in terms[kind]
                                         if term <= len(table.rates[row])}
        record[kind] = {"status": table.status(day), "newest_week": table.newest_week.isoformat(),
                        "week": None if row is None else table.weeks[row].isoformat(), "rates": rates}
    return record


def threshold(*, jumbo: bool, subordinate: bool = False) -> Decimal:
    """The spread over APOR at or above which a loan is higher-priced (§ 1026.35(a)(1))."""
    if subordinate:
        return SUBORDINATE_LIEN_THRESHOLD
    return JUMBO_THRESHOLD if jumbo else FIRST_LIEN_THRESHOLD


def rate_spread(apr: Decimal, apor: Decimal) -> Decimal:
    return apr - apor


def is_higher_priced(apr: Decimal, apor: Decimal, *, jumbo: bool, subordinate: bool = False) -> bool:
    return rate_spread(apr, apor) >= threshold(jumbo=jumbo, subordinate=subordinate)


def comparison_day(now: datetime) -> date:
    """The day a comparison's rates are taken as set: its own date, in UTC."""
    return now.date()
