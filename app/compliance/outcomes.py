"""Outcomes by customer group: how often our own offer ranked first, how often it was chosen, how
often an advisor's caller took something other than the top pick (an override), and how much more
the offer chosen costs (or the less it earns) than the best fit — by product line, channel, state, age band and credit
band, each with a 95% interval, and each group tested against all the others
(app/compliance/statistics.py says which tests and why).

Where the figures come from: the newest recommendations of the period (at most SAMPLE, which the
page states), the customer's sealed profile opened with the log's own keys (reveal) only to put
them in a group, and the advisors' outcome entries for the same references. Only counts, shares and
amounts leave this module: no profile, reference or subject. An erased customer is counted in the
group "erased", never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import (
    ADVISOR_DECISION, OVERRIDE, RECOMMENDATION, AuditEntry, PersonalDataError, PersonalDataKey, document, reveal,
)
from app.comparison.api import with_personal
from app.compliance.reports import ERASED, NOT_ASKED, Window, age_band
from app.products import PRODUCT_LINES
from app.ranking.criteria import Criterion
from app.ranking.explain import price_criterion

SAMPLE = 2000
CHUNK = 500

DIMENSIONS = {
    "product": "Product line",
    "channel": "Channel",
    "state": "State",
    "age_band": "Age band",
    "credit_band": "Credit band",
}


@dataclass(frozen=True)
class PriceGap:
    """What the chosen offer gives up against the best fit on the line's money measure: how much
    more it costs (a line the shopper pays) or how much less it earns (a line the shopper earns
    from). 0 when the best fit was chosen; never negative unless the chosen offer was better on
    money and ranked lower for other reasons."""

    amount: Decimal
    currency: str
    measure: str  # the price criterion's label: "Price per year", "Cost while you keep the loan"


@dataclass(frozen=True)
class AdvisorOutcome:
    """What the caller did with an advisor's ranking."""

    ours_chosen: bool  # False when another offer was chosen or the caller declined them all
    overridden: bool  # chose an offer that was not the top pick
    gap: PriceGap | None  # None when the caller declined every offer, or the price is not known (erased)


@dataclass(frozen=True)
class Opened:
    logged: dict[str, Any]
    sealed: Mapping[str, Any] | None  # None once erased

    @property
    def profile(self) -> Mapping[str, Any] | None:
        profile = self.sealed.get("profile") if self.sealed else None
        return profile if isinstance(profile, Mapping) else None


@dataclass(frozen=True)
class Observation:
    """One recommendation, reduced to its groups and what happened: no personal data."""

    product: str
    groups: Mapping[str, str]
    ours_first: bool
    outcome: AdvisorOutcome | None = None


@dataclass
class Collected:
    observations: list[Observation] = field(default_factory=list)
    erased: int = 0
    sample_limit: int = SAMPLE


def _credit_band(profile: Mapping[str, Any]) -> str:
    band = profile.get("credit_score_band")
    return str(band) if band else NOT_ASKED


def _groups(entry: AuditEntry, profile: Mapping[str, Any] | None) -> dict[str, str]:
    groups = {"product": entry.product or NOT_ASKED, "channel": entry.channel}
    if profile is None:
        return {**groups, "state": ERASED, "age_band": ERASED, "credit_band": ERASED}
    birth = profile.get("driver_birth_date")
    return {**groups, "state": str(profile.get("state") or NOT_ASKED),
            "age_band": age_band(birth, entry.created_at) if isinstance(birth, str) else NOT_ASKED,
            "credit_band": _credit_band(profile)}


def _opened(session: Session, entry: AuditEntry) -> Opened:
    """The entry's document and its sealed fields, opened with the log's keys."""
    logged = document(entry)
    try:
        revealed = reveal(session, logged)
    except PersonalDataError:
        return Opened(logged, None)
    return Opened(logged, revealed.data if isinstance(revealed.data, Mapping) else None)


