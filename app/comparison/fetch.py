"""Asking every provider at once, each within its own timeout and all within one deadline."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from providers.base import ProviderConfig, Quote, QuoteQuery
from providers.errors import AdapterLoadError, ProviderError, ProviderTimeout, ProviderUnavailable
from providers.registry import ProviderRegistry


@dataclass
class ProviderOutcome:
    config: ProviderConfig
    request_id: str
    quotes: list[Quote] = field(default_factory=list)
    failure: ProviderError | None = None
    latency_ms: int | None = None


def _ask(registry: ProviderRegistry, config: ProviderConfig, query: QuoteQuery, timeout_s: float) -> tuple[list[Quote], int]:
    started = time.monotonic()
    adapter = registry.adapter(config)
    quotes = adapter.fetch_quotes(query, timeout_s=timeout_s)
    return quotes, round((time.monotonic() - started) * 1000)


def gather_quotes(
    registry: ProviderRegistry,
    configs: list[ProviderConfig],
    product: str,
    profile: dict[str, Any],
    *,
    deadline_s: float,
) -> list[ProviderOutcome]:
    outcomes = [ProviderOutcome(config, uuid.uuid4().hex) for config in configs]
    if not outcomes:
        return outcomes
    started = time.monotonic()
    executor = ThreadPoolExecutor(max_workers=len(outcomes), thread_name_prefix="candor-quote")
    try:
        pending: dict[Future[tuple[list[Quote], int]], ProviderOutcome] = {
            executor.submit(
                _ask,
                registry,
                outcome.config,
                QuoteQuery(product=product, profile=profile, request_id=outcome.request_id),
                min(outcome.config.timeout_s, deadline_s),
            ): outcome
            for outcome in outcomes
        }
        while pending:
            remaining = deadline_s - (time.monotonic() - started)
            if remaining <= 0:
                break
            done, _ = wait(pending, timeout=remaining, return_when=FIRST_COMPLETED)
            for future in done:
                outcome = pending.pop(future)
                try:
                    outcome.quotes, outcome.latency_ms = future.result()
                except ProviderError as error:
                    outcome.failure = error
                    outcome.latency_ms = round((time.monotonic() - started) * 1000)
                except AdapterLoadError as error:
                    outcome.failure = ProviderUnavailable("is not set up correctly on our side", detail=str(error))
                except Exception as error:  # an adapter bug must cost one provider, never the comparison
                    outcome.failure = ProviderUnavailable("could not be asked because of a fault on our side", detail=repr(error)[:300])
        for outcome in pending.values():
            outcome.failure = ProviderTimeout(detail=f"no answer within the {deadline_s:g} s deadline")
            outcome.latency_ms = None
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return outcomes
