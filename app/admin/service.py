"""Changes to provider settings, each logged with the settings before and after."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.actors import Actor
from app.auth.service import AccountError, log_admin_change
from app.db import utcnow
from app.provider_registry import COMMISSION_MAX_LENGTH, TIMEOUT_MAX_S, ProviderSetting, settings_changed
from providers.base import ProviderConfig

ADMIN_CHANNEL = "admin"


class SettingsError(AccountError):
    pass


@dataclass(frozen=True)
class ProviderSettings:
    enabled: bool
    timeout_s: Decimal
    commission: str


def _timeout(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def settings_of(config: ProviderConfig) -> ProviderSettings:
    return ProviderSettings(enabled=config.enabled, timeout_s=_timeout(config.timeout_s), commission=config.commission)


def _record(settings: ProviderSettings) -> dict[str, Any]:
    return {"enabled": settings.enabled, "timeout_s": settings.timeout_s, "commission": settings.commission}


def update_provider(session: Session, file_config: ProviderConfig, current: ProviderConfig,
                    wanted: ProviderSettings, *, actor: Actor, admin_id: int | None) -> bool:
    """Stores `wanted` as the override for the provider; False when nothing changes."""
    if not Decimal(0) < wanted.timeout_s <= TIMEOUT_MAX_S:
        raise SettingsError(f"The timeout must be more than 0 and at most {TIMEOUT_MAX_S} seconds.")
    if len(wanted.commission) > COMMISSION_MAX_LENGTH:
        raise SettingsError(f"Keep the commission text under {COMMISSION_MAX_LENGTH} characters.")
    before = settings_of(current)
    if before == wanted:
        return False
    file_settings = settings_of(file_config)
    row = session.get(ProviderSetting, file_config.key) or ProviderSetting(key=file_config.key)
    # Only what differs from the file is stored, so a later change to the file still shows through.
    row.enabled = None if wanted.enabled == file_settings.enabled else wanted.enabled
    row.timeout_s = None if wanted.timeout_s == file_settings.timeout_s else wanted.timeout_s
    row.commission = None if wanted.commission == file_settings.commission else wanted.commission
    row.updated_at = utcnow()
    row.updated_by = admin_id
    session.add(row)
    session.flush()
    settings_changed(session)
    log_admin_change(session, actor, "provider.settings", {"type": "provider", "id": file_config.key},
                     _record(before), _record(wanted), channel=ADMIN_CHANNEL)
    return True


def reset_provider(session: Session, file_config: ProviderConfig, current: ProviderConfig, *, actor: Actor) -> bool:
    """Drops the override so the providers file's values apply again."""
    row = session.get(ProviderSetting, file_config.key)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    settings_changed(session)
    log_admin_change(session, actor, "provider.reset", {"type": "provider", "id": file_config.key},
                     _record(settings_of(current)), _record(settings_of(file_config)), channel=ADMIN_CHANNEL)
    return True
