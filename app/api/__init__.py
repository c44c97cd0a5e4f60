"""The JSON API under /api/v1. Each area is a blueprint of its own, nested here; errors are
application/problem+json (RFC 9457)."""

from __future__ import annotations

from flask import Blueprint, Flask

from app.api import audit, comparisons, handoffs, openapi, products, receipts

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_blueprint(audit.bp)
bp.register_blueprint(comparisons.bp)
bp.register_blueprint(handoffs.bp)
bp.register_blueprint(products.bp)
bp.register_blueprint(receipts.bp)

# What /api/openapi.json describes: every route above, from the schemas declared next to it.
OPERATIONS = (*comparisons.OPERATIONS, *handoffs.OPERATIONS, *products.OPERATIONS, *openapi.AUDIT_OPERATIONS, *receipts.OPERATIONS)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(openapi.document_blueprint(OPERATIONS))
    # API clients authenticate with bearer tokens, never the session cookie, so there is no
    # cross-site request to forge.
    csrf = app.extensions["csrf"]
    for name, blueprint in app.blueprints.items():
        if name == "api" or name.startswith("api."):
            csrf.exempt(blueprint)
    comparisons.init_app(app)
