"""Root-cause analysis of complaints (FCA DISP 1.3.3): complaints per 1,000 comparisons by product
line, provider, advisor and category, and the monthly trend, over a window of whole months.

The denominator of each rate is the comparisons of the same group in the same window: first
recommendations (a re-rank is the same comparison again), counted from the log's header columns.
A complaint belongs to the comparison it is about: its product line, the provider that comparison
recommended, and the advisor who ran it (none for a shopper's own). Counts and figures only — no
complaint text leaves the sealed log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import RECOMMENDATION, AuditEntry
from app.complaints.events import CATEGORIES, UPHELD
from app.complaints.models import OPEN, Complaint
from app.complaints.service import REDRESS_CURRENCY

MONTH_CHOICES = (3, 6, 12, 24)
DEFAULT_MONTHS = 6
NONE_LABEL = "—"
TABLES = ("trend", "by-product", "by-provider", "by-advisor", "by-category")


@dataclass(frozen=True)
class Window:
    months: tuple[date, ...]  # the first day of each month, oldest first
    product: str | None

    @classmethod
    def ending(cls, today: date, months: int, product: str | None = None) -> Window:
        firsts = []
        year, month = today.year, today.month
        for _ in range(months):
            firsts.append(date(year, month, 1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return cls(tuple(reversed(firsts)), product)

    @property
    def since(self) -> datetime:
        return _start(self.months[0])

    def month_of(self, moment: datetime) -> date:
        return date(moment.year, moment.month, 1)


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=timezone.utc)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def per_thousand(complaints: int, comparisons: int) -> str | None:
    """Complaints per 1,000 comparisons to one decimal place, as text; None without comparisons."""
    if not comparisons:
        return None
    return str((Decimal(complaints) * 1000 / Decimal(comparisons)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _comparisons(session: Session, window: Window, *columns: Any) -> Counter[Any]:
    statement = (select(*columns, func.count()).where(AuditEntry.kind == RECOMMENDATION,
                                                      AuditEntry.created_at >= window.since).group_by(*columns))
    if window.product is not None:
        statement = statement.where(AuditEntry.product == window.product)
    # One column: keyed by its value; several: by the tuple of their values.
    return Counter({(row[0] if len(columns) == 1 else tuple(row[:-1])): row[-1] for row in session.execute(statement)})


def _monthly_comparisons(session: Session, window: Window) -> Counter[date]:
    counts: Counter[date] = Counter()
    for first in window.months:
        statement = select(func.count()).where(AuditEntry.kind == RECOMMENDATION,
                                               AuditEntry.created_at >= _start(first),
                                               AuditEntry.created_at < _start(_next_month(first)))
        if window.product is not None:
            statement = statement.where(AuditEntry.product == window.product)
        counts[first] = session.scalar(statement) or 0
    return counts


def _rows(keys: Iterable[Any], comparisons: Mapping[Any, int], complaints: Counter[Any], upheld: Counter[Any],
          label: Any) -> list[dict[str, Any]]:
    rows = [{**label(key), "comparisons": comparisons.get(key, 0), "complaints": complaints[key],
             "upheld": upheld[key], "per_1000": per_thousand(complaints[key], comparisons.get(key, 0))}
            for key in keys]
    return sorted(rows, key=lambda row: (-row["complaints"], -row["comparisons"]))


def build(session: Session, window: Window, *, product_names: Mapping[str, str],
          provider_names: Mapping[str, str], advisor_names: Mapping[str, str], now: datetime) -> dict[str, Any]:
    statement = select(Complaint).where(Complaint.raised_at >= window.since)
    if window.product is not None:
        statement = statement.where(Complaint.product == window.product)
    complaints = list(session.scalars(statement))
    upheld = [complaint for complaint in complaints if complaint.outcome == UPHELD]

    def tally(key: Any) -> tuple[Counter[Any], Counter[Any]]:
        return Counter(map(key, complaints)), Counter(map(key, upheld))

    by_product, by_provider, by_advisor = (_comparisons(session, window, AuditEntry.product),
                                           _comparisons(session, window, AuditEntry.recommended_provider),
                                           _comparisons(session, window, AuditEntry.actor_type, AuditEntry.actor_id))
    advised = Counter({actor_id: count for (actor_type, actor_id), count in by_advisor.items() if actor_type == "advisor"})
    monthly = _monthly_comparisons(session, window)
    total = sum(monthly.values())
    product_tally, provider_tally = tally(lambda c: c.product), tally(lambda c: c.provider)
    advisor_tally, category_tally = tally(lambda c: c.advisor_id), tally(lambda c: c.category)
    month_tally = tally(lambda c: window.month_of(c.raised_at))
    return {
        "window": {"since": window.since.date().isoformat(), "months": len(window.months), "product": window.product},
        "totals": {
            "comparisons": total, "complaints": len(complaints), "per_1000": per_thousand(len(complaints), total),
            "upheld": len(upheld), "open": sum(c.status == OPEN for c in complaints),
            "overdue": sum(c.status == OPEN and c.due_at < now for c in complaints),
            "resolved_late": sum(c.resolved_at is not None and c.resolved_at > c.due_at for c in complaints),
            "redress": str(sum((c.redress_amount or Decimal(0) for c in complaints), Decimal("0.00"))),
            "redress_currency": REDRESS_CURRENCY,
        },
        "trend": [{"month": first.isoformat()[:7], "comparisons": monthly[first], "complaints": month_tally[0][first],
                   "upheld": month_tally[1][first], "per_1000": per_thousand(month_tally[0][first], monthly[first])}
                  for first in window.months],
        "by_product": _rows(set(by_product) | set(product_tally[0]), by_product, *product_tally,
                            lambda key: {"product": product_names.get(key or "", key or NONE_LABEL)}),
        "by_provider": _rows({key for key in set(by_provider) | set(provider_tally[0]) if key}, by_provider,
                             *provider_tally, lambda key: {"provider": provider_names.get(key, key)}),
        "by_advisor": _rows({key for key in set(advised) | set(advisor_tally[0]) if key}, advised, *advisor_tally,
                            lambda key: {"advisor": advisor_names.get(key, f"user {key}")}),
        "by_category": _rows(CATEGORIES, {key: total for key in CATEGORIES}, *category_tally,
                             lambda key: {"category": CATEGORIES[key]}),
    }


def table(report: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    return list(report[name.replace("-", "_")])
