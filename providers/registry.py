"""The provider registry: adapter kinds (Candor's own and third parties', all from the `candor.providers`
entry-point group), the provider instances configured in the providers file, and what asking them involves
beyond the adapter — the circuit breaker, the quote cache and the shared store for adapters' caches."""

from __future__ import annotations

import logging
import os
import threading
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from providers import settings
from providers.base import Adapter, AdapterContext, Offer, ProviderConfig, QuoteQuery
from providers.breaker import CircuitBreaker, CircuitState, Ticket
from providers.errors import (
    AdapterFault,
    AdapterLoadError,
    ProviderError,
    ProviderMisconfigured,
    ProvidersFileError,
)
from providers.plugins import home_entry_points, plugin_entry_points, source_of
from providers.quote_cache import CachedAnswer, QuoteCache
from providers.store import MemoryStore, Store

logger = logging.getLogger("candor.providers")

ENTRY_POINT_GROUP = "candor.providers"


def _built_in_kinds() -> dict[str, type[Adapter[Any, Any]]]:
    """The kinds Candor's own distribution registers; one that fails to load is a bug, raised by name."""
    kinds: dict[str, type[Adapter[Any, Any]]] = {}
    for entry_point in home_entry_points(ENTRY_POINT_GROUP):
        try:
            loaded = entry_point.load()
        except Exception as error:
            raise AdapterLoadError(entry_point.name, source_of(entry_point), f"{type(error).__name__}: {error}") from error
        if not (isinstance(loaded, type) and issubclass(loaded, Adapter)):
            raise AdapterLoadError(entry_point.name, source_of(entry_point), "it is not an Adapter subclass")
        kinds[entry_point.name] = loaded
    return kinds


BUILTIN_KINDS: dict[str, type[Adapter[Any, Any]]] = _built_in_kinds()
STANDARD_KEYS = {"key", "name", "adapter", "products", "house", "timeout_s", "commission", "enabled"}


def discover_kinds() -> tuple[dict[str, type[Adapter[Any, Any]]], list[AdapterLoadError]]:
    """Built-in kinds plus every entry point that loads; a broken plug-in is reported by name and
    the others still load. A plug-in cannot replace a built-in kind."""
    kinds = dict(BUILTIN_KINDS)
    sources = {kind: "built in" for kind in kinds}
    errors: list[AdapterLoadError] = []
    for entry_point in plugin_entry_points(ENTRY_POINT_GROUP):
        source = source_of(entry_point)
        try:
            loaded = entry_point.load()
        except Exception as error:  # a plug-in may fail in any way; it must not stop the others
            errors.append(AdapterLoadError(entry_point.name, source, f"{type(error).__name__}: {error}"))
            continue
        if not (isinstance(loaded, type) and issubclass(loaded, Adapter)):
            errors.append(AdapterLoadError(entry_point.name, source, "it is not an Adapter subclass"))
            continue
        if entry_point.name in kinds:
            errors.append(AdapterLoadError(entry_point.name, source, f"the kind is already provided ({sources[entry_point.name]})"))
            continue
        kinds[entry_point.name] = loaded
        sources[entry_point.name] = source
    return kinds, errors


def parse_provider_entries(entries: Iterable[Mapping[str, Any]], *, origin: str, base_dir: str | None = None,
                           providers_per_line: int | None = settings.MAX_PROVIDERS_PER_LINE) -> list[ProviderConfig]:
    """The providers as configured; `providers_per_line` None lifts the limit (for tests of many faults
    at once, which do not rely on the bound of a comparison's log entry)."""
    configs: list[ProviderConfig] = []
    keys: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        label = f"{origin}: provider #{position}"
        if not isinstance(entry, Mapping):
            raise ProvidersFileError(f"{label} is not a table")
        key = entry.get("key")
        if not isinstance(key, str) or not key.isidentifier():
            raise ProvidersFileError(f"{label}: 'key' must be a short identifier such as 'acme'")
        label = f"{origin}: provider {key!r}"
        if key in keys:
            raise ProvidersFileError(f"{label} appears twice")
        keys.add(key)
        configs.append(_provider_config(entry, key, label, base_dir))
    if providers_per_line is not None:
        _check_providers_per_line(configs, origin, providers_per_line)
    return configs


def _check_providers_per_line(configs: list[ProviderConfig], origin: str, limit: int) -> None:
    """Each comparison's log entry is bounded for so many providers (app/comparison/bounds.py)."""
    lines = sorted({product for config in configs for product in config.products})
    for product in lines:
        keys = [config.key for config in configs if product in config.products]
        if len(keys) > limit:
            raise ProvidersFileError(f"{origin}: {len(keys)} providers quote for the {product!r} line "
                                     f"({', '.join(keys)}); at most {limit} may")


