"""Asking every provider at once, each within its own timeout and all within one deadline.

`settle_quotes` yields each provider's outcome the moment it is settled — from the quote cache,
skipped by its circuit breaker, answered, declined or failed — and, at the deadline, every
provider still pending as "did not answer in time". The comparison never waits past the
deadline: a provider still sending is abandoned (its thread ends by its own timeout) and its
circuit breaker is told it timed out.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Generator, Iterator, Mapping, Sequence
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.comparison.bounds import MAX_OFFERS_PER_PROVIDER, shopper_words
from providers.base import Offer, ProviderConfig, Quote, QuoteQuery, RawReply, UnusableQuote, recording_replies
from providers.breaker import Ticket
from providers.errors import CircuitOpen, ProviderError, ProviderTimeout, TooManyOffers
from providers.protocol import SAFE_INTEGER
from providers.registry import ProviderRegistry

logger = logging.getLogger("candor.comparison")

# Threads are started only as many as are asking at once, and an abandoned request (past the
# deadline) keeps its thread only until its own timeout ends it; the ceiling is far above what one
# process has in flight, so a request is never queued behind others.
QUOTE_THREADS_CEILING = 256
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _quote_threads() -> ThreadPoolExecutor:
    """This process's threads for asking providers, kept between comparisons: starting eight
    threads per comparison cost more than the rest of asking. A forked child (a gunicorn worker,
    a test's process) gets a pool of its own, never its parent's threads that did not survive."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=QUOTE_THREADS_CEILING, thread_name_prefix="candor-quote"))
        return _pool[1]


@dataclass
class ProviderOutcome:
    config: ProviderConfig
    request_id: str
    quotes: list[Offer] = field(default_factory=list)
    failure: ProviderError | None = None
    latency_ms: int | None = None
    cached: bool = False
    """The quotes came from the quote cache; `request_id` is then the request that fetched them."""
    reply: RawReply | None = None
    """Size and SHA-256 of the raw reply read for this comparison (none when none was read)."""
    not_compared: int = 0
    """On replay from the log: how many of the unusable offers were beyond the provider's share."""

    @property
    def state(self) -> str:
        """answered, declined, timeout or failed: what the shopper is told while waiting."""
        if self.failure is None:
            return "answered"
        if self.failure.kind in ("declined", "timeout"):
            return self.failure.kind
        return "failed"

    @property
    def shopper_words(self) -> str:
        """What the shopper is told of this provider while waiting: never the provider's own text."""
        return "answered" if self.failure is None else shopper_words(self.failure.kind, self.failure.message)


def settle_quotes(
    registry: ProviderRegistry,
    configs: Sequence[ProviderConfig],
    product: str,
    profile: Mapping[str, Any],
    *,
    deadline_s: float,
    as_settled: bool = True,
) -> Iterator[ProviderOutcome]:
    """Each provider's outcome as soon as it is known; every provider exactly once. With
    `as_settled` False (no one is watching progress) the asked providers are awaited together in
    one wait, and yielded after it; each one's latency is still its own."""
    started = time.monotonic()
    outcomes = {config.key: ProviderOutcome(config, uuid.uuid4().hex) for config in configs}
    if not outcomes:
        return
    lookup = QuoteQuery(product, profile, "cache-lookup")
    to_ask = yield from _settled_without_asking(registry, configs, outcomes, lookup)
    if to_ask:
        yield from _asked(registry, to_ask, product, profile, started=started, deadline_s=deadline_s,
                          as_settled=as_settled)


_Asking = list[tuple[ProviderOutcome, Ticket]]


def _settled_without_asking(registry: ProviderRegistry, configs: Sequence[ProviderConfig],
                            outcomes: Mapping[str, ProviderOutcome],
                            lookup: QuoteQuery) -> Generator[ProviderOutcome, None, _Asking]:
    """Yields the providers answered from the quote cache or skipped by their circuit breaker;
    returns the others, each with its breaker's ticket to ask."""
    cached = registry.cached_answers(configs, lookup)
    to_ask: _Asking = []
    for config in configs:
        outcome = outcomes[config.key]
        answer = cached.get(config.key)
        if answer is not None:
            outcome.cached, outcome.request_id, outcome.latency_ms = True, answer.request_id, 0
            _take(outcome, list(answer.quotes))
            yield outcome
            continue
        try:
            to_ask.append((outcome, registry.admit(config)))
        except CircuitOpen as skipped:
            outcome.failure = skipped
            _log_failure(outcome)
            yield outcome
    return to_ask


def _asked(registry: ProviderRegistry, to_ask: _Asking, product: str, profile: Mapping[str, Any], *,
           started: float, deadline_s: float, as_settled: bool) -> Iterator[ProviderOutcome]:
    """Asks the providers at once; yields each as it answers or fails, and at the deadline every
    one still pending as timed out."""
    executor = _quote_threads()
    pending: dict[Future[_Answer], tuple[ProviderOutcome, Ticket]] = {}
    try:
        for outcome, ticket in to_ask:
            timeout_s = max(0.0, min(outcome.config.timeout_s, deadline_s - (time.monotonic() - started)))
            query = QuoteQuery(product=product, profile=profile, request_id=outcome.request_id)
            future = executor.submit(_ask, registry, outcome.config, query, timeout_s=timeout_s, ticket=ticket)
            pending[future] = (outcome, ticket)
        while pending:
            remaining = deadline_s - (time.monotonic() - started)
            if remaining <= 0:
                break
            done, _ = wait(pending, timeout=remaining, return_when=FIRST_COMPLETED if as_settled else ALL_COMPLETED)
            for future in done:
                outcome, _ = pending.pop(future)
                answer, outcome.reply, settled_at = future.result()
                outcome.latency_ms = round((settled_at - started) * 1000)
                if isinstance(answer, ProviderError):
                    outcome.failure = answer
                    _log_failure(outcome)
                else:
                    _take(outcome, answer)
                yield outcome
        for outcome, ticket in pending.values():
            outcome.failure = ProviderTimeout(detail=f"no answer within the {deadline_s:g} s deadline")
            ticket.failed(outcome.failure)
            _log_failure(outcome)
            yield outcome
    finally:
        for future in pending:  # a request not yet begun is dropped; one under way ends by its own timeout
            future.cancel()


def gather_quotes(
    registry: ProviderRegistry,
    configs: Sequence[ProviderConfig],
    product: str,
    profile: Mapping[str, Any],
    *,
    deadline_s: float,
) -> list[ProviderOutcome]:
    """Every provider's outcome, in the order the providers are configured."""
    order = {config.key: position for position, config in enumerate(configs)}
    settled = list(settle_quotes(registry, configs, product, profile, deadline_s=deadline_s))
    return sorted(settled, key=lambda outcome: order[outcome.config.key])


_Answer = tuple[list[Offer] | ProviderError, RawReply | None, float]


def _ask(registry: ProviderRegistry, config: ProviderConfig, query: QuoteQuery, *, timeout_s: float,
         ticket: Ticket) -> _Answer:
    """The provider's offers or failure, with the size and digest of the raw reply read for them,
    and the moment (time.monotonic) they were settled."""
    with recording_replies() as seen:
        try:
            offers: list[Offer] | ProviderError = registry.fetch(config, query, timeout_s=timeout_s, ticket=ticket)
        except ProviderError as error:
            offers = error
    return offers, (seen[-1] if seen else None), time.monotonic()


def _take(outcome: ProviderOutcome, offers: list[Offer]) -> None:
    """Keeps a provider's offers, or fails it when it sent more than we accept."""
    if len(offers) > MAX_OFFERS_PER_PROVIDER:
        outcome.failure = TooManyOffers(len(offers), MAX_OFFERS_PER_PROVIDER)
        _log_failure(outcome)
        return
    outcome.quotes = _recordable(offers)


def _recordable(offers: list[Offer]) -> list[Offer]:
    """Offers whose every value is plain JSON the log records exactly: text, whole numbers within
    exact range, true/false, null, lists and objects. Anything else (a binary fraction, a decimal
    number where the protocol sends decimal strings, text that is not Unicode) turns that offer
    into an unusable one naming the field, so one odd value never costs the log entry — and with
    it the comparison — and a replay from the log sees exactly what was judged."""
    checked: list[Offer] = []
    for offer in offers:
        if isinstance(offer, Quote):
            problem = (_unrecordable(offer.id, "id") or _unrecordable(offer.product, "product")
                       or _unrecordable(offer.currency, "currency") or _unrecordable(offer.url, "url")
                       or _unrecordable(dict(offer.terms), "terms"))
            if problem is not None:
                where, what = problem
                plain_id = offer.id if _unrecordable(offer.id, "id") is None else None
                checked.append(UnusableQuote(plain_id, where, what))
                continue
        checked.append(offer)
    return checked


def _unrecordable(value: Any, path: str) -> tuple[str, str] | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path, "holds text that is not valid Unicode"
        return None
    if isinstance(value, int):
        if abs(value) > SAFE_INTEGER:
            return path, f"{value} is too large a number to record exactly"
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return path, "has a field name that is not text"
            problem = _unrecordable(key, path) or _unrecordable(item, f"{path}.{key}")
            if problem is not None:
                return problem
        return None
    if isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            problem = _unrecordable(item, f"{path}[{position}]")
            if problem is not None:
                return problem
        return None
    if isinstance(value, (Decimal, float)):
        return path, f"{value} is a number with a fraction; amounts are sent as decimal strings such as \"1212.50\""
    return path, f"holds a {type(value).__name__}, which is not a JSON value"


def _log_failure(outcome: ProviderOutcome) -> None:
    failure = outcome.failure
    assert failure is not None
    if failure.kind == "declined":
        # The reason is the provider's text about this customer: not for operational logs.
        logger.info("Provider %s declined to quote (request %s).", outcome.config.key, outcome.request_id)
        return
    logger.warning("Provider %s did not quote: %s — %s%s (request %s).", outcome.config.key, failure.kind,
                   failure.message, f" [{failure.detail}]" if failure.detail else "", outcome.request_id)
