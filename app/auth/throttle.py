"""Sign-in throttling (OWASP ASVS 2.2.1): wrong passwords slow down the client that sends them,
never the account they name. Failures are counted per client address and per (address, name);
past a few free failures each further one makes that client wait twice as long as the last,
up to CANDOR_LOGIN_MAX_DELAY_MINUTES. A known name and an unknown one are throttled alike, so
throttling reveals nothing about who has an account, and nobody elsewhere can lock an officer out.

The counters live in the rate limiter's storage (Redis when REDIS_URL is set, so every instance
shares them), under keyed digests: neither the address nor the name typed is stored in clear."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from limits.storage import MemoryStorage

from app.auth.models import normalise_username
from app.security import limiter_for

FALLBACK_KEY = "candor.login_throttle_fallback"
# A streak of failures is forgotten this long after it began.
STREAK_S = 3600
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Client:
    """Who is trying: the digests that key their counters."""

    address_key: str
    pair_key: str


def client(address: str | None, username: str) -> Client:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")

    def digest(*parts: str) -> str:
        return hmac.new(secret, "\n".join(("login", *parts)).encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    where = address or "unknown"
    # Under the rate limits' own prefix: instances of one site share counters, other sites do not.
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    return Client(f"{prefix}-login-address-{digest(where)}",
                  f"{prefix}-login-pair-{digest(where, normalise_username(username))}")


def _storage() -> Any:
    return limiter_for(current_app).storage


def _fallback() -> MemoryStorage:
    storage = current_app.extensions.get(FALLBACK_KEY)
    if storage is None:
        storage = current_app.extensions[FALLBACK_KEY] = MemoryStorage()
    return storage


def _call(method: str, *args: Any) -> Any:
    """The shared storage's answer, or this instance's own when the shared one is unreachable
    (throttling per instance is better than none)."""
    try:
        return getattr(_storage(), method)(*args)
    except Exception:  # noqa: BLE001 — any storage failure: Redis down, timeouts, refused
        logger.warning("Sign-in throttling fell back to this instance's memory: the shared storage failed.")
        return getattr(_fallback(), method)(*args)


def _delay_s(failures: int, free: int) -> int:
    if failures <= free:
        return 0
    maximum = int(current_app.config["CANDOR_LOGIN_MAX_DELAY_MINUTES"]) * 60
    return min(maximum, 2 ** min(failures - free - 1, 30))


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def wait_seconds(who: Client) -> int:
    """How long this client must wait before its next attempt is even checked (0: go ahead)."""
    until_ms = max(int(_call("get", f"{who.address_key}-until")), int(_call("get", f"{who.pair_key}-until")))
    return max(0, -(-(until_ms - _now_ms()) // 1000))  # whole seconds, rounded up


def record_failure(who: Client) -> int:
    """Counts a failed sign-in; returns how long the client must now wait."""
    config = current_app.config
    waits = []
    for key, free in ((who.address_key, int(config["CANDOR_LOGIN_ADDRESS_FREE_FAILURES"])),
                      (who.pair_key, int(config["CANDOR_LOGIN_FREE_FAILURES"]))):
        delay = _delay_s(int(_call("incr", f"{key}-count", STREAK_S)), free)
        if delay:
            # In milliseconds: whole seconds would cut the wait short by up to one.
            until = _now_ms() + delay * 1000
            _call("clear", f"{key}-until")
            _call("incr", f"{key}-until", delay + 1, until)
        waits.append(delay)
    return max(waits)


def record_success(who: Client) -> None:
    """A right password forgets this name's failures from this address (not the address's own:
    one account of an attacker's must not reset their guessing at others)."""
    _call("clear", f"{who.pair_key}-count")
    _call("clear", f"{who.pair_key}-until")
