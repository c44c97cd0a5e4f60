"""Binds the provider registry to the Flask app: from `CANDOR_PROVIDERS` (a list of provider
tables, used by tests) or the TOML providers file, with the administrators' overrides (the
`provider_settings` table) applied to the provider list, so they need no restart.

The overrides are read from the database at most once per CANDOR_PROVIDER_SETTINGS_TTL_S (2 s) in
each process, rather than on every comparison: the process where an administrator changes a
setting forgets its copy when that change commits, so its next comparison uses the new setting;
every other worker and instance uses it within the TTL."""

from __future__ import annotations

import dataclasses
import os
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Numeric, String, Text, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import UTCDateTime, db
from providers.base import Adapter, ProviderConfig
from providers.registry import ProviderRegistry
from providers.store import store_for

EXTENSION_KEY = "candor.providers"
OVERRIDDEN_KEY = "candor.providers.overridden"
SETTINGS_READ_KEY = "candor.providers.settings_read"
SETTINGS_TTL_KEY = "CANDOR_PROVIDER_SETTINGS_TTL_S"
DEFAULT_SETTINGS_TTL_S = 2.0
_CHANGED_IN_SESSION = "candor.provider_settings_changed"

Override = tuple[str, bool | None, float | None, str | None]
COMMISSION_MAX_LENGTH = 300
TIMEOUT_MAX_S = Decimal(60)


class ProviderSetting(db.Model):
    """An administrator's override of one provider's line in the providers file. A NULL column
    means "as in the providers file"."""

    __tablename__ = "provider_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool | None] = mapped_column(Boolean)
    timeout_s: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    commission: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        CheckConstraint("timeout_s IS NULL OR (timeout_s > 0 AND timeout_s <= 60)", name="timeout_range"),
    )


class OverriddenRegistry(ProviderRegistry):
    """The file's registry with overrides applied to its provider list. Adapters are the file
    registry's, built from the file's configuration, so an override never rebuilds one (timeouts
    are passed to each call, not kept in the adapter)."""

    def __init__(self, base: ProviderRegistry, configs: list[ProviderConfig]) -> None:
        super().__init__(configs, base.kinds, base.load_errors, runtime=base.runtime)
        self.base = base
        self._file_configs = {config.key: config for config in base.configs}

    def adapter(self, config: ProviderConfig) -> Adapter[Any, Any]:
        return self.base.adapter(self._file_configs.get(config.key, config))

    def close(self) -> None:
        self.base.close()


def _runtime(app: Flask) -> dict[str, Any]:
    """Provider caches in Redis when configured (shared by every instance, whose quote-cache keys
    agree because they share the secret key), else in this process."""
    return {"store": store_for(app.config.get("REDIS_URL")), "secret": str(app.config["SECRET_KEY"]).encode(),
            "namespace": app.config.get("CANDOR_CACHE_NAMESPACE", "candor")}


def build_registry(app: Flask) -> ProviderRegistry:
    entries = app.config.get("CANDOR_PROVIDERS")
    if entries is not None:
        return ProviderRegistry.from_entries(entries, origin="CANDOR_PROVIDERS", **_runtime(app))
    path = Path(app.config["CANDOR_PROVIDERS_FILE"])
    if not path.exists():
        app.logger.info("No providers file at %s: comparisons will have no providers to ask.", path)
        return ProviderRegistry.from_entries([], origin=str(path), **_runtime(app))
    return ProviderRegistry.from_file(path, **_runtime(app))


def init_app(app: Flask) -> None:
    app.config.setdefault(SETTINGS_TTL_KEY, float(os.environ.get(SETTINGS_TTL_KEY) or DEFAULT_SETTINGS_TTL_S))
    registry = build_registry(app)
    registry.prepare()
    app.extensions[EXTENSION_KEY] = registry
    app.extensions.pop(OVERRIDDEN_KEY, None)
    app.extensions.pop(SETTINGS_READ_KEY, None)


def reload(app: Flask) -> ProviderRegistry:
    old = app.extensions.get(EXTENSION_KEY)
    if old is not None:
        old.close()
    init_app(app)
    return app.extensions[EXTENSION_KEY]


def file_registry() -> ProviderRegistry:
    """The providers exactly as the file (or CANDOR_PROVIDERS) configures them."""
    return current_app.extensions[EXTENSION_KEY]


def settings_changed(session: Session) -> None:
    """Marks `session` as changing provider settings: when it commits, this process reads them again."""
    session.info[_CHANGED_IN_SESSION] = True


@event.listens_for(Session, "after_commit")
def _forget_settings_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED_IN_SESSION, False) and has_app_context():
        current_app.extensions.pop(SETTINGS_READ_KEY, None)


@event.listens_for(Session, "after_rollback")
def _nothing_changed_after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED_IN_SESSION, None)


def _overrides(*, fresh: bool = False) -> tuple[Override, ...]:
    """The overrides as last read in this process, read again when older than the TTL (or `fresh`)."""
    read = current_app.extensions.get(SETTINGS_READ_KEY)
    now = time.monotonic()
    if not fresh and read is not None and now - read[0] < float(current_app.config[SETTINGS_TTL_KEY]):
        return read[1]
    overrides = _read_overrides()
    if overrides is not None:
        current_app.extensions[SETTINGS_READ_KEY] = (now, overrides)
    return overrides or ()


def _read_overrides() -> tuple[Override, ...] | None:
    try:
        rows = db.session.execute(
            select(ProviderSetting.key, ProviderSetting.enabled, ProviderSetting.timeout_s, ProviderSetting.commission)
            .order_by(ProviderSetting.key)
        ).all()
    except SQLAlchemyError:
        # Only before the migrations have run; the providers file alone is then the truth.
        db.session.rollback()
        current_app.logger.warning("Provider settings could not be read; using the providers file as it is.")
        return None
    return tuple((key, enabled, None if timeout is None else float(timeout), commission)
                 for key, enabled, timeout, commission in rows)


def apply_overrides(config: ProviderConfig, override: Override | None) -> ProviderConfig:
    if override is None:
        return config
    _, enabled, timeout_s, commission = override
    changes: dict[str, Any] = {}
    if enabled is not None:
        changes["enabled"] = enabled
    if timeout_s is not None:
        changes["timeout_s"] = timeout_s
    if commission is not None:
        changes["commission"] = commission
    return dataclasses.replace(config, **changes)


def current_registry(*, fresh: bool = False) -> ProviderRegistry:
    """The registry with the administrators' overrides applied (read within the TTL, or now when
    `fresh`: the admin pages show what is stored)."""
    base = file_registry()
    overrides = _overrides(fresh=fresh)
    if not overrides:
        return base
    cached = current_app.extensions.get(OVERRIDDEN_KEY)
    if cached is not None and cached[0] is base and cached[1] == overrides:
        return cached[2]
    by_key = {override[0]: override for override in overrides}
    registry = OverriddenRegistry(base, [apply_overrides(config, by_key.get(config.key)) for config in base.configs])
    current_app.extensions[OVERRIDDEN_KEY] = (base, overrides, registry)
    return registry
