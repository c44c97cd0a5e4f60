"""Sampling coverage and review outcomes per advisor: of the calls an advisor decided in the period,
how many were drawn (and of their overrides), how many reviewed, and with what outcome."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import ADVISOR_DECISION, OVERRIDE, AuditEntry
from app.quality.models import FAIL, NEEDS_COACHING, PASS, QaReview

DAY_CHOICES = (30, 90, 180, 365)
DEFAULT_DAYS = 90
TABLES = ("by-advisor",)


def share(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def build(session: Session, *, since: datetime, advisor_names: Mapping[str, str], pending: int) -> dict[str, Any]:
    decided: Counter[tuple[str, str]] = Counter({
        (actor_id or "", kind): count for actor_id, kind, count in session.execute(
            select(AuditEntry.actor_id, AuditEntry.kind, func.count())
            .where(AuditEntry.kind.in_((ADVISOR_DECISION, OVERRIDE)), AuditEntry.created_at >= since)
            .group_by(AuditEntry.actor_id, AuditEntry.kind))})
    reviews = list(session.scalars(select(QaReview).where(QaReview.decided_at >= since)))
    advisors = sorted({advisor for advisor, _ in decided} | {review.advisor_id for review in reviews},
                      key=lambda advisor: advisor_names.get(advisor, advisor).casefold())
    rows = [_row(advisor, decided, [r for r in reviews if r.advisor_id == advisor], advisor_names)
            for advisor in advisors]
    totals = _row("", Counter({("", kind): sum(count for (_, k), count in decided.items() if k == kind)
                               for kind in (ADVISOR_DECISION, OVERRIDE)}), reviews, {"": "All advisors"})
    return {"since": since.date().isoformat(), "pending": pending, "totals": totals, "by_advisor": rows}


def _row(advisor: str, decided: Counter[tuple[str, str]], reviews: list[QaReview],
         names: Mapping[str, str]) -> dict[str, Any]:
    calls = decided[(advisor, ADVISOR_DECISION)] + decided[(advisor, OVERRIDE)]
    outcomes = Counter(review.outcome for review in reviews)
    reviewed = sum(outcomes[outcome] for outcome in (PASS, FAIL, NEEDS_COACHING))
    return {
        "advisor": names.get(advisor, f"user {advisor}"), "decided": calls, "overrides": decided[(advisor, OVERRIDE)],
        "drawn": len(reviews), "drawn_overrides": sum(review.override for review in reviews),
        "coverage": share(len(reviews), calls), "override_coverage": share(
            sum(review.override for review in reviews), decided[(advisor, OVERRIDE)]),
        "reviewed": reviewed, "awaiting": len(reviews) - reviewed, "pass": outcomes[PASS], "fail": outcomes[FAIL],
        "needs_coaching": outcomes[NEEDS_COACHING], "pass_rate": share(outcomes[PASS], reviewed),
    }


def window_start(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
