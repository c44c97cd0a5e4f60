"""GET /healthz: 200 once the database is migrated and reachable (and Redis, when configured)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from app.audit import Witness, current_witness_settings, latest_checkpoint, witness_standing
from app.audit.log import size
from app.auth.access import public
from app.db import db
from app.provider_registry import current_registry

bp = Blueprint("health", __name__)


def _redis_status(url: str) -> str:
    import redis  # only needed when Redis is configured

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
        return "ok"
    except redis.RedisError as error:
        return f"unreachable: {type(error).__name__}"
    finally:
        client.close()


def _witness_status(witnesses: tuple[Witness, ...]) -> str:
    """How many witnesses have cosigned our latest checkpoint: informative, never a reason to be
    unhealthy (a witness being away must not take the site down)."""
    try:
        latest = latest_checkpoint(db.session)
        standings = witness_standing(db.session, witnesses)
    except SQLAlchemyError as error:
        db.session.rollback()
        return f"unknown: {type(error).__name__}"
    size = latest.tree_size if latest else 0
    current = sum(standing.tree_size == size for standing in standings if latest)
    return f"{len(witnesses)} configured; {current} cosigned the latest checkpoint ({size} entries)"


@bp.get("/healthz")
@public
def healthz():  # type: ignore[no-untyped-def]
    checks: dict[str, str] = {}
    try:
        checks["database"] = f"ok ({size(db.session)} log entries)"
    except SQLAlchemyError as error:
        db.session.rollback()
        checks["database"] = f"not ready: {type(error).__name__}"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _redis_status(redis_url)
    witnesses = current_witness_settings().witnesses
    if witnesses:
        checks["witnesses"] = _witness_status(witnesses)
    registry = current_registry()
    checks["providers"] = f"{len(registry.configs)} configured"
    if registry.load_errors:
        checks["plugins"] = "; ".join(str(error) for error in registry.load_errors)
    healthy = checks["database"].startswith("ok") and checks.get("redis", "ok") == "ok"
    return jsonify(status="ok" if healthy else "unavailable", checks=checks), 200 if healthy else 503
