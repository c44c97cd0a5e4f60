"""Reading adapter settings from a provider's `options` (the adapter-specific keys of its
`[[provider]]` table), with complaints that name the provider and the setting."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from providers.base import ProviderConfig
from providers.breaker import DEFAULT_COOLDOWN_S, DEFAULT_FAILURES, BreakerPolicy
from providers.errors import ProviderConfigError
from providers.http import DEFAULT_MAX_REPLY_BYTES, MAX_ATTEMPTS, HttpClient

FRAMEWORK_OPTIONS = frozenset({"quote_cache", "breaker_failures", "breaker_cooldown_s", "max_reply_bytes", "retries",
                               "private_network"})
"""Settings every provider may have, whatever its adapter; the registry and the HTTP client read them."""
MAX_REPLY_BYTES_LIMIT = 50 * 1024 * 1024
MAX_PROVIDERS_PER_LINE = 10
MAX_NAME_CHARS = 40
MAX_COMMISSION_CHARS = 120
"""A provider's name and commission are repeated in every comparison's log entry, so they are bounded too."""
"""Providers the file may configure for one product line (enabled or not: an administrator may
enable any of them). A comparison's log entry is bounded for up to this many (app/comparison/bounds.py)."""


def check_known(config: ProviderConfig, known: Collection[str]) -> None:
    unknown = set(config.options) - set(known) - FRAMEWORK_OPTIONS
    if unknown:
        raise ProviderConfigError(config.key, ", ".join(sorted(unknown)),
                                  f"not a setting of the {config.adapter} adapter (a typo?)")


def number(config: ProviderConfig, name: str, default: float, *, low: float, high: float) -> float:
    value = config.options.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ProviderConfigError(config.key, name, f"must be a number from {low:g} to {high:g}")
    return float(value)


def whole_number(config: ProviderConfig, name: str, default: int, *, low: int, high: int) -> int:
    value = config.options.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ProviderConfigError(config.key, name, f"must be a whole number from {low} to {high}")
    return value


def flag(config: ProviderConfig, name: str, default: bool) -> bool:
    value = config.options.get(name, default)
    if not isinstance(value, bool):
        raise ProviderConfigError(config.key, name, "must be true or false")
    return value


def text(config: ProviderConfig, name: str, *, required: bool = True, default: str | None = None) -> str | None:
    value = config.options.get(name, default)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ProviderConfigError(config.key, name, "must be non-empty text")
    return value


def http_url(config: ProviderConfig, name: str = "url", *, required: bool = True) -> str | None:
    value = text(config, name, required=required)
    if value is None:
        return None
    if not value.startswith(("http://", "https://")):
        raise ProviderConfigError(config.key, name, "must be an http:// or https:// address")
    return value


def file_path(config: ProviderConfig, name: str = "path") -> Path | None:
    value = text(config, name, required=False)
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute() and config.base_dir is not None:
        path = Path(config.base_dir) / path
    return path


def max_reply_bytes(config: ProviderConfig) -> int:
    return whole_number(config, "max_reply_bytes", DEFAULT_MAX_REPLY_BYTES, low=1024, high=MAX_REPLY_BYTES_LIMIT)


def attempts(config: ProviderConfig) -> int:
    """`retries` is how many times a safe request may be sent again (0 turns retrying off)."""
    return 1 + whole_number(config, "retries", MAX_ATTEMPTS - 1, low=0, high=5)


def reachable_addresses(config: ProviderConfig) -> frozenset[str]:
    """Non-public kinds of address (providers/addresses.py) the provider may reach besides those its
    URL names: `private_network = true` for one reached by name on our own private network."""
    return frozenset({"private"}) if flag(config, "private_network", False) else frozenset()


def http_client(config: ProviderConfig, *, reply_cap: int | None = None) -> HttpClient:
    """The provider's HTTP client, with its framework settings (reply cap, retries, reach); only its
    configured `url` can make a non-public address reachable, never an address an adapter found in
    a reply. `reply_cap`: a smaller cap for replies that are small by nature (a quote status)."""
    cap = max_reply_bytes(config) if reply_cap is None else min(reply_cap, max_reply_bytes(config))
    return HttpClient(max_reply_bytes=cap, max_attempts=attempts(config),
                      allow_addresses=reachable_addresses(config), home=http_url(config, required=False))


def breaker_policy(config: ProviderConfig) -> BreakerPolicy:
    return BreakerPolicy(
        failures=whole_number(config, "breaker_failures", DEFAULT_FAILURES, low=1, high=1000),
        cooldown_s=number(config, "breaker_cooldown_s", DEFAULT_COOLDOWN_S, low=0, high=86400),
    )


def quote_cache_enabled(config: ProviderConfig) -> bool:
    return flag(config, "quote_cache", True)