def _provider_config(entry: Mapping[str, Any], key: str, label: str, base_dir: str | None) -> ProviderConfig:
    """One entry whose key is known good and unique; `label` names it in every complaint."""
    name = entry.get("name")
    adapter = entry.get("adapter")
    products = entry.get("products")
    timeout_s = entry.get("timeout_s", 3.0)
    for field_name, value, ok in (
        ("name", name, isinstance(name, str) and 0 < len(name.strip()) <= settings.MAX_NAME_CHARS),
        ("adapter", adapter, isinstance(adapter, str) and adapter != ""),
        ("products", products, isinstance(products, list) and products and all(isinstance(p, str) for p in products)),
        ("house", entry.get("house", False), isinstance(entry.get("house", False), bool)),
        ("enabled", entry.get("enabled", True), isinstance(entry.get("enabled", True), bool)),
        ("commission", entry.get("commission", ""), isinstance(entry.get("commission", ""), str)
         and len(entry.get("commission", "")) <= settings.MAX_COMMISSION_CHARS),
        ("timeout_s", timeout_s, isinstance(timeout_s, (int, float)) and not isinstance(timeout_s, bool) and 0 < timeout_s <= 60),
    ):
        if not ok:
            raise ProvidersFileError(f"{label}: {field_name!r} has an invalid value {value!r}")
    config = ProviderConfig(
        key=key,
        name=name.strip(),
        adapter=adapter,
        products=tuple(products),
        house=entry.get("house", False),
        timeout_s=float(timeout_s),
        commission=entry.get("commission", ""),
        enabled=entry.get("enabled", True),
        options={k: v for k, v in entry.items() if k not in STANDARD_KEYS},
        base_dir=base_dir,
    )
    # The settings every provider shares are checked now; an adapter's own settings are
    # checked when its adapter is built, so one bad provider does not stop the others.
    settings.breaker_policy(config)
    settings.quote_cache_enabled(config)
    settings.max_reply_bytes(config)
    settings.attempts(config)
    settings.reachable_addresses(config)
    return config


