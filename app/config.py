"""Configuration from the environment, with defaults that are safe on a developer's machine."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = PROJECT_ROOT / "instance"
DEFAULT_DB_POOL_SIZE = 8
"""Connections each process keeps open to a server database: one per request thread
(gunicorn.conf.py sets it to GUNICORN_THREADS)."""


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number of seconds, got {raw!r}") from exc


def _whole(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < 1:
        raise RuntimeError(f"{name} must be at least 1, got {value}")
    return value


def from_environment() -> dict[str, object]:
    return {
        "SECRET_KEY": os.environ.get("CANDOR_SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'candor.sqlite3'}"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "CANDOR_PROVIDERS_FILE": os.environ.get("CANDOR_PROVIDERS_FILE")
        or str(INSTANCE_PATH / "providers.toml"),
        "CANDOR_SIGNING_KEY_FILE": os.environ.get("CANDOR_SIGNING_KEY_FILE")
        or str(INSTANCE_PATH / "signing-key.pem"),
        "CANDOR_DATA_KEY": os.environ.get("CANDOR_DATA_KEY") or None,
        "CANDOR_COMPARISON_DEADLINE_S": _float("CANDOR_COMPARISON_DEADLINE_S", 5.0),
        "CANDOR_DB_POOL_SIZE": _whole("CANDOR_DB_POOL_SIZE", DEFAULT_DB_POOL_SIZE),
    }


DEFAULTS: dict[str, object] = {
    # No pool_pre_ping: app/db.py pings only connections that sat idle (PING_IDLE_AFTER_S).
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "MAX_FORM_PARTS": 200,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "CANDOR_CHANNEL_DEFAULT": "web",
}
