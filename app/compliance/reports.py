"""Neutrality and override reports, computed from the log.

Most figures come from the columns copied out of each entry's header (kind, time, channel, our
rank, whether ours was first), so they cost one indexed scan of the window and no leaf. Region and
age band live only in the customer's sealed profile: they are computed from a sample of the newest
recommendations in the window, each profile revealed with its customer's key (loaded for the whole
sample in one query), and the page says how large the sample was. Erased profiles are counted as
such, never guessed."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import (
    ADVISOR_DECISION,
    OVERRIDE,
    REASON_LABELS,
    RECOMMENDATION,
    AuditEntry,
    PersonalDataError,
    PersonalDataKey,
    document,
    reveal,
)
from app.auth.models import User
from app.comparison.api import provider_health

DEFAULT_DAYS = 90
SEGMENT_SAMPLE = 1000
AGE_BANDS = ((0, 25, "under 25"), (25, 35, "25–34"), (35, 50, "35–49"), (50, 65, "50–64"), (65, 200, "65 and over"))
ERASED = "erased"
NOT_ASKED = "not asked"


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime | None
    product: str | None
    bucket: str  # "day" or "week"

    @classmethod
    def from_dates(cls, since: date | None, until: date | None, product: str | None, bucket: str,
                   *, today: date) -> Window:
        start = since or today - timedelta(days=DEFAULT_DAYS - 1)
        return cls(datetime.combine(start, datetime.min.time(), tzinfo=timezone.utc),
                   None if until is None else datetime.combine(until + timedelta(days=1), datetime.min.time(),
                                                               tzinfo=timezone.utc),
                   product or None, bucket if bucket in ("day", "week") else "week")

    def where(self, statement: Any) -> Any:
        statement = statement.where(AuditEntry.created_at >= self.since)
        if self.until is not None:
            statement = statement.where(AuditEntry.created_at < self.until)
        if self.product is not None:
            statement = statement.where(AuditEntry.product == self.product)
        return statement


def share(part: int, whole: int) -> str | None:
    """A fraction from 0 to 1 with four places, as text (the console never shows a float artefact)."""
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _period(moment: datetime, bucket: str) -> str:
    day = moment.astimezone(timezone.utc).date()
    if bucket == "week":
        day -= timedelta(days=day.weekday())  # weeks start on Monday
    return day.isoformat()


def _tally_rows(counts: Mapping[str, list[int]], key_name: str) -> list[dict[str, Any]]:
    return [{key_name: key, "recommendations": total, "house_first": first, "house_first_share": share(first, total)}
            for key, (total, first) in counts.items()]


def house_summary(session: Session, window: Window) -> dict[str, Any]:
    """How often ours came first, over time and by channel, and where ours ranked."""
    rows = session.execute(window.where(
        select(AuditEntry.created_at, AuditEntry.channel, AuditEntry.house_rank, AuditEntry.house_best)
        .where(AuditEntry.kind == RECOMMENDATION)))
    by_period: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_channel: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ranks: Counter[int | None] = Counter()
    total = 0
    for created_at, channel, house_rank, house_best in rows:
        total += 1
        first = 1 if house_best else 0
        for counts, key in ((by_period, _period(created_at, window.bucket)), (by_channel, channel)):
            counts[key][0] += 1
            counts[key][1] += first
        ranks[house_rank] += 1
    rank_rows = [{"rank": str(rank), "recommendations": ranks[rank], "share": share(ranks[rank], total)}
                 for rank in sorted(r for r in ranks if r is not None)]
    if ranks[None]:
        rank_rows.append({"rank": "not ranked", "recommendations": ranks[None], "share": share(ranks[None], total)})
    return {
        "recommendations": total,
        "over_time": _tally_rows(dict(sorted(by_period.items())), "period"),
        "by_channel": _tally_rows(dict(sorted(by_channel.items())), "channel"),
        "house_rank": rank_rows,
    }


def age_band(birth_date: str, at: datetime) -> str:
    born = date.fromisoformat(birth_date)
    on = at.date()
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next(label for low, high, label in AGE_BANDS if low <= age < high)


def segments(session: Session, window: Window, sample: int = SEGMENT_SAMPLE) -> dict[str, Any]:
    """Ours first by region (state) and age band, over the newest `sample` recommendations."""
    entries = list(session.scalars(window.where(select(AuditEntry).where(AuditEntry.kind == RECOMMENDATION))
                                   .order_by(AuditEntry.index.desc()).limit(sample)))
    subjects = {entry.subject for entry in entries if entry.subject}
    # Into the identity map in one query, so each reveal below finds its key without one; held
    # here while they are revealed, since the identity map keeps objects only weakly.
    held = list(session.scalars(select(PersonalDataKey).where(PersonalDataKey.subject.in_(subjects)))) if subjects else []
    by_region: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_age: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    erased = 0
    for entry in entries:
        logged = document(entry)
        try:
            revealed = reveal(session, logged)
        except PersonalDataError:
            revealed = None
        profile = revealed.data.get("profile") if revealed and isinstance(revealed.data, Mapping) else None
        first = 1 if entry.house_best else 0
        if not isinstance(profile, Mapping):
            erased += 1
            region, band = ERASED, ERASED
        else:
            region = str(profile.get("state") or NOT_ASKED)
            birth = profile.get("driver_birth_date")
            band = age_band(birth, entry.created_at) if isinstance(birth, str) else NOT_ASKED
        for counts, key in ((by_region, region), (by_age, band)):
            counts[key][0] += 1
            counts[key][1] += first
    del held
    band_order = [label for _, _, label in AGE_BANDS] + [NOT_ASKED, ERASED]
    return {
        "sample": len(entries),
        "sample_limit": sample,
        "erased": erased,
        "by_region": _tally_rows(dict(sorted(by_region.items())), "region"),
        "by_age_band": _tally_rows({band: by_age[band] for band in band_order if band in by_age}, "age_band"),
    }


def _usernames(session: Session, ids: Iterable[str]) -> dict[str, str]:
    numeric = [int(value) for value in ids if value and value.isdigit()]
    if not numeric:
        return {}
    return {str(user_id): name for user_id, name in session.execute(
        select(User.id, User.username).where(User.id.in_(numeric)))}


def overrides(session: Session, window: Window) -> dict[str, Any]:
    """Per advisor: outcomes recorded, overrides among them, and why."""
    entries = list(session.scalars(window.where(
        select(AuditEntry).where(AuditEntry.kind.in_((ADVISOR_DECISION, OVERRIDE)))).order_by(AuditEntry.index)))
    per_advisor: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    reasons: Counter[str] = Counter()
    reasons_by_advisor: dict[str, Counter[str]] = defaultdict(Counter)
    for entry in entries:
        advisor = entry.actor_id or "unknown"
        per_advisor[advisor][0] += 1
        if entry.kind == OVERRIDE:
            per_advisor[advisor][1] += 1
        reason = document(entry).get("reason")
        if reason:
            reasons[reason] += 1
            reasons_by_advisor[advisor][reason] += 1
    names = _usernames(session, per_advisor)
    return {
        "by_advisor": [{"advisor_id": advisor, "advisor": names.get(advisor, f"advisor {advisor}"),
                        "outcomes": outcomes, "overrides": overridden, "override_rate": share(overridden, outcomes),
                        "reasons": "; ".join(f"{REASON_LABELS.get(code, code)} ({count})"
                                             for code, count in reasons_by_advisor[advisor].most_common())}
                       for advisor, (outcomes, overridden) in sorted(per_advisor.items(),
                                                                      key=lambda item: names.get(item[0], item[0]))],
        "reasons": [{"reason": code, "label": REASON_LABELS.get(code, code), "outcomes": count}
                    for code, count in reasons.most_common()],
    }


def providers(session: Session, window: Window) -> list[dict[str, Any]]:
    """Failure rate and latency per provider (app/comparison/health.py's definitions)."""
    rows = []
    for health in provider_health(session, since=window.since, product=window.product):
        rows.append({
            "provider": health.provider, "name": health.name, "asked": health.asked, "failed": health.failed,
            "declined": health.declined, "failure_rate": share(health.failed, health.asked),
            "p50_ms": health.p50_ms, "p95_ms": health.p95_ms,
            "failures_by_kind": "; ".join(f"{kind} ({count})" for kind, count in sorted(health.failures_by_kind.items())),
        })
    return rows


TABLES = {
    "house-over-time": ("How often our offer ranked first, over time", ("house", "over_time")),
    "house-by-channel": ("Our offer first, by channel", ("house", "by_channel")),
    "house-by-region": ("Our offer first, by region (sample)", ("segments", "by_region")),
    "house-by-age-band": ("Our offer first, by age band (sample)", ("segments", "by_age_band")),
    "house-rank": ("Where our offer ranked", ("house", "house_rank")),
    "override-rate": ("Override rate by advisor", ("overrides", "by_advisor")),
    "override-reasons": ("Reasons given when the caller did not take the top pick", ("overrides", "reasons")),
    "providers": ("Provider failures and latency", ("providers",)),
}


SECTIONS = {"house": house_summary, "segments": segments, "overrides": overrides, "providers": providers}


def build(session: Session, window: Window, sections: Iterable[str] = tuple(SECTIONS)) -> dict[str, Any]:
    """The report's sections (all by default: an export computes only the one it needs)."""
    report: dict[str, Any] = {
        "window": {"since": window.since.isoformat(), "until": window.until.isoformat() if window.until else None,
                   "product": window.product, "bucket": window.bucket},
    }
    for name in sections:
        report[name] = SECTIONS[name](session, window)
    return report


def section_of(name: str) -> str:
    return TABLES[name][1][0]


def table(report: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    node: Any = report
    for key in TABLES[name][1]:
        node = node[key]
    return list(node)
