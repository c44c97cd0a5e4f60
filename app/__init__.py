"""Candor: our offer beside our competitors', ranked provider-blind, every recommendation logged."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect
from jinja2 import ChoiceLoader

from app import auth, cli, errors, formatting, health, provider_registry, security
from app import api, audit, products
from app.admin import routes as admin_routes
from app.advisor import requote as _advisor_requote  # noqa: F401  (adds its route to the advisor blueprint)
from app.advisor import routes as advisor_routes
from app.auth import routes as auth_routes
from app.compliance import outcome_routes
from app.compliance import routes as compliance_routes
from app.policy import routes as policy_routes
from app.complaints import routes as complaints_routes, settings as complaints_settings
from app.quality import routes as quality_routes, settings as quality_settings
from app import config as config_module
from app.db import db, init_migrations
from app.web import recorded, routing
from app.shop import handoff as _shop_handoff  # noqa: F401  (adds its route to the shop blueprint)
from app.shop import places as _shop_places  # noqa: F401  (adds its route to the shop blueprint)
from app.shop import vehicles as _shop_vehicles  # noqa: F401  (adds its routes to the shop blueprint)
from app.shop import requote as _shop_requote  # noqa: F401  (adds its routes to the shop blueprint)
from app.shop import routes as shop_routes
from app.tiles import routes as tiles_routes
from app.verify import routes as verify_routes

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
    routing.init_app(app)
    app.jinja_loader = ChoiceLoader([app.jinja_loader, products.template_loader()])  # type: ignore[list-item]
    app.config.from_mapping(config_module.DEFAULTS)
    app.config.from_mapping({k: v for k, v in config_module.from_environment().items() if v is not None})
    if config is not None:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))

    db.init_app(app)
    init_migrations(app, str(config_module.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    provider_registry.init_app(app)
    audit.init_app(app)

    errors.init_app(app)
    recorded.init_app(app)
    formatting.init_app(app)
    cli.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(shop_routes.bp)
    app.register_blueprint(auth_routes.bp)
    app.register_blueprint(advisor_routes.bp)
    app.register_blueprint(admin_routes.bp)
    app.register_blueprint(verify_routes.bp)
    app.register_blueprint(compliance_routes.bp)
    complaints_settings.init_app(app)
    app.register_blueprint(complaints_routes.bp)
    quality_settings.init_app(app)
    app.register_blueprint(quality_routes.bp)
    app.register_blueprint(tiles_routes.bp)
    app.register_blueprint(policy_routes.bp)
    app.register_blueprint(outcome_routes.bp)
    api.init_app(app)
    return app
