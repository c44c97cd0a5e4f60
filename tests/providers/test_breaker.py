"""The circuit breaker's rules, on a clock the test moves."""

from __future__ import annotations

import pytest

from providers.breaker import BreakerPolicy, CircuitBreaker
from providers.errors import (
    CircuitOpen,
    InvalidReply,
    ProviderDeclined,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)

POLICY = BreakerPolicy(failures=3, cooldown_s=30)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(clock)


def fail(breaker: CircuitBreaker, error: Exception | None = None) -> None:
    breaker.admit("acme", POLICY).failed(error or ProviderTimeout())


def test_it_opens_after_the_set_number_of_failures_in_a_row(breaker: CircuitBreaker) -> None:
    fail(breaker)
    fail(breaker)
    breaker.admit("acme", POLICY)  # two failures: still asked
    fail(breaker)
    with pytest.raises(CircuitOpen) as caught:
        breaker.admit("acme", POLICY)
    assert caught.value.message == "is temporarily unavailable"
    assert caught.value.kind == "circuit_open"
    assert "3 failures in a row" in (caught.value.detail or "")
    assert breaker.state("acme").state == "open"


def test_a_success_resets_the_count(breaker: CircuitBreaker) -> None:
    fail(breaker)
    fail(breaker)
    breaker.admit("acme", POLICY).succeeded()
    fail(breaker)
    fail(breaker)
    breaker.admit("acme", POLICY)


@pytest.mark.parametrize("answer", [ProviderDeclined("no"), InvalidReply("sent a reply of the wrong shape")])
def test_declines_and_broken_replies_mean_the_provider_is_up(breaker: CircuitBreaker, answer: Exception) -> None:
    for _ in range(10):
        fail(breaker, answer)
    breaker.admit("acme", POLICY)
    assert breaker.state("acme").state == "closed"


def test_after_the_cooldown_one_trial_is_let_through(breaker: CircuitBreaker, clock: Clock) -> None:
    for _ in range(3):
        fail(breaker, ProviderUnavailable())
    clock.now += 30
    trial = breaker.admit("acme", POLICY)
    with pytest.raises(CircuitOpen, match="temporarily"):
        breaker.admit("acme", POLICY)  # only one trial at a time
    assert breaker.state("acme").state == "half-open"
    trial.succeeded()
    breaker.admit("acme", POLICY)
    assert breaker.state("acme").state == "closed"


def test_a_failed_trial_opens_it_again(breaker: CircuitBreaker, clock: Clock) -> None:
    for _ in range(3):
        fail(breaker)
    clock.now += 31
    breaker.admit("acme", POLICY).failed(ProviderTimeout())
    with pytest.raises(CircuitOpen):
        breaker.admit("acme", POLICY)
    clock.now += 29
    with pytest.raises(CircuitOpen):
        breaker.admit("acme", POLICY)


def test_retry_after_opens_it_at_once_for_that_long(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, RateLimited(retry_after_s=120))
    with pytest.raises(CircuitOpen) as caught:
        breaker.admit("acme", POLICY)
    assert "asked us to wait 120 s" in (caught.value.detail or "")
    clock.now += 119
    with pytest.raises(CircuitOpen):
        breaker.admit("acme", POLICY)
    clock.now += 2
    breaker.admit("acme", POLICY)


def test_the_first_report_wins(breaker: CircuitBreaker) -> None:
    """A comparison records a timeout at its deadline; the late answer must not undo it."""
    for _ in range(3):
        ticket = breaker.admit("acme", POLICY)
        ticket.failed(ProviderTimeout())
        ticket.succeeded()
    with pytest.raises(CircuitOpen):
        breaker.admit("acme", POLICY)


def test_providers_have_separate_circuits(breaker: CircuitBreaker) -> None:
    for _ in range(3):
        fail(breaker)
    breaker.admit("bluebird", POLICY)