def load_providers_file(path: str | Path) -> list[ProviderConfig]:
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProvidersFileError(f"{path}: no such providers file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProvidersFileError(f"{path}: not valid TOML: {error}") from error
    unknown = set(document) - {"provider"}
    if unknown:
        raise ProvidersFileError(f"{path}: unknown top-level keys {sorted(unknown)}; use [[provider]] tables")
    entries = document.get("provider", [])
    if not isinstance(entries, list):
        raise ProvidersFileError(f"{path}: 'provider' must be an array of tables ([[provider]])")
    return parse_provider_entries(entries, origin=str(path), base_dir=str(path.resolve().parent))


def _builds_same(built: ProviderConfig, wanted: ProviderConfig) -> bool:
    return (built.adapter, dict(built.options), built.base_dir, built.products) == (
        wanted.adapter, dict(wanted.options), wanted.base_dir, wanted.products)


class ProviderRuntime:
    """What outlives a provider list: the store behind every cache, the quote cache, the circuit
    breakers. A registry with other settings for the same providers (an administrator's
    override) shares its runtime, so breakers and caches carry on."""

    def __init__(self, *, store: Store | None = None, secret: bytes | None = None, namespace: str = "candor") -> None:
        self.store: Store = store if store is not None else MemoryStore()
        self.context = AdapterContext(store=self.store, namespace=namespace)
        # Without a configured secret the digests are this process's own: still unguessable, only
        # not shared between processes, which is all an in-memory cache needs.
        self.quote_cache = QuoteCache(self.store, secret=secret or os.urandom(32), namespace=namespace)
        self.breaker = CircuitBreaker()


class ProviderRegistry:
    """Thread-safe: comparisons ask providers from many threads at once."""

    def __init__(
        self,
        configs: list[ProviderConfig],
        kinds: Mapping[str, type[Adapter[Any, Any]]] | None = None,
        load_errors: list[AdapterLoadError] | None = None,
        *,
        runtime: ProviderRuntime | None = None,
        store: Store | None = None,
        secret: bytes | None = None,
        namespace: str = "candor",
    ) -> None:
        self.configs = configs
        self.kinds = dict(kinds if kinds is not None else BUILTIN_KINDS)
        self.load_errors = list(load_errors or [])
        # A store handed in belongs to whoever made it; one made here is closed here.
        self._owns_store = runtime is None and store is None
        self.runtime = runtime or ProviderRuntime(store=store, secret=secret, namespace=namespace)
        self.store = self.runtime.store
        self.context = self.runtime.context
        self.quote_cache = self.runtime.quote_cache
        self.breaker = self.runtime.breaker
        self._adapters: dict[str, Adapter[Any, Any]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_entries(cls, entries: Iterable[Mapping[str, Any]], *, origin: str = "configuration",
                     providers_per_line: int | None = settings.MAX_PROVIDERS_PER_LINE, **runtime: Any) -> ProviderRegistry:
        kinds, errors = discover_kinds()
        return cls(parse_provider_entries(entries, origin=origin, providers_per_line=providers_per_line), kinds, errors,
                   **runtime)

    @classmethod
    def from_file(cls, path: str | Path, **runtime: Any) -> ProviderRegistry:
        kinds, errors = discover_kinds()
        return cls(load_providers_file(path), kinds, errors, **runtime)

    def with_configs(self, configs: list[ProviderConfig]) -> ProviderRegistry:
        """The same providers with other settings (enabled, timeout, commission), sharing this
        registry's adapters, breakers and caches."""
        view = ProviderRegistry(configs, self.kinds, self.load_errors, runtime=self.runtime)
        view._adapters, view._lock = self._adapters, self._lock
        return view

    def for_product(self, product: str) -> list[ProviderConfig]:
        return [config for config in self.configs if config.enabled and product in config.products]

    def get(self, key: str) -> ProviderConfig | None:
        return next((config for config in self.configs if config.key == key), None)

    def adapter(self, config: ProviderConfig) -> Adapter[Any, Any]:
        """The provider's adapter, built once and kept so its connection pool is reused. Raises
        AdapterLoadError when its kind is not installed, ProvidersFileError when its settings are
        wrong."""
        with self._lock:
            adapter = self._adapters.get(config.key)
            # Name, commission, timeout and enabled never change what an adapter does (timeouts
            # are passed to each call), so changing them keeps the adapter and its pool.
            if adapter is not None and _builds_same(adapter.config, config):
                return adapter
            kind = self.kinds.get(config.adapter)
            if kind is None:
                raise AdapterLoadError(config.adapter, f"provider {config.key!r}", "no adapter of that kind is installed")
            built = kind(config)
            built.context = self.context
            if adapter is not None:
                adapter.close()
            self._adapters[config.key] = built
            return built

    def prepare(self) -> None:
        """Builds every provider's adapter now, at start-up, rather than inside the first
        comparison that asks it: a first build can cost more than a provider's whole deadline on a
        slow machine (an HTML rate page's CSS selectors, compiled once per process, about 0.4 s of
        CPU), and that provider would then be reported as not answering in time. One that cannot be
        built says why when it is asked, as before."""
        for config in self.configs:
            self.problem(config)

    def problem(self, config: ProviderConfig) -> str | None:
        """Why this provider cannot be asked as configured, or None."""
        try:
            self.adapter(config)
        except (AdapterLoadError, ProvidersFileError) as error:
            return str(error)
        except Exception as error:  # a plug-in's constructor may fail in any way
            return f"its {config.adapter} adapter could not be set up: {type(error).__name__}: {error}"
        return None

    # --- asking ----------------------------------------------------------------------------------

    def cached_answers(self, configs: Sequence[ProviderConfig], query: QuoteQuery) -> dict[str, CachedAnswer]:
        return self.quote_cache.get_many([c for c in configs if settings.quote_cache_enabled(c)], query)

    def admit(self, config: ProviderConfig) -> Ticket:
        """Permission to ask now, or CircuitOpen ("is temporarily unavailable")."""
        return self.breaker.admit(config.key, settings.breaker_policy(config))

    def circuit(self, config: ProviderConfig) -> CircuitState:
        return self.breaker.state(config.key)

    def fetch(self, config: ProviderConfig, query: QuoteQuery, *, timeout_s: float, ticket: Ticket) -> list[Offer]:
        """Asks the provider through its adapter, reports the outcome to the breaker and keeps a
        complete answer in the quote cache. Every failure is a ProviderError."""
        try:
            adapter = self.adapter(config)
        except (AdapterLoadError, ProvidersFileError) as error:
            failure: ProviderError = ProviderMisconfigured(detail=str(error)[:300])
            ticket.failed(failure)
            raise failure from error
        except Exception as error:  # a plug-in's constructor may fail in any way
            failure = ProviderMisconfigured(detail=f"{type(error).__name__}: {error}"[:300])
            ticket.failed(failure)
            raise failure from error
        try:
            offers = adapter.fetch_quotes(query, timeout_s=timeout_s)
        except ProviderError as error:
            ticket.failed(error)
            raise
        except Exception as error:  # an adapter bug must cost one provider, never the comparison
            logger.exception("The %s adapter of provider %s crashed.", config.adapter, config.key)
            failure = AdapterFault(detail=f"{type(error).__name__}: {error}"[:300])
            ticket.failed(failure)
            raise failure from error
        ticket.succeeded()
        if settings.quote_cache_enabled(config):
            self.quote_cache.put(config, query, offers, request_id=query.request_id)
        return offers

    def ask(self, config: ProviderConfig, query: QuoteQuery, *, timeout_s: float, use_cache: bool = True) -> list[Offer]:
        """One provider, start to finish (cache, breaker, adapter): for probes and scripts. A
        comparison asks every provider at once through app.comparison.fetch instead."""
        if use_cache:
            cached = self.cached_answers([config], query).get(config.key)
            if cached is not None:
                return list(cached.quotes)
        return self.fetch(config, query, timeout_s=timeout_s, ticket=self.admit(config))

    def close(self) -> None:
        """Closes the adapters, and the store when this registry created it."""
        with self._lock:
            for adapter in self._adapters.values():
                try:
                    adapter.close()
                except Exception:  # closing must reach every adapter, whatever one plug-in does
                    logger.exception("Closing the adapter of provider %s failed.", adapter.config.key)
            self._adapters.clear()
        if self._owns_store:
            self.store.close()
