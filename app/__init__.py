"""Candor: our offer beside our competitors', ranked provider-blind, every recommendation logged."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect

from app import cli, errors, formatting, health, provider_registry
from app import config as config_module
from app.db import db, migrate
from app.shop import routes as shop_routes

csrf = CSRFProtect()


def _secret_key(instance_path: Path) -> str:
    """A key kept in instance/ so sessions survive restarts on a developer's machine; production
    sets CANDOR_SECRET_KEY so every instance shares one."""
    path = instance_path / "secret-key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(config_module.INSTANCE_PATH),
        template_folder=str(config_module.PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(config_module.DEFAULTS)
    app.config.from_mapping({k: v for k, v in config_module.from_environment().items() if v is not None})
    if config is not None:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    provider_registry.init_app(app)

    errors.init_app(app)
    formatting.init_app(app)
    cli.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(shop_routes.bp)
    return app
