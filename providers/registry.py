"""The provider registry: adapter kinds (built-in, then the `candor.providers` entry-point group)
and the provider instances configured in the providers file."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from providers.base import Adapter, ProviderConfig
from providers.errors import AdapterLoadError, ProvidersFileError
from providers.quote_protocol import QuoteProtocolAdapter

ENTRY_POINT_GROUP = "candor.providers"
BUILTIN_KINDS: dict[str, type[Adapter[Any, Any]]] = {
    QuoteProtocolAdapter.kind: QuoteProtocolAdapter,
}
STANDARD_KEYS = {"key", "name", "adapter", "products", "house", "timeout_s", "commission", "enabled"}


def discover_kinds() -> tuple[dict[str, type[Adapter[Any, Any]]], list[AdapterLoadError]]:
    """Built-in kinds plus every entry point that loads; a broken plug-in is reported by name and
    the others still load."""
    kinds = dict(BUILTIN_KINDS)
    errors: list[AdapterLoadError] = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        source = f"entry point {entry_point.value}"
        try:
            loaded = entry_point.load()
        except Exception as error:  # a plug-in may fail in any way; it must not stop the others
            errors.append(AdapterLoadError(entry_point.name, source, error))
            continue
        if not (isinstance(loaded, type) and issubclass(loaded, Adapter)):
            errors.append(AdapterLoadError(entry_point.name, source, "it is not an Adapter subclass"))
            continue
        kinds.setdefault(entry_point.name, loaded)
    return kinds, errors


def parse_provider_entries(entries: Iterable[Mapping[str, Any]], *, origin: str) -> list[ProviderConfig]:
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
        name = entry.get("name")
        adapter = entry.get("adapter")
        products = entry.get("products")
        timeout_s = entry.get("timeout_s", 3.0)
        for field_name, value, ok in (
            ("name", name, isinstance(name, str) and name.strip() != ""),
            ("adapter", adapter, isinstance(adapter, str) and adapter != ""),
            ("products", products, isinstance(products, list) and products and all(isinstance(p, str) for p in products)),
            ("house", entry.get("house", False), isinstance(entry.get("house", False), bool)),
            ("enabled", entry.get("enabled", True), isinstance(entry.get("enabled", True), bool)),
            ("commission", entry.get("commission", ""), isinstance(entry.get("commission", ""), str)),
            ("timeout_s", timeout_s, isinstance(timeout_s, (int, float)) and not isinstance(timeout_s, bool) and 0 < timeout_s <= 60),
        ):
            if not ok:
                raise ProvidersFileError(f"{label}: {field_name!r} has an invalid value {value!r}")
        configs.append(
            ProviderConfig(
                key=key,
                name=name.strip(),
                adapter=adapter,
                products=tuple(products),
                house=entry.get("house", False),
                timeout_s=float(timeout_s),
                commission=entry.get("commission", ""),
                enabled=entry.get("enabled", True),
                options={k: v for k, v in entry.items() if k not in STANDARD_KEYS},
            )
        )
    return configs


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
    return parse_provider_entries(entries, origin=str(path))


@dataclass
class ProviderRegistry:
    configs: list[ProviderConfig]
    kinds: dict[str, type[Adapter[Any, Any]]] = field(default_factory=lambda: dict(BUILTIN_KINDS))
    load_errors: list[AdapterLoadError] = field(default_factory=list)
    _adapters: dict[str, Adapter[Any, Any]] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_entries(cls, entries: Iterable[Mapping[str, Any]], *, origin: str = "configuration") -> ProviderRegistry:
        kinds, errors = discover_kinds()
        return cls(parse_provider_entries(entries, origin=origin), kinds, errors)

    @classmethod
    def from_file(cls, path: str | Path) -> ProviderRegistry:
        kinds, errors = discover_kinds()
        return cls(load_providers_file(path), kinds, errors)

    def for_product(self, product: str) -> list[ProviderConfig]:
        return [config for config in self.configs if config.enabled and product in config.products]

    def adapter(self, config: ProviderConfig) -> Adapter[Any, Any]:
        """The provider's adapter, built once and kept so its connection pool is reused."""
        adapter = self._adapters.get(config.key)
        if adapter is None or adapter.config != config:
            kind = self.kinds.get(config.adapter)
            if kind is None:
                raise AdapterLoadError(config.adapter, f"provider {config.key!r}", "no adapter of that kind is installed")
            adapter = kind(config)
            self._adapters[config.key] = adapter
        return adapter

    def close(self) -> None:
        for adapter in self._adapters.values():
            adapter.close()
        self._adapters.clear()
