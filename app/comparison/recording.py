"""What goes to the log: a comparison's result as a recommendation, and a re-ranking of the same
quotes as a re-rank under the same reference. Each is appended through the caller's session; the
caller commits. The profile is sealed with its customer's data key (app/comparison/derived.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.actors import ANONYMOUS, Actor
from app.audit.entries import RECOMMENDATION, RERANK
from app.audit.log import AuditWriteError, ReferenceTaken, append
from app.audit.models import AuditEntry
from app.comparison.bounds import Limits
from app.comparison.budget import within_budget
from app.comparison.derived import remember_sealed
from app.comparison.errors import InputsErased
from app.comparison.fetch import ProviderOutcome
from app.comparison.preferences import resolve_weights
from app.comparison.references import with_fresh_reference
from app.comparison import rate_market
from app.comparison.result import AT_NOW, build_result, logged_market
from app.comparison.settle import outcomes_from_log
from app.db import utcnow
from app.products.base import ProductLine

# A result's member holding the SHA-256 of its permalink's secret; never the secret itself.
PERMALINK = "permalink"


def record_comparison(
    session: Session,
    line: ProductLine,
    profile: dict[str, Any],
    outcomes: list[ProviderOutcome],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    actor: Actor = ANONYMOUS,
    deadline_s: float,
    subject: str | None = None,
    reference: str | None = None,
    replaces: Mapping[str, Any] | None = None,
    permalink_sha256: str | None = None,
) -> AuditEntry:
    """Ranks settled provider outcomes and appends the result to the log through `session`; the
    caller commits. `reference` is given when it had to be chosen before the providers answered
    (a streamed comparison: app/shop/progress.py), else a new one is drawn, and drawn again if the
    log's unique index reports it taken."""
    preset, weights = resolve_weights(line, preferences)
    now = utcnow()
    market = rate_market.read_market(session, line, profile, now)

    def build(limits: Limits | None) -> dict[str, Any]:
        body = build_result(line, profile, outcomes, preset=preset, weights=weights, now=now, deadline_s=deadline_s,
                            limits=limits, rates_market=market)
        body["actor"] = actor.as_record()
        if replaces is not None:
            body["replaces"] = {"reference": replaces["reference"], "index": replaces["index"]}
        if permalink_sha256 is not None:
            body[PERMALINK] = {"sha256": permalink_sha256}
        return body

    parts = within_budget(build)
    # Counted in this transaction, before the append locks the log: no entry without its counts.
    rate_market.count_offers(session, line, profile, parts[0], now)

    def append_as(chosen: str) -> AuditEntry:
        return _append_result(session, line, parts, kind=RECOMMENDATION, channel=channel, now=now,
                              reference=chosen, subject=subject)

    if reference is not None:  # already shown to the shopper: a clash (2**-40) fails the comparison
        try:
            return append_as(reference)
        except ReferenceTaken:
            raise AuditWriteError(f"the reference {reference} is already logged; nothing was written") from None
    return with_fresh_reference(append_as)


def rerank(
    session: Session,
    line: ProductLine,
    previous: Mapping[str, Any],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    actor: Actor = ANONYMOUS,
) -> AuditEntry:
    """Ranks the same quotes again with other preferences, as a new logged recommendation under
    the same reference. Quotes that have expired since are excluded, never shown as current."""
    if previous.get("profile") is None:
        raise InputsErased(previous.get("erasure"))
    preset, weights = resolve_weights(line, preferences)
    now = utcnow()
    outcomes = outcomes_from_log(previous)

    def build(limits: Limits | None) -> dict[str, Any]:
        # The same quotes, so the reference data they were checked against (rates set that day).
        body = build_result(line, previous["profile"], outcomes, preset=preset, weights=weights, now=now,
                            deadline_s=previous["deadline_ms"] / 1000, limits=limits,
                            reference=previous.get("reference_data", AT_NOW), rates_market=logged_market(previous))
        body["actor"] = actor.as_record()
        body["reranks"] = previous["index"]
        if previous.get(PERMALINK) is not None:  # the same link opens the re-ranked result
            body[PERMALINK] = previous[PERMALINK]
        return body

    parts = within_budget(build, Limits.from_record(previous.get("limits")))
    sealed = previous.get("personal")
    return _append_result(session, line, parts, kind=RERANK, channel=channel, now=now,
                          reference=previous["reference"],
                          subject=sealed["subject"] if isinstance(sealed, Mapping) else None)


def _append_result(session: Session, line: ProductLine, parts: tuple[dict[str, Any], dict[str, Any]], *, kind: str,
                   channel: str, now: datetime, reference: str, subject: str | None) -> AuditEntry:
    """Appends a result's clear part and its personal part sealed, and keeps the sealed part on the
    entry for app/comparison/loading.py's appended_result."""
    clear, personal = parts
    entry = append(session, clear, kind=kind, channel=channel, created_at=now, reference=reference,
                   product=line.key, personal=personal, subject=subject)
    remember_sealed(entry, personal)
    return entry
