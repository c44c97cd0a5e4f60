"""The circuit breaker: a provider that keeps failing to answer is skipped for a cool-down instead
of costing every comparison its full timeout, and a provider that says "come back in N seconds"
(429 or 503 with Retry-After) is left alone for that long.

Per provider: closed (asked normally) → after `failures` availability failures in a row, open
(skipped, "is temporarily unavailable") → after the cool-down, one trial request is let through
(half-open): success closes the circuit, failure opens it again. Only availability failures count
(timeouts, refusals, 5xx, 429): a decline or a malformed reply means the provider is up.

State is per process: each instance learns on its own, which costs at most `failures` slow
requests per instance and needs no shared coordination.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from providers.errors import AVAILABILITY_FAILURES, CircuitOpen, ProviderError

DEFAULT_FAILURES = 5
DEFAULT_COOLDOWN_S = 30.0


@dataclass(frozen=True)
class BreakerPolicy:
    failures: int = DEFAULT_FAILURES
    cooldown_s: float = DEFAULT_COOLDOWN_S


@dataclass
class _Circuit:
    consecutive_failures: int = 0
    open_until: float = 0.0
    trial_in_flight: bool = False
    reason: str = ""


@dataclass(frozen=True)
class CircuitState:
    """For `flask providers list` and the health page."""

    state: str  # "closed", "open" or "half-open"
    consecutive_failures: int
    open_for_s: float
    reason: str


class Ticket:
    """Permission to ask a provider once; reports the outcome back exactly once (the first report
    wins, so a comparison that gave up at its deadline can record the timeout while the late
    answer, if it ever comes, is ignored)."""

    def __init__(self, breaker: CircuitBreaker, key: str, policy: BreakerPolicy, *, trial: bool) -> None:
        self._breaker = breaker
        self._key = key
        self._policy = policy
        self._trial = trial
        self._done = False
        self._lock = threading.Lock()

    def _settle(self) -> bool:
        with self._lock:
            if self._done:
                return False
            self._done = True
            return True

    def succeeded(self) -> None:
        if self._settle():
            self._breaker._record(self._key, self._policy, None, trial=self._trial)

    def failed(self, error: ProviderError) -> None:
        if self._settle():
            self._breaker._record(self._key, self._policy, error, trial=self._trial)


class CircuitBreaker:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._circuits: dict[str, _Circuit] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def admit(self, key: str, policy: BreakerPolicy) -> Ticket:
        """A ticket to ask the provider, or CircuitOpen when it must be skipped."""
        now = self._clock()
        with self._lock:
            circuit = self._circuits.setdefault(key, _Circuit())
            if circuit.open_until == 0.0:
                return Ticket(self, key, policy, trial=False)
            if now < circuit.open_until:
                raise CircuitOpen(detail=f"{circuit.reason}; resting for another {circuit.open_until - now:.0f} s")
            if circuit.trial_in_flight:
                raise CircuitOpen(detail=f"{circuit.reason}; a trial request is under way")
            circuit.trial_in_flight = True
            return Ticket(self, key, policy, trial=True)

    def state(self, key: str) -> CircuitState:
        now = self._clock()
        with self._lock:
            circuit = self._circuits.get(key, _Circuit())
            if circuit.open_until == 0.0:
                name = "closed"
            elif now < circuit.open_until:
                name = "open"
            else:
                name = "half-open"
            return CircuitState(name, circuit.consecutive_failures, max(0.0, circuit.open_until - now), circuit.reason)

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._circuits.clear()
            else:
                self._circuits.pop(key, None)

    def _record(self, key: str, policy: BreakerPolicy, error: ProviderError | None, *, trial: bool) -> None:
        now = self._clock()
        with self._lock:
            circuit = self._circuits.setdefault(key, _Circuit())
            if trial:
                circuit.trial_in_flight = False
            if error is None or not isinstance(error, AVAILABILITY_FAILURES):
                circuit.consecutive_failures = 0
                circuit.open_until = 0.0
                circuit.reason = ""
                return
            circuit.consecutive_failures += 1
            retry_after = getattr(error, "retry_after_s", None)
            if retry_after is not None and retry_after > 0:
                circuit.open_until = max(circuit.open_until, now + retry_after)
                circuit.reason = f"asked us to wait {retry_after:.0f} s ({error.kind})"
            elif trial or circuit.consecutive_failures >= policy.failures:
                circuit.open_until = now + policy.cooldown_s
                circuit.reason = f"{circuit.consecutive_failures} failures in a row, the last {error.kind}"
