"""Binds the provider registry to the Flask app: from `CANDOR_PROVIDERS` (a list of provider
tables, used by tests) or the TOML providers file."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from providers.registry import ProviderRegistry

EXTENSION_KEY = "candor.providers"


def build_registry(app: Flask) -> ProviderRegistry:
    entries = app.config.get("CANDOR_PROVIDERS")
    if entries is not None:
        return ProviderRegistry.from_entries(entries, origin="CANDOR_PROVIDERS")
    path = Path(app.config["CANDOR_PROVIDERS_FILE"])
    if not path.exists():
        app.logger.warning("No providers file at %s: comparisons will have no providers to ask.", path)
        return ProviderRegistry.from_entries([], origin=str(path))
    return ProviderRegistry.from_file(path)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = build_registry(app)


def reload(app: Flask) -> ProviderRegistry:
    old = app.extensions.get(EXTENSION_KEY)
    if old is not None:
        old.close()
    init_app(app)
    return app.extensions[EXTENSION_KEY]


def current_registry() -> ProviderRegistry:
    return current_app.extensions[EXTENSION_KEY]