def _preload_keys(session: Session, entries: Iterable[AuditEntry]) -> list[PersonalDataKey]:
    """Every key the entries are sealed with, in one query per chunk. The caller keeps the list
    while it reveals: the session's identity map holds its objects weakly, and a key no one holds
    would be read again, one query per customer."""
    subjects = sorted({entry.subject for entry in entries if entry.subject})
    keys: list[PersonalDataKey] = []
    for start in range(0, len(subjects), CHUNK):
        keys.extend(session.scalars(select(PersonalDataKey).where(PersonalDataKey.subject.in_(subjects[start:start + CHUNK]))))
    return keys


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def price_gap(session: Session, shown: AuditEntry | None, chosen: Mapping[str, Any] | None,
              prices: dict[str, Criterion | None]) -> PriceGap | None:
    """The chosen offer's price less the best fit's, on the product line's price (its first money
    criterion where less is better), from the result the advisor showed. `prices` keeps each
    line's price criterion once found: which criterion it is does not depend on the customer, and
    working out a mortgage's criteria amortises every loan."""
    if shown is None or chosen is None:
        return None
    opened = _opened(session, shown)
    line = PRODUCT_LINES.get(shown.product or "")
    if line is None or opened.profile is None:
        return None
    if line.key not in prices:
        prices[line.key] = price_criterion(line.criteria(opened.profile))
    price = prices[line.key]
    ranking = with_personal(opened.logged, opened.sealed).get("ranking") or []
    picked = next((item for item in ranking if item.get("provider") == chosen.get("provider")
                   and item.get("quote_id") == chosen.get("quote_id")), None)
    if price is None or picked is None:
        return None
    chosen_price, best_price = (_decimal((item.get("values") or {}).get(price.key)) for item in (picked, ranking[0]))
    if chosen_price is None or best_price is None:
        return None
    return PriceGap(given_up(price, chosen_price, best_price), str(picked.get("currency") or line.currency), price.label)


def given_up(price: Criterion, chosen: Decimal, best: Decimal) -> Decimal:
    """What choosing `chosen` over `best` costs the customer on the money criterion `price`: more
    paid where less is better, less earned where more is."""
    return chosen - best if price.direction == "lower" else best - chosen


def _outcomes(session: Session, references: list[str]) -> dict[str, AdvisorOutcome]:
    found: dict[str, AdvisorOutcome] = {}
    prices: dict[str, Criterion | None] = {}
    for start in range(0, len(references), CHUNK):
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.kind.in_((ADVISOR_DECISION, OVERRIDE)), AuditEntry.reference.in_(references[start:start + CHUNK]))
            .order_by(AuditEntry.index))
        for entry in entries:
            logged = document(entry)
            chosen = logged.get("chosen") if isinstance(logged.get("chosen"), Mapping) else None
            shown_index = logged.get("result_index")
            shown = session.get(AuditEntry, shown_index) if isinstance(shown_index, int) else None
            found[str(entry.reference)] = AdvisorOutcome(
                ours_chosen=bool(chosen and chosen.get("house")), overridden=entry.kind == OVERRIDE,
                gap=price_gap(session, shown, chosen, prices))
    return found


def collect(session: Session, window: Window, sample: int = SAMPLE) -> Collected:
    """The newest `sample` recommendations of the window, each reduced to an Observation."""
    entries = list(session.scalars(window.where(select(AuditEntry).where(AuditEntry.kind == RECOMMENDATION))
                                   .order_by(AuditEntry.index.desc()).limit(sample)))
    held = _preload_keys(session, entries)
    outcomes = _outcomes(session, sorted({entry.reference for entry in entries if entry.reference}))
    collected = Collected(sample_limit=sample)
    for entry in entries:
        profile = _opened(session, entry).profile
        if profile is None:
            collected.erased += 1
        collected.observations.append(Observation(
            product=entry.product or NOT_ASKED, groups=_groups(entry, profile), ours_first=bool(entry.house_best),
            outcome=outcomes.get(str(entry.reference))))
    del held
    return collected


def by_group(observations: Iterable[Observation], dimension: str) -> dict[str, list[Observation]]:
    grouped: dict[str, list[Observation]] = defaultdict(list)
    for observation in observations:
        grouped[observation.groups[dimension]].append(observation)
    return dict(sorted(grouped.items()))

