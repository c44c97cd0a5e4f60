"""One comparison from start to end: every provider of the line asked at once, each outcome
observed as it settles, then the outcomes ranked and appended to the log (recording.py).

`compare` is that one orchestration, written as a generator of progress events: the plain POST,
the API and the advisor console run it to its end (`run_comparison`); the streaming progress page
(app/shop/progress.py) shows each event as it comes. A generator rather than a callback, because
the page sends its lines from the request's own thread while the comparison runs in it."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.actors import ANONYMOUS, Actor
from app.audit.models import AuditEntry
from app.comparison.fetch import ProviderOutcome, settle_quotes
from app.comparison.preferences import resolve_weights
from app.comparison.recording import record_comparison
from app.products.base import ProductLine
from providers.registry import ProviderRegistry

ANSWERED_STATES = ("answered", "declined")


@dataclass(frozen=True)
class ProviderSettled:
    """One provider answered, declined or failed; `answered` counts those that answered or
    declined so far, of `total` asked."""
    outcome: ProviderOutcome
    answered: int
    total: int


@dataclass(frozen=True)
class RankingStarted:
    """Every provider has settled; the offers are being ranked and the result logged."""
    answered: int
    total: int


Progress = ProviderSettled | RankingStarted
Comparing = Generator[Progress, None, AuditEntry]


def compare(
    session: Session,
    registry: ProviderRegistry,
    line: ProductLine,
    profile: dict[str, Any],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    deadline_s: float,
    actor: Actor = ANONYMOUS,
    subject: str | None = None,
    reference: str | None = None,
    replaces: Mapping[str, Any] | None = None,
    permalink_sha256: str | None = None,
    as_settled: bool = True,
) -> Comparing:
    """Yields progress as the providers settle, then returns the log entry appended through
    `session` (the caller commits); options as record_comparison's. `as_settled` False: no one
    watches progress, so the providers are awaited in one wait (settle_quotes)."""
    resolve_weights(line, preferences)  # unknown preferences fail before any provider is asked
    configs = registry.for_product(line.key)
    settled: list[ProviderOutcome] = []
    answered = 0
    for outcome in settle_quotes(registry, configs, line.key, line.provider_profile(profile), deadline_s=deadline_s,
                                 as_settled=as_settled):
        settled.append(outcome)
        answered += outcome.state in ANSWERED_STATES
        yield ProviderSettled(outcome, answered, len(configs))
    yield RankingStarted(answered, len(configs))
    order = {config.key: position for position, config in enumerate(configs)}
    settled.sort(key=lambda outcome: order[outcome.config.key])
    return record_comparison(session, line, profile, settled, preferences=preferences, channel=channel, actor=actor,
                             deadline_s=deadline_s, subject=subject, reference=reference, replaces=replaces,
                             permalink_sha256=permalink_sha256)


def finish(comparing: Comparing) -> AuditEntry:
    """Runs a comparison on to its end, observing nothing more; its log entry."""
    while True:
        try:
            next(comparing)
        except StopIteration as done:
            return done.value


def run_comparison(
    session: Session,
    registry: ProviderRegistry,
    line: ProductLine,
    profile: dict[str, Any],
    *,
    preferences: Mapping[str, Any],
    channel: str,
    actor: Actor = ANONYMOUS,
    deadline_s: float = 5.0,
    subject: str | None = None,
    replaces: Mapping[str, Any] | None = None,
    permalink_sha256: str | None = None,
) -> AuditEntry:
    """Runs a comparison and appends it to the log through `session`; the caller commits. The
    profile is logged sealed with the data key of `subject` (a new customer when None);
    `replaces` ({"reference", "index"}) points at the comparison this one re-quotes, and
    `permalink_sha256` is the SHA-256 (hex) of the results permalink's secret (app/shop/permalink.py)."""
    return finish(compare(session, registry, line, profile, preferences=preferences, channel=channel, actor=actor,
                          deadline_s=deadline_s, subject=subject, replaces=replaces,
                          permalink_sha256=permalink_sha256, as_settled=False))
